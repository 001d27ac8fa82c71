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
from itertools import repeat

import numpy as np
import numpy.typing as npt

from goodwill.understand.rules import CUES, URGENCY, words

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[a-z][a-z'’]*|\d+|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
BIAS = "__bias__"
_WH = frozenset("how what when where why who whom whose which".split())
_AUX = frozenset("can could do does did is are was were will would should shall may might have has am isn't aren't doesn't don't didn't "
                 "can't cannot won't wouldn't couldn't shouldn't any anyone".split())
#: Words passed over when looking for the word a message or a clause opens with (greetings, mentions, links).
_OPENER_SKIP = frozenset("xxuser xxurl hi hey hello dear so and but ok okay also please pls yes no".split())
_TERMINATOR = re.compile(r"([.!?\n])")
_WORD = re.compile(r"[a-z][a-z']*")

Floats = npt.NDArray[np.float32]


def tokens(text: str, found: list[str] | None = None) -> list[str]:
    """The feature strings of one message (with repeats). `found` is
    `rules.PHRASES.find(rules.words(text))`, when the caller has it."""
    t = text.lower()
    if "’" in t:
        t = t.replace("’", "'")
    if "http" in t or "www." in t:
        t = _URL.sub(" xxurl ", t)
    if "@" in t:
        t = _MENTION.sub(" xxuser ", t)
    ws = _TOKEN.findall(_DIGITS.sub(" xxnum ", t))
    out = [BIAS]
    if found is None:
        ws_ = words(text)
        found = CUES.find(ws_) + URGENCY.find(ws_)
    out.extend({("cue:" if c[0] == "c" else "urg:") + c[2:] for c in found if c[0] in "cu"})
    out.extend(ws)
    out.extend([f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)])
    special = ws.count("xxuser") + ws.count("xxurl")
    first = next((w for w in ws if w != "xxuser" and w != "xxurl"), None) if special else (ws[0] if ws else None)
    out.append("^empty" if first is None else "^" + first)
    if len(ws) - special <= 3:
        out.append("^short")
    out.extend(question_form(t, ws))
    return out


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


@dataclass
class LinearModel:
    """Weights over a shared vocabulary; `heads` name slices of the columns,
    each scored with a softmax (several labels) or a sigmoid (one label)."""

    vocabulary: dict[str, int]
    weights: Floats  # (len(vocabulary), columns); row vocabulary[BIAS] holds the biases
    heads: dict[str, list[str]]  # head name -> its labels, in column order
    version: str

    def scores(self, texts: Sequence[str], found: Sequence[list[str]] | None = None) -> Floats:
        """Raw scores, (len(texts), columns). `found`: see `tokens`."""
        get = self.vocabulary.get
        ids: list[int] = []
        starts: list[int] = []
        for i, text in enumerate(texts):
            starts.append(len(ids))
            row = set(map(get, tokens(text, None if found is None else found[i]), repeat(-1)))
            row.discard(-1)
            ids.extend(row)
        if not texts:
            return np.zeros((0, self.weights.shape[1]), dtype=np.float32)
        gathered = self.weights[np.asarray(ids, dtype=np.int64)]
        # Every text has the bias feature, so no segment is empty.
        return np.add.reduceat(gathered, np.asarray(starts, dtype=np.int64), axis=0)

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

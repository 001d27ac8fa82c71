"""Text features and small linear models with numpy-only inference.

A message becomes a set of feature ids: lower-cased word unigrams and
bigrams, its first word, and marker tokens for links, mentions, numbers,
question marks and emoji. A model is one weight matrix over those ids plus
a bias row; scoring a batch is one gather and one segmented sum, so it runs
at tens of thousands of messages a second in a single process.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from goodwill.understand.rules import Lexicon

#: Cue phrases of customer-care intents: each found adds a `cue:KIND` feature,
#: which lets the models carry what they learn from common phrasings over to
#: rarer ones of the same kind.
CUES = Lexicon({phrase.strip(): kind for kind, phrases in {
    "purchase": "want to buy, wanna buy, looking to buy, looking for a new, where can i buy, where can i get, where do i buy, where to buy, how much is, "
                "how much does, how much for, how much are, price of, price for, going to buy, gonna buy, planning to buy, planning on buying, "
                "thinking about buying, thinking of buying, thinking about getting, thinking of getting, thinking of switching, thinking about switching, "
                "considering buying, torn between, pre order, preorder, in stock, back in stock, can i buy, can i order, do you sell, do you ship, "
                "do you deliver, sign up for, which one should i, which model, should i get, should i buy, worth buying, best plan, interested in buying, "
                "want to order, want to upgrade, release date, recommend a",
    "suggest": "you should, you guys should, please add, please bring, bring back, would be nice, would be great, would be cool, would love to see, "
               "wish you, wish there was, i wish, why don't you, suggestion, feature request, how about, consider adding, should add, needs an option, "
               "need an option, add an option, add a feature, add support",
    "question": "how do i, how can i, how to, is there a way, does anyone, anyone know, can you help, could you help, can someone, any idea, any update, "
                "any news, i have a question, quick question, is it possible, do you have, do you know",
    "problem": "not working, doesn't work, does not work, won't load, can't log, cannot log, still waiting, still not, never arrived, never received, "
               "keeps crashing, stopped working, no response, on hold, charged twice, what's going on, fix this, sort this out, so frustrating, fed up, "
               "sick of, worst, terrible, awful, unacceptable, ridiculous, disappointed",
    "praise": "thank you so much, thanks so much, love you, love it, love this, love the, you guys rock, you rock, great job, well done, great service, "
              "amazing service, best customer service, shout out, shoutout, kudos, so helpful, very helpful, big thanks",
    "closer": "ok thanks, okay thanks, thanks again, will do, got it, just did, done thanks",
}.items() for phrase in phrases.split(",")})

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_TOKEN = re.compile(r"[a-z][a-z'’]*|\d+|[?!]|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
BIAS = "__bias__"

Floats = npt.NDArray[np.float32]


def tokens(text: str) -> list[str]:
    """The feature strings of one message (with repeats)."""
    t = text.lower()
    if "http" in t or "www." in t:
        t = _URL.sub(" xxurl ", t)
    if "@" in t:
        t = _MENTION.sub(" xxuser ", t)
    words = [w.replace("’", "'") if not w.isdigit() else "xxnum" for w in _TOKEN.findall(t)]
    out = [BIAS]
    out.extend({"cue:" + kind for kind in CUES.find(words)})
    out.extend(words)
    out.extend([f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])
    content = [w for w in words if w not in ("xxuser", "xxurl")]
    if content:
        out.append("^" + content[0])
    else:
        out.append("^empty")
    if len(content) <= 3:
        out.append("^short")
    return out


@dataclass
class LinearModel:
    """Weights over a shared vocabulary; `heads` name slices of the columns,
    each scored with a softmax (several labels) or a sigmoid (one label)."""

    vocabulary: dict[str, int]
    weights: Floats  # (len(vocabulary), columns); row vocabulary[BIAS] holds the biases
    heads: dict[str, list[str]]  # head name -> its labels, in column order
    version: str

    def scores(self, texts: Sequence[str]) -> Floats:
        """Raw scores, (len(texts), columns)."""
        vocab = self.vocabulary
        ids: list[int] = []
        starts: list[int] = []
        for text in texts:
            starts.append(len(ids))
            ids.extend({vocab[f] for f in tokens(text) if f in vocab})
        if not texts:
            return np.zeros((0, self.weights.shape[1]), dtype=np.float32)
        gathered = self.weights[np.asarray(ids, dtype=np.int64)]
        # Every text has the bias feature, so no segment is empty.
        return np.add.reduceat(gathered, np.asarray(starts, dtype=np.int64), axis=0)

    def predict(self, texts: Sequence[str]) -> dict[str, Floats]:
        """Probabilities per head: (n, labels) for softmax heads, (n,) for a one-label head."""
        raw = self.scores(texts)
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

"""The intent, needs-response and urgency heads, and the words behind their labels.

Two linear heads share one column layout: six intent columns (softmax), then
needs_response, urgent and complaint (each a sigmoid). The complaint column
is a head of its own, complaint or not, trained on more data than the intent
columns (sets that say only whether a message is a complaint); the intent
probabilities are its p(complaint) and, for the rest, (1 - p(complaint))
times the softmax over the five other intent columns.

- The **fast head** scores word n-grams, cue phrases and urgency phrases
  (`features.tokens`) with numpy alone; it runs on every message. Its
  complaint column also reads the fast sentiment model's log-probabilities.
- The **encoder head** adds the shared sentence encoder's embedding of the
  message to the same n-gram features (one more matrix product), and its
  complaint column reads the accurate sentiment model's log-probabilities.
  It runs on the messages the cascade sends to the encoder, given their
  embeddings.

Both were trained together by `goodwill train --task heads`
(`understand/training/train_heads.py`) on the hand-labelled care set's train
split, the weak labels, TweetSumm dialog types and suggestion-mining
sentences (and, for the complaint column, complaints_uva2015's first
sets). `reasons` names the words that pushed a message toward its
labels: the n-grams present in it with the largest weights in the chosen
column, and the urgency phrases it contains.
"""

from __future__ import annotations

import importlib.resources
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand.features import BIAS, Features, LinearModel

Floats = npt.NDArray[np.float32]
COLUMNS = (*INTENTS, "needs_response", "urgent", "complaint")
NEEDS = len(INTENTS)
URGENT = NEEDS + 1
COMPLAINT = URGENT + 1
_COMPLAINT_INTENT = INTENTS.index("complaint")
_NOT_COMPLAINT = [i for i in range(len(INTENTS)) if i != _COMPLAINT_INTENT]
LAYOUT = {"intent": list(INTENTS), "needs_response": ["yes"], "urgent": ["yes"], "complaint": ["yes"]}
MODEL_FILE = "heads.npz"
#: Words too common to explain a label on their own (they still count inside bigrams).
_FUNCTION_WORDS = frozenset("a an the i i'm im my me mine to and or of in on for is it it's its this that you your u we our us be at so with "
                            "as are was were am do did does have has had just from by".split())


def _sigmoid(x: Floats) -> Floats:
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def _softmax(x: Floats) -> Floats:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    out: Floats = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


@dataclass
class HeadScores:
    """Probabilities of a batch: intent (n, 6), needs_response (n,), urgent (n,)."""

    intent: Floats
    needs_response: Floats
    urgent: Floats

    @classmethod
    def from_raw(cls, raw: Floats) -> HeadScores:
        """p(complaint) from the complaint column; the other intents share the rest by their softmax."""
        complaint = _sigmoid(raw[:, COMPLAINT])
        intent = np.empty((raw.shape[0], NEEDS), dtype=np.float32)
        intent[:, _NOT_COMPLAINT] = _softmax(raw[:, _NOT_COMPLAINT]) * (1.0 - complaint)[:, None]
        intent[:, _COMPLAINT_INTENT] = complaint
        return cls(intent, _sigmoid(raw[:, NEEDS]), _sigmoid(raw[:, URGENT]))


def blend(fast: Floats, encoder: Floats, share: float, complaint_share: float) -> Floats:
    """Intent probabilities (n, 6) mixed from two heads' rows: p(complaint) is `complaint_share` of the encoder
    head's and the rest the fast head's; the five other intents are mixed by `share` and rescaled to share
    1 - p(complaint), as in `HeadScores.from_raw`, so each row sums to 1. The complaint decision has its own
    share because the fast head's complaint column carries less well to unseen domains than the encoder
    head's (docs/models.md); with equal shares this is the plain mix of the two rows."""
    fast, encoder = np.asarray(fast, dtype=np.float32), np.asarray(encoder, dtype=np.float32)
    complaint = complaint_share * encoder[:, _COMPLAINT_INTENT] + (1.0 - complaint_share) * fast[:, _COMPLAINT_INTENT]
    others = share * encoder[:, _NOT_COMPLAINT] + (1.0 - share) * fast[:, _NOT_COMPLAINT]
    total = others.sum(axis=1, keepdims=True)
    out = np.empty(fast.shape, dtype=np.float32)
    out[:, _NOT_COMPLAINT] = others * ((1.0 - complaint)[:, None] / np.maximum(total, np.float32(1e-12)))
    out[:, _COMPLAINT_INTENT] = complaint
    return out


def log_sentiment(probs: Floats) -> Floats:
    """The sentiment features of the complaint column: log p(negative, neutral, positive)."""
    out: Floats = np.log(np.asarray(probs, dtype=np.float32) + 1e-6)
    return out


@dataclass
class Heads:
    """The fast head and the encoder head (n-gram part, embedding part and sentiment part)."""

    fast: LinearModel
    encoder_ngrams: LinearModel
    encoder_dense: Floats  # (embedding dim, columns)
    encoder_name: str  # which sentence encoder the dense part was trained on
    version: str
    thresholds: dict[str, float]
    #: (3, columns): weights of log p(sentiment), the fast sentiment model's for the fast head and
    #: the accurate model's for the encoder head (only the complaint column reads them).
    fast_sentiment: Floats = field(default_factory=lambda: np.zeros((3, len(COLUMNS)), dtype=np.float32))
    encoder_sentiment: Floats = field(default_factory=lambda: np.zeros((3, len(COLUMNS)), dtype=np.float32))
    #: Where the encoder head reads a message, its share of the intent probabilities; the fast head's
    #: probabilities make up the rest (`blend_intent`). 1.0: the encoder head's alone.
    encoder_intent_share: float = 1.0
    #: The encoder head's share of p(complaint) alone, where it differs from `encoder_intent_share`. None
    #: (heads written before it had its own): the intent share, so such heads blend as they always did.
    encoder_complaint_share: float | None = None

    @property
    def complaint_share(self) -> float:
        """The encoder head's share of p(complaint) in `blend_intent`."""
        return self.encoder_intent_share if self.encoder_complaint_share is None else self.encoder_complaint_share

    def blend_intent(self, fast: Floats, encoder: Floats) -> Floats:
        """The intent probabilities of messages both heads read (`blend`): p(complaint) takes `complaint_share`
        of the encoder head's, the other intents `encoder_intent_share`; the fast head's make up the rest."""
        return blend(fast, encoder, self.encoder_intent_share, self.complaint_share)

    def fast_scores(self, texts: Sequence[str], found: Sequence[list[str]] | None = None,
                    sentiment: Floats | None = None, features: Features | None = None) -> HeadScores:
        """Scores from the fast head; `sentiment` is the fast sentiment model's probabilities of `texts`
        (computed here when not given), `features` their `fast.features` (likewise)."""
        if sentiment is None:
            from goodwill.understand import sentiment as models

            sentiment = np.asarray(models.load_fast().predict_proba(list(texts)), dtype=np.float32)
        if features is None:
            features = self.fast.features(texts, found)
        return HeadScores.from_raw(self.fast.score(features) + log_sentiment(sentiment) @ self.fast_sentiment)

    def encoder_scores(self, texts: Sequence[str], embeddings: Floats, found: Sequence[list[str]] | None = None,
                       sentiment: Floats | None = None, features: Features | None = None) -> HeadScores:
        """Scores from the encoder head; `embeddings` is (len(texts), dim) from the encoder named `encoder_name`,
        `sentiment` the accurate sentiment model's probabilities from them (computed here when not given),
        `features` the texts' n-gram features (the two heads share one vocabulary)."""
        if embeddings.shape != (len(texts), self.encoder_dense.shape[0]):
            raise ValueError(f"expected embeddings of shape ({len(texts)}, {self.encoder_dense.shape[0]}), got {embeddings.shape}")
        if sentiment is None:
            from goodwill.understand import sentiment as models

            sentiment = models.load_accurate().from_vectors(embeddings, texts)
        if features is None:
            features = self.encoder_ngrams.features(texts, found)
        raw = (self.encoder_ngrams.score(features) + embeddings.astype(np.float32) @ self.encoder_dense
               + log_sentiment(sentiment) @ self.encoder_sentiment)
        return HeadScores.from_raw(raw)

    def reasons(self, text: str, column: int, found: list[str] | None = None, limit: int = 3) -> list[str]:
        """The n-grams of `text` that weigh most toward `column` (positive weight only), best first.
        The complaint intent is explained by the complaint column, which decides it."""
        return self.reasons_of(self.fast.features([text], None if found is None else [found]), np.asarray([column]), limit)[0]

    def reasons_of(self, features: Features, columns: npt.NDArray[np.int64], limit: int = 3) -> list[list[str]]:
        """`reasons` of a batch: for text `i`, the words behind column `columns[i]` (none where it is negative).

        The weight test and the word tests are one lookup per feature in a table made once
        (`_explaining`); only the few features that pass are ranked, per text, in Python."""
        columns = np.where(columns == _COMPLAINT_INTENT, COMPLAINT, columns)
        out: list[list[str]] = [[] for _ in range(len(features))]
        rows = features.rows()
        wanted = columns[rows]
        keep = wanted >= 0
        ids, rows, wanted = features.ids[keep], rows[keep], wanted[keep]
        weights = self.fast.weights[ids, wanted]
        keep = self._explaining[ids] & (weights > 0.5)
        ids, rows, weights = ids[keep], rows[keep], weights[keep]
        # By text, then weight (highest first), then where the feature first occurs.
        order = np.lexsort((np.arange(len(ids)), -weights, rows))
        names = self._names
        for row, i in zip(rows[order].tolist(), ids[order].tolist(), strict=True):
            chosen = out[row]
            if len(chosen) == limit:
                continue
            word = names[i]
            if not any(word in o or o in word for o in chosen):
                chosen.append(word)
        return out

    @cached_property
    def _names(self) -> list[str]:
        """The fast head's feature strings by id."""
        return sorted(self.fast.vocabulary, key=self.fast.vocabulary.__getitem__)

    @cached_property
    def _explaining(self) -> npt.NDArray[np.bool_]:
        """Per feature id: can it be named as a reason? Words and bigrams only: not a marker (`^...`, `cue:...`),
        the bias, a link or mention placeholder, a lone ? or !, nor function words alone."""
        return np.fromiter((not (f == BIAS or f.startswith("^") or ":" in f or "xx" in f or f in ("?", "!")
                                 or all(w in _FUNCTION_WORDS for w in f.split())) for f in self._names),
                           dtype=bool, count=len(self._names))

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        meta = json.dumps({"fast": self.fast.version, "encoder_name": self.encoder_name, "version": self.version,
                           "thresholds": self.thresholds, "encoder_intent_share": self.encoder_intent_share,
                           "encoder_complaint_share": self.encoder_complaint_share, "vocabulary": sorted(self.fast.vocabulary, key=self.fast.vocabulary.__getitem__)})
        if self.fast.vocabulary != self.encoder_ngrams.vocabulary:
            raise ValueError("the two heads must share one vocabulary")
        np.savez_compressed(buf, fast=self.fast.weights.astype(np.float16), encoder_ngrams=self.encoder_ngrams.weights.astype(np.float16),
                            encoder_dense=self.encoder_dense.astype(np.float16), fast_sentiment=self.fast_sentiment.astype(np.float16),
                            encoder_sentiment=self.encoder_sentiment.astype(np.float16), meta=np.frombuffer(meta.encode(), dtype=np.uint8))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Heads:
        with np.load(io.BytesIO(data)) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            fast = z["fast"].astype(np.float32)
            ngrams = z["encoder_ngrams"].astype(np.float32)
            dense = z["encoder_dense"].astype(np.float32)
            fast_sentiment = z["fast_sentiment"].astype(np.float32)
            encoder_sentiment = z["encoder_sentiment"].astype(np.float32)
        vocabulary = {f: i for i, f in enumerate(meta["vocabulary"])}
        if fast.shape[1] != len(COLUMNS):
            raise ValueError(f"the heads have {fast.shape[1]} columns, expected {len(COLUMNS)} ({', '.join(COLUMNS)})")
        return cls(LinearModel(vocabulary, fast, LAYOUT, meta["version"] + "-fast"),
                   LinearModel(vocabulary, ngrams, LAYOUT, meta["version"] + "-encoder"),
                   dense, meta["encoder_name"], meta["version"], {k: float(v) for k, v in meta["thresholds"].items()},
                   fast_sentiment, encoder_sentiment, float(meta.get("encoder_intent_share", 1.0)),
                   None if meta.get("encoder_complaint_share") is None else float(meta["encoder_complaint_share"]))


@lru_cache(maxsize=1)
def load() -> Heads:
    """The heads shipped with the package (loaded once)."""
    data = (importlib.resources.files("goodwill.understand") / "models" / MODEL_FILE).read_bytes()
    return Heads.from_bytes(data)


def decide(scores: HeadScores, thresholds: dict[str, float]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """needs_response and urgent from the scores and the trained thresholds."""
    needs: npt.NDArray[np.bool_] = scores.needs_response >= thresholds.get("needs_response", 0.5)
    urgent: npt.NDArray[np.bool_] = scores.urgent >= thresholds.get("urgent", 0.5)
    return needs, urgent

"""One batch API for every signal: `enrich(texts) -> SignalBatch`.

File import (in `goodwill.ingest.prepare.prepare`, which runs in the reading process
for big files), listening (which writes through import) and `goodwill
classify` all call it. Everything here is plain data in, plain data out.

The fast path runs on every message: fastText language ID, the fast
sentiment model, the intent/needs_response heads (`features.LinearModel`)
and the rules (`rules`). The sentiment model is chosen by `sentiment`:

- `"fast"` (the default; import and listening): the fast model for every message;
- `"cascade"`: the fast model for every message, then the accurate one for
  the messages that need a response (those a person will read);
- `"accurate"`: the accurate model for every message.

Where the accurate model is not installed (its optional dependencies are
missing), `"cascade"` and `"accurate"` fall back to the fast model, and the
model version says so.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand import language, rules
from goodwill.understand.features import LinearModel
from goodwill.understand.signals import SignalBatch

RULES_VERSION = "rules-1"
_COMPLAINT = INTENTS.index("complaint")
_OTHER = INTENTS.index("other")


class HasText(Protocol):
    text: str


@lru_cache(maxsize=1)
def intent_model() -> LinearModel:
    """The intent and needs_response heads shipped with the package (loaded once)."""
    data = (importlib.resources.files("goodwill.understand") / "models" / "intent.npz").read_bytes()
    return LinearModel.from_bytes(data)


def _texts(items: Sequence[str] | Sequence[HasText]) -> list[str]:
    return [t if isinstance(t, str) else t.text for t in items]


_ASKS = np.array([INTENTS.index(i) for i in ("question", "complaint", "purchase_intent")])


def decide_needs(intent_scores: npt.NDArray[np.float32], needs_head: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """needs_response from the two heads: the needs head's yes (at 0.7 when the
    top intent is `other`), or a clear question, complaint or purchase intent
    (at least 0.7), which the guidelines say always deserves an answer, even
    when it is not addressed to the brand (the training data's messages
    nearly all were)."""
    top = intent_scores.argmax(axis=1)
    needs: npt.NDArray[np.bool_] = (needs_head >= 0.5) & ((top != _OTHER) | (needs_head >= 0.7))
    asks: npt.NDArray[np.bool_] = np.isin(top, _ASKS) & (intent_scores.max(axis=1) >= 0.7)
    return needs | asks


Mode = Literal["fast", "cascade", "accurate"]
MODES: tuple[Mode, ...] = ("fast", "cascade", "accurate")


def _sentiment_version(mode: Mode) -> str:
    from goodwill.understand import sentiment as models

    fast = models.load_fast()
    accurate = models.load_accurate() if mode != "fast" else None
    if accurate is None:
        return fast.version
    return accurate.version if mode == "accurate" else f"{fast.version}>{accurate.version}"


def model_version(sentiment: Mode = "fast") -> str:
    """The version string of the models `enrich` would use."""
    return f"{intent_model().version}+{_sentiment_version(sentiment)}+{RULES_VERSION}+lid176"


def enrich(items: Sequence[str] | Sequence[HasText], *, sentiment: Mode = "fast", is_brand: Sequence[bool] | None = None) -> SignalBatch:
    """The signals of each text (or each object with a `.text`), in order.

    :param sentiment: which sentiment model: "fast", "cascade" or "accurate" (see above).
    :param is_brand: marks the brand's own messages, which never need a
        response and are never urgent.
    """
    from goodwill.understand import sentiment as models

    if sentiment not in MODES:
        raise ValueError(f"sentiment must be one of {', '.join(MODES)}, not {sentiment!r}")
    texts = [t.replace("\x00", " ") if "\x00" in t else t for t in _texts(items)]
    accurate = models.load_accurate() if sentiment != "fast" else None
    ws = [rules.words(t) for t in texts]
    found = [rules.PHRASES.find(w) for w in ws]
    heads = intent_model().predict(texts, found)
    intent_scores = heads["intent"]
    needs = decide_needs(intent_scores, heads["needs_response"])
    top = intent_scores.argmax(axis=1)
    complaint = top == _COMPLAINT
    if is_brand is not None:
        # The brand's own messages never wait for an answer and are never urgent.
        own = np.asarray(is_brand, dtype=bool)
        needs &= ~own
        complaint &= ~own
    urgency = [rules.urgency(t, bool(n), bool(c), w, f) for t, n, c, w, f in zip(texts, needs, complaint, ws, found, strict=True)]
    if is_brand is not None:
        urgency = ["low" if b else u for u, b in zip(urgency, is_brand, strict=True)]
    if accurate is not None and sentiment == "accurate":
        sentiment_scores = np.asarray(accurate.predict_proba(texts), dtype=np.float32)
    else:
        sentiment_scores = np.asarray(models.load_fast().predict_proba(texts), dtype=np.float32)
        if accurate is not None and needs.any():
            chosen = np.flatnonzero(needs)
            sentiment_scores[chosen] = accurate.predict_proba([texts[i] for i in chosen])
    return SignalBatch(
        language=language.detect(texts, ws),
        sentiment_scores=sentiment_scores,
        intent_scores=intent_scores,
        needs_response=needs,
        urgency=urgency,
        aspects=[rules.aspects(t, w) for t, w in zip(texts, ws, strict=True)],
        promotional=np.fromiter((rules.promotional(t, w, f) for t, w, f in zip(texts, ws, found, strict=True)), dtype=np.float32,
                                count=len(texts)),
        model_version=model_version(sentiment),
    )

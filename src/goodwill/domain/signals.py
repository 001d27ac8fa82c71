"""What understanding adds to a message, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from goodwill.errors import FieldError

SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")
URGENCIES = ("low", "normal", "high")

#: The keys of one message's signals, in output order.
KEYS = ("language", "sentiment", "sentiment_scores", "intent", "intent_scores", "needs_response", "urgency", "aspects",
        "promotional", "reasons", "model_version")

#: Columns of a stored signals row after its message id, in order (`message_signals`).
SIGNAL_COLUMNS = ("language", "sentiment", "sentiment_negative", "sentiment_neutral", "sentiment_positive", "intent",
                  "intent_scores", "needs_response", "urgency", "aspects", "promotional", "model_version", "reasons")


@dataclass
class Signals:
    """The signals of one message."""

    language: str
    sentiment: str
    sentiment_scores: dict[str, float]
    intent: str
    intent_scores: dict[str, float]
    needs_response: bool
    urgency: str
    aspects: list[str]
    promotional: float
    model_version: str
    #: The words behind the labels: "intent" (unless other) and "urgency" (when high), each a few phrases from the text.
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in KEYS}


@dataclass(frozen=True, slots=True)
class SignalFilter:
    """Which signals a listed message (or a thread's first message) must carry; None: any."""

    sentiment: str | None = None
    intent: str | None = None
    needs_response: bool | None = None
    urgency: str | None = None
    aspect: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in (("sentiment", SENTIMENTS), ("intent", INTENTS), ("urgency", URGENCIES)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise FieldError(name, f"{value!r} is not one of {', '.join(allowed)}")
        if self.aspect is not None and not self.aspect.strip():
            raise FieldError("aspect", "give an aspect word, or leave it out")

    @property
    def active(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


def is_provisional(model_version: str) -> bool:
    """Signals from the fast models only (the n-gram heads without the shared encoder's
    second reading): what import stores first, until `goodwill enrich --accurate` or the
    cascade reads the message again. The intent part of a version names the encoder
    after a `>` when it ran (`heads-1>minilm-...`)."""
    return ">" not in model_version.split("+", 1)[0]


def _quoted(words: list[str]) -> str:
    return ", ".join(f"“{w}”" for w in words)


#: The urgency phrase categories that `reasons["urgency"]` names before the message's own words.
_URGENCY_KINDS = {"safety": "safety", "money": "money lost", "escalation": "public escalation", "leaving": "a threat to leave"}


def _urgency_words(words: list[str]) -> str:
    """The categories in words of their own, then the message's words quoted."""
    kinds = [_URGENCY_KINDS[w] for w in words if w in _URGENCY_KINDS]
    quoted = [w for w in words if w not in _URGENCY_KINDS]
    return ", ".join(kinds + ([_quoted(quoted)] if quoted else []))


def signal_reasons(sentiment: str, sentiment_score: float, intent: str, needs_response: bool, urgency: str,
                   words: dict[str, list[str]]) -> dict[str, str]:
    """Each stored label with its reason in words. `words` are the phrases the models
    named behind the intent and a high urgency (empty for rows stored without them)."""
    out = {"sentiment": f"{sentiment}: the sentiment model's probability {sentiment_score:.2f}"}
    if intent == "other":
        out["intent"] = "other: no question, complaint, praise, suggestion or wish to buy recognised"
    elif words.get("intent"):
        out["intent"] = f"{intent}: {_quoted(words['intent'])}"
    else:
        out["intent"] = f"{intent}: the intent model's most likely label"
    if urgency == "high":
        out["urgency"] = f"high: {_urgency_words(words['urgency'])}" if words.get("urgency") else "high: the urgency model"
    elif urgency == "normal":
        out["urgency"] = "normal: waits for an answer or complains, with no urgent words"
    else:
        out["urgency"] = "low: nothing waits for the brand"
    out["needs_response"] = (
        f"needs a response: a {intent.replace('_', ' ')} waiting for an answer" if needs_response and intent != "other"
        else "needs a response: the response model's verdict" if needs_response else "no response needed"
    )
    return out

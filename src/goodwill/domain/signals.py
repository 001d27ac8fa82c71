"""What understanding adds to a message, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")
URGENCIES = ("low", "normal", "high")

#: The keys of one message's signals, in output order.
KEYS = ("language", "sentiment", "sentiment_scores", "intent", "intent_scores", "needs_response", "urgency", "aspects",
        "promotional", "reasons", "model_version")

#: Columns of a stored signals row after its message id, in order (`message_signals`).
SIGNAL_COLUMNS = ("language", "sentiment", "sentiment_negative", "sentiment_neutral", "sentiment_positive", "intent",
                  "intent_scores", "needs_response", "urgency", "aspects", "promotional", "model_version")


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

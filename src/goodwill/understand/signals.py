"""What understanding adds to each message.

`SignalBatch` holds the signals of a batch column by column (numpy arrays
for the probabilities), which is how they are computed; `Signals` is one
message's row, and `SignalBatch.records()` gives the JSON-able dicts that
`goodwill classify` prints and the store keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS, KEYS, SENTIMENTS, URGENCIES, Signals

__all__ = ["INTENTS", "KEYS", "SENTIMENTS", "URGENCIES", "SignalBatch", "Signals"]


@dataclass
class SignalBatch:
    """The signals of a batch of messages, one column per signal."""

    language: list[str]
    sentiment_scores: npt.NDArray[np.float32]  # (n, 3) in SENTIMENTS order
    intent_scores: npt.NDArray[np.float32]  # (n, 6) in INTENTS order
    needs_response: npt.NDArray[np.bool_]
    urgency: list[str]
    aspects: list[list[str]]
    promotional: npt.NDArray[np.float32]
    model_version: str
    reasons: list[dict[str, list[str]]] = field(default_factory=list)  # per message; empty when not computed

    def __len__(self) -> int:
        return len(self.language)

    def __getitem__(self, i: int) -> Signals:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"message {i} of a batch of {n}")
        i %= n
        return next(self._signals(i, i + 1))

    def __iter__(self) -> Iterator[Signals]:
        return self._signals(0, len(self))

    def _signals(self, start: int, stop: int) -> Iterator[Signals]:
        """The `Signals` of messages start..stop-1."""
        return (Signals(**row) for row in self._rows(start, stop))

    def _rows(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        """The signals of messages start..stop-1 as dicts with the keys in `KEYS`, in order: the columns are
        rounded and turned into Python values once for the range, not a numpy scalar at a time."""
        rows = slice(start, stop)
        sentiments = np.round(self.sentiment_scores[rows].astype(np.float64), 4).tolist()
        intents = np.round(self.intent_scores[rows].astype(np.float64), 4).tolist()
        top_sentiment = self.sentiment_scores[rows].argmax(axis=1).tolist() if stop > start else []
        top_intent = self.intent_scores[rows].argmax(axis=1).tolist() if stop > start else []
        needs = self.needs_response[rows].tolist()
        promotional = np.round(self.promotional[rows].astype(np.float64), 3).tolist()
        reasons = self.reasons[rows]
        version = self.model_version
        for k, i in enumerate(range(start, stop)):
            yield {
                "language": self.language[i],
                "sentiment": SENTIMENTS[top_sentiment[k]],
                "sentiment_scores": dict(zip(SENTIMENTS, sentiments[k], strict=True)),
                "intent": INTENTS[top_intent[k]],
                "intent_scores": dict(zip(INTENTS, intents[k], strict=True)),
                "needs_response": needs[k],
                "urgency": self.urgency[i],
                "aspects": self.aspects[i],
                "promotional": promotional[k],
                "reasons": reasons[k] if reasons else {},
                "model_version": version,
            }

    def records(self) -> Iterator[dict[str, Any]]:
        """One dict per message with the keys in `KEYS`, in order."""
        return self._rows(0, len(self))

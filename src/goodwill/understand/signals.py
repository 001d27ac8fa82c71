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


def _scores(labels: tuple[str, ...], row: npt.NDArray[np.float32]) -> dict[str, float]:
    return {label: round(float(p), 4) for label, p in zip(labels, row, strict=True)}


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
        return Signals(
            language=self.language[i],
            sentiment=SENTIMENTS[int(self.sentiment_scores[i].argmax())],
            sentiment_scores=_scores(SENTIMENTS, self.sentiment_scores[i]),
            intent=INTENTS[int(self.intent_scores[i].argmax())],
            intent_scores=_scores(INTENTS, self.intent_scores[i]),
            needs_response=bool(self.needs_response[i]),
            urgency=self.urgency[i],
            aspects=self.aspects[i],
            promotional=round(float(self.promotional[i]), 3),
            model_version=self.model_version,
            reasons=self.reasons[i] if self.reasons else {},
        )

    def __iter__(self) -> Iterator[Signals]:
        """Every message's `Signals`, in order: the columns are rounded and turned into Python values once
        for the whole batch, not a numpy scalar at a time (the values of `self[i]`)."""
        sentiments = np.round(self.sentiment_scores.astype(np.float64), 4).tolist()
        intents = np.round(self.intent_scores.astype(np.float64), 4).tolist()
        top_sentiment = self.sentiment_scores.argmax(axis=1).tolist() if len(self) else []
        top_intent = self.intent_scores.argmax(axis=1).tolist() if len(self) else []
        needs = self.needs_response.tolist()
        promotional = np.round(self.promotional.astype(np.float64), 3).tolist()
        reasons = self.reasons or [{} for _ in range(len(self))]
        for i in range(len(self)):
            yield Signals(
                language=self.language[i],
                sentiment=SENTIMENTS[top_sentiment[i]],
                sentiment_scores=dict(zip(SENTIMENTS, sentiments[i], strict=True)),
                intent=INTENTS[top_intent[i]],
                intent_scores=dict(zip(INTENTS, intents[i], strict=True)),
                needs_response=bool(needs[i]),
                urgency=self.urgency[i],
                aspects=self.aspects[i],
                promotional=promotional[i],
                model_version=self.model_version,
                reasons=reasons[i],
            )

    def records(self) -> Iterator[dict[str, Any]]:
        """One dict per message with the keys in `KEYS`."""
        return (s.to_dict() for s in self)

"""Trust and reciprocity per relationship: each score is a sum of named parts.

Giving builds trust (answering, thanking, crediting their work, replies that
leave them happier); pitching (promotional messages aimed at them) and leaving
them waiting draw on it. Reciprocity asks whether the brand answers them and
whether they answer the brand, and how consistently. The parts and their
points are defined in docs/people.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from goodwill.people.history import BrandSaid, History, Said, counted

FAST = timedelta(hours=24)
WAITING_TOO_LONG = timedelta(days=2)
PITCH = 0.5  # a brand message with a promotional score at least this is a pitch
_THANKS = re.compile(r"\b(thank(s| you)?|cheers|grateful|appreciate[sd]?)\b", re.IGNORECASE)
_MOOD = {"negative": -1, "neutral": 0, "positive": 1}


@dataclass(frozen=True, slots=True)
class Part:
    """One named part of a score: its points and what they are for, in words."""

    name: str
    points: int
    words: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "points": self.points, "words": self.words}


@dataclass(frozen=True, slots=True)
class Score:
    """A score and the parts it is the sum of (parts with no points are left out)."""

    parts: list[Part] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.points for p in self.parts)

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.total, "parts": [p.to_dict() for p in self.parts]}


def thanks(text: str) -> bool:
    """Whether a message says thank you."""
    return _THANKS.search(text) is not None


def _asks(history: History, now: datetime) -> tuple[list[Said], list[Said], list[Said]]:
    """Their asks answered fast, answered late, and left waiting more than 2 days."""
    fast: list[Said] = []
    late: list[Said] = []
    waiting: list[Said] = []
    for s in history.said:
        if not s.is_ask or s.at > now:
            continue
        if s.answered_at is not None and s.answered_at <= now:
            (fast if s.answered_at - s.at <= FAST else late).append(s)
        elif now - s.at > WAITING_TOO_LONG:
            waiting.append(s)
    return fast, late, waiting


def _mood_changes(history: History, now: datetime) -> tuple[int, int]:
    """How often their next message after a brand reply was happier, and how often sadder, than the one it answered."""
    by_id = {s.id: s for s in history.said}
    better = worse = 0
    for b in history.brand:
        before = by_id.get(b.answers) if b.answers is not None else None
        if before is None or before.sentiment is None or b.at > now:
            continue
        after = next((s for s in history.said if s.at > b.at and s.at <= now and s.sentiment is not None), None)
        if after is None or after.sentiment is None:
            continue
        change = _MOOD.get(after.sentiment, 0) - _MOOD.get(before.sentiment, 0)
        better += change > 0
        worse += change < 0
    return better, worse


def _brand_before(history: History, now: datetime) -> list[BrandSaid]:
    return [b for b in history.brand if b.at <= now]


def trust(history: History, now: datetime) -> Score:
    """Trust: what the brand gave this person, less what it asked of them and left undone."""
    fast, late, waiting = _asks(history, now)
    brand = _brand_before(history, now)
    thanked = sum(1 for b in brand if b.kind in ("reply", "mention") and thanks(b.text))
    credited = sum(1 for b in brand if b.kind in ("repost", "quote"))
    pitched = sum(1 for b in brand if b.promotional >= PITCH)
    better, worse = _mood_changes(history, now)
    parts = [
        Part("answered fast", 2 * len(fast), f"{counted(len(fast), 'question or complaint', 'questions and complaints')}"
             " answered within a day"),
        Part("answered late", len(late), f"{counted(len(late), 'question or complaint', 'questions and complaints')}"
             " answered after more than a day"),
        Part("left waiting", -2 * len(waiting), f"{counted(len(waiting), 'question or complaint', 'questions and complaints')}"
             " unanswered for more than 2 days"),
        Part("thanked", thanked, f"the brand thanked them in {counted(thanked, 'message')}"),
        Part("credited", 2 * credited, f"the brand shared or quoted their work {counted(credited, 'time')}"),
        Part("happier after replies", better, f"happier after the brand's reply {counted(better, 'time')}"),
        Part("unhappier after replies", -worse, f"unhappier after the brand's reply {counted(worse, 'time')}"),
        Part("pitched", -3 * pitched, f"{counted(pitched, 'promotional message')} aimed at them"),
    ]
    return Score([p for p in parts if p.points])


def reciprocity(history: History, now: datetime) -> Score:
    """Reciprocity: does the brand answer them, do they answer the brand, and how consistently."""
    fast, late, waiting = _asks(history, now)
    answered = len(fast) + len(late)
    asked = answered + len(waiting)
    replies = sum(1 for s in history.said if s.to_brand and s.at <= now)
    parts = [
        Part("brand answers them", answered, f"the brand answered {answered} of {counted(asked, 'question or complaint', 'questions and complaints')}"),
        Part("brand leaves them waiting", -len(waiting),
             f"{counted(len(waiting), 'question or complaint', 'questions and complaints')} left waiting"),
        Part("they answer the brand", replies, f"they replied to the brand {counted(replies, 'time')}"),
    ]
    if asked >= 2:
        if not waiting:
            parts.append(Part("consistent", 2, f"every one of their {asked} asks answered"))
        elif answered * 2 < asked:
            parts.append(Part("inconsistent", -2, f"fewer than half of their {asked} asks answered"))
    return Score([p for p in parts if p.points])

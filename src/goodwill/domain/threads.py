"""Threads as the team browses them: the filters a conversation list takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from goodwill.domain.signals import SignalFilter


@dataclass(frozen=True, slots=True)
class ThreadFilter:
    platform: str | None = None
    since: date | None = None  # last activity on or after this day
    until: date | None = None  # last activity on or before this day
    answered: bool | None = None  # customer-started threads the brand has (not) answered
    q: str | None = None  # full-text search in any message of the thread
    signals: SignalFilter = SignalFilter()  # the signals of the thread's first message

"""Words for counts, shared by the stage and trust rules; the history itself is domain data."""

from __future__ import annotations

from goodwill.domain.people import ASKS, BrandSaid, History, Said

__all__ = ["ASKS", "BrandSaid", "History", "Said", "counted", "times"]


def times(n: int) -> str:
    """1 -> 'once', 2 -> 'twice', n -> 'n times'."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """3, 'question' -> '3 questions'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"

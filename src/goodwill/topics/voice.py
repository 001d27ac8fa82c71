"""Share of voice: how often people mention the brand and each competitor, per period.

A name is mentioned when it appears as a whole word or phrase, in any case,
written with or without its spaces, as an @handle or a #hashtag ("Halcyon
Bikes", "halcyonbikes", "@HalcyonBikes", "#halcyon bikes" does not count
twice). A message naming two of them counts for both. The share of a name in
a period is its mentions over the mentions of all names in that period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Voice:
    """Mentions of one name in one period (the week starting `period`, or the day)."""

    period: date
    name: str
    is_brand: bool
    mentions: int
    share: float


def pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """One regular expression matching any of `terms` as whole words, with or without spaces, @ or #."""
    variants: set[str] = set()
    for term in terms:
        words = term.strip().lstrip("@#").split()
        if not words:
            continue
        variants.add(r"\s+".join(re.escape(w) for w in words))
        variants.add(re.escape("".join(words)))
    if not variants:
        return re.compile(r"(?!x)x")
    alternatives = "|".join(sorted(variants, key=len, reverse=True))
    return re.compile(rf"(?<![\w@#])[@#]?(?:{alternatives})(?!\w)", re.IGNORECASE)


def period_of(day: date, by: str) -> date:
    """The day itself (`by="day"`) or the Monday starting its week (`by="week"`)."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    raise ValueError(f"unknown period {by!r} (expected day or week)")


def share_of_voice(texts: Sequence[str], days: Sequence[date], brand: Sequence[str],
                   competitors: Mapping[str, Sequence[str]], *, brand_name: str = "brand",
                   by: str = "week") -> list[Voice]:
    """Mentions and share per period for the brand (matched by any of `brand`'s
    terms) and each competitor (its name to its terms), oldest period first,
    the brand first within a period. Periods with no mention at all are left out."""
    names = [(brand_name, True, pattern(brand))] + [(n, False, pattern(t)) for n, t in competitors.items()]
    counts: dict[date, list[int]] = {}
    for text, day in zip(texts, days, strict=True):
        hits = [1 if p.search(text) else 0 for _, _, p in names]
        if any(hits):
            row = counts.setdefault(period_of(day, by), [0] * len(names))
            for i, h in enumerate(hits):
                row[i] += h
    result: list[Voice] = []
    for period in sorted(counts):
        row = counts[period]
        total = sum(row)
        result.extend(Voice(period, name, is_brand, row[i], row[i] / total)
                      for i, (name, is_brand, _) in enumerate(names))
    return result

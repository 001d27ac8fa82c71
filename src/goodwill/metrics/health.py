"""Relationship health of one period, pure: plain records in, figures out.

Every figure is defined in docs/health.md; in short, for a period
[start, end):

- an *ask* is a customer's message (not the brand's) in the period whose
  intent is a question or a complaint, or that the signals say needs a
  response; it is *answered* when the brand wrote in the same public thread
  after it (at any time up to the report);
- response rate: answered asks / asks;
- first-response minutes p50 and p90: percentiles (linear interpolation,
  numpy's default) of the minutes from each answered ask to the brand's first
  message after it in its thread;
- resolved publicly: complaints the brand answered in the thread where the
  customer did not come back negative there afterwards (a complaint, or a
  message read as negative, after the answer), over all complaints;
- sentiment uplift: for each person the brand first replied to in the period,
  the mean sentiment (positive minus negative probability, -1..1) of their
  messages in the 30 days after that reply minus the mean of the 30 days
  before it, for people with messages on both sides; averaged over people,
  with a 95% bootstrap interval over people;
- advocates, gained, lost, detractors turned around: relationship stages
  (`goodwill.people.stage_of`) at the period's start and at its end;
- consistency: the spread of response rates across channels and the longest
  silence of the brand within the period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

#: How far before and after the brand's first reply a person's messages count for the sentiment uplift.
MOOD_WINDOW = timedelta(days=30)
#: Bootstrap resamples (over people) for the uplift's confidence interval, and its level.
BOOTSTRAP_ROUNDS = 2000
CONFIDENCE = 0.95
#: Stages after a detractor that count as "turned around".
TURNED = ("engaged", "advocate")


@dataclass(frozen=True, slots=True)
class Ask:
    """A customer's message that asks the brand for an answer.

    :param answered_at: the brand's first message in the thread after it (None: not answered)
    :param came_back_negative: after that answer the same person wrote a complaint or a negative message in the thread
    :param case_resolved_public: the thread's case was resolved, in public (True) or not (False); None: no resolved case
    """

    id: int
    platform: str
    person: int | None
    at: datetime
    intent: str
    answered_at: datetime | None = None
    came_back_negative: bool = False
    case_resolved_public: bool | None = None

    @property
    def is_complaint(self) -> bool:
        return self.intent == "complaint"

    @property
    def minutes(self) -> float | None:
        return None if self.answered_at is None else (self.answered_at - self.at).total_seconds() / 60

    @property
    def resolved_publicly(self) -> bool:
        """A complaint whose case was resolved in public; without a resolved case, one answered in its thread
        where the customer did not come back negative."""
        if not self.is_complaint:
            return False
        if self.case_resolved_public is not None:
            return self.case_resolved_public
        return self.answered_at is not None and not self.came_back_negative


@dataclass(frozen=True, slots=True)
class Mood:
    """One person's messages around the brand's first reply to them in the period: (message id, sentiment) pairs."""

    person: int
    replied_at: datetime
    before: tuple[tuple[int, float], ...]
    after: tuple[tuple[int, float], ...]

    @property
    def paired(self) -> bool:
        return bool(self.before) and bool(self.after)

    @property
    def change(self) -> float:
        return float(np.mean([s for _, s in self.after]) - np.mean([s for _, s in self.before]))


@dataclass(frozen=True, slots=True)
class StageChange:
    """A person's relationship stage at the period's start and at its end."""

    person: int
    before: str
    after: str


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation (numpy's default); None for no values."""
    return None if not values else float(np.percentile(np.asarray(values, dtype=float), q))


def response(asks: Sequence[Ask]) -> dict[str, Any]:
    """Response rate, first-response percentiles and public resolution of a set of asks, with the counts behind them."""
    answered = [a for a in asks if a.answered_at is not None]
    minutes = [m for a in answered if (m := a.minutes) is not None]
    complaints = [a for a in asks if a.is_complaint]
    resolved = [a for a in complaints if a.resolved_publicly]
    return {
        "asks": len(asks),
        "answered": len(answered),
        "response_rate": _round(len(answered) / len(asks)) if asks else None,
        "first_response_minutes_p50": _round(percentile(minutes, 50), 1),
        "first_response_minutes_p90": _round(percentile(minutes, 90), 1),
        "complaints": len(complaints),
        "resolved_publicly": len(resolved),
        "resolved_publicly_rate": _round(len(resolved) / len(complaints)) if complaints else None,
    }


def uplift(moods: Iterable[Mood], *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> dict[str, Any]:
    """Mean over people of (mean sentiment after the reply - mean before), with a percentile bootstrap interval over people.

    The interval needs at least two people; with fewer it is None."""
    changes = np.array([m.change for m in moods if m.paired], dtype=float)
    if changes.size == 0:
        return {"sentiment_uplift": None, "sentiment_uplift_ci": None, "uplift_people": 0}
    ci: list[float] | None = None
    if changes.size >= 2:
        rng = np.random.default_rng(seed)
        means = changes[rng.integers(0, changes.size, size=(rounds, changes.size))].mean(axis=1)
        tail = (1 - CONFIDENCE) / 2 * 100
        ci = [round(float(np.percentile(means, tail)), 3), round(float(np.percentile(means, 100 - tail)), 3)]
    return {"sentiment_uplift": _round(float(changes.mean())), "sentiment_uplift_ci": ci, "uplift_people": int(changes.size)}


def stages(changes: Iterable[StageChange]) -> dict[str, Any]:
    """Advocates at the end, gained and lost over the period; detractors at the start and how many turned around."""
    rows = list(changes)
    return {
        "advocates": sum(1 for c in rows if c.after == "advocate"),
        "advocates_at_start": sum(1 for c in rows if c.before == "advocate"),
        "advocates_gained": sum(1 for c in rows if c.after == "advocate" and c.before != "advocate"),
        "advocates_lost": sum(1 for c in rows if c.before == "advocate" and c.after != "advocate"),
        "detractors": sum(1 for c in rows if c.after == "detractor"),
        "detractors_at_start": sum(1 for c in rows if c.before == "detractor"),
        "detractors_turned_around": sum(1 for c in rows if c.before == "detractor" and c.after in TURNED),
    }


#: The groups of people behind the stage figures: figure -> which change puts a person in it.
STAGE_GROUPS: dict[str, Callable[[StageChange], bool]] = {
    "advocates": lambda c: c.after == "advocate",
    "advocates_gained": lambda c: c.after == "advocate" and c.before != "advocate",
    "advocates_lost": lambda c: c.before == "advocate" and c.after != "advocate",
    "detractors_turned_around": lambda c: c.before == "detractor" and c.after in TURNED,
}


def stage_group(changes: Iterable[StageChange], figure: str) -> list[StageChange]:
    """The people counted by one of the stage figures (see STAGE_GROUPS)."""
    return [c for c in changes if STAGE_GROUPS[figure](c)]


def longest_silence_hours(brand_times: Iterable[datetime], start: datetime, end: datetime) -> float:
    """The longest stretch of the period without a message from the brand, in hours (its edges count as stretches)."""
    moments = sorted(t for t in brand_times if start <= t < end)
    edges = [start, *moments, end]
    return round(max((b - a).total_seconds() for a, b in zip(edges, edges[1:], strict=False)) / 3600, 1)


def days(asks: Sequence[Ask], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Asks and answered asks per UTC day of the period (days without asks included)."""
    first: date = start.date()
    count = max(1, (end - timedelta(microseconds=1)).date().toordinal() - first.toordinal() + 1)
    asked, answered = [0] * count, [0] * count
    for a in asks:
        i = a.at.date().toordinal() - first.toordinal()
        if 0 <= i < count:
            asked[i] += 1
            answered[i] += a.answered_at is not None
    return [{"day": (first + timedelta(days=i)).isoformat(), "asks": asked[i], "answered": answered[i]} for i in range(count)]


@dataclass
class Period:
    """What one period's figures are computed from."""

    start: datetime
    end: datetime
    asks: list[Ask] = field(default_factory=list)
    moods: list[Mood] = field(default_factory=list)
    changes: list[StageChange] = field(default_factory=list)
    brand_times: list[datetime] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)


def figures(period: Period, *, seed: int = 0) -> dict[str, Any]:
    """Every figure of a period, overall and per channel (each channel that had an ask or a brand message)."""
    channels = sorted({a.platform for a in period.asks} | set(period.platforms))
    per_channel = {}
    for name in channels:
        mine = [a for a in period.asks if a.platform == name]
        per_channel[name] = response(mine)
    rates = [c["response_rate"] for c in per_channel.values() if c["response_rate"] is not None]
    return {
        "from": period.start,
        "to": period.end,
        **response(period.asks),
        **uplift(period.moods, seed=seed),
        **stages(period.changes),
        "brand_messages": sum(1 for t in period.brand_times if period.start <= t < period.end),
        "consistency": {
            "channel_spread": _round(max(rates) - min(rates)) if len(rates) >= 2 else None,
            "longest_silence_hours": longest_silence_hours(period.brand_times, period.start, period.end),
        },
        "channels": per_channel,
        "days": days(period.asks, period.start, period.end),
    }


def change(now: float | int | None, before: float | int | None) -> float | None:
    """This period's figure minus the previous one's; None when either is undefined."""
    if now is None or before is None:
        return None
    return round(float(now) - float(before), 3)


def answer_asks(candidates: Iterable[dict[str, Any]], thread: Iterable[dict[str, Any]],
                cases: dict[tuple[str, str], bool] | None = None) -> list[Ask]:
    """Asks from their candidate rows (id, platform, thread_root_id, created_at, person_id, intent), the
    messages of their threads (the same keys plus is_brand and sentiment), oldest first, and whether each
    thread's resolved case was resolved in public ((platform, root) -> bool)."""
    by_thread: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in thread:
        by_thread.setdefault((m["platform"], m["thread_root_id"]), []).append(m)
    asks = []
    for c in candidates:
        later = [m for m in by_thread.get((c["platform"], c["thread_root_id"]), ()) if m["created_at"] > c["created_at"]]
        answer = next((m for m in later if m["is_brand"]), None)
        back = answer is not None and c["person_id"] is not None and any(
            m["created_at"] > answer["created_at"] and not m["is_brand"] and m["person_id"] == c["person_id"]
            and (m["intent"] == "complaint" or m["sentiment"] == "negative") for m in later)
        intent = c["intent"] if c["intent"] in ("question", "complaint") else "needs response"
        asks.append(Ask(id=int(c["id"]), platform=c["platform"], person=c["person_id"], at=c["created_at"], intent=intent,
                        answered_at=None if answer is None else answer["created_at"], came_back_negative=back,
                        case_resolved_public=(cases or {}).get((c["platform"], c["thread_root_id"]))))
    return asks


def moods(first: dict[int, tuple[datetime, int]], said: Iterable[tuple[int, int, datetime, float]]) -> list[Mood]:
    """Each person's messages in the MOOD_WINDOW before and after the brand's first reply to them (`first`: person -> (time, id))."""
    before: dict[int, list[tuple[int, float]]] = {p: [] for p in first}
    after: dict[int, list[tuple[int, float]]] = {p: [] for p in first}
    for person, ident, at, score in sorted(said, key=lambda s: (s[2], s[1])):
        if person not in first:
            continue
        pivot = first[person][0]
        if pivot - MOOD_WINDOW <= at < pivot:
            before[person].append((ident, score))
        elif pivot < at <= pivot + MOOD_WINDOW:
            after[person].append((ident, score))
    return [Mood(p, first[p][0], tuple(before[p]), tuple(after[p])) for p in sorted(first)]

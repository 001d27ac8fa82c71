"""The relationship stage of a person, with its reason in words.

The rules, checked in this order (the first that holds wins), are defined in
docs/people.md; `now` is the time the stage is worked out for, "this month"
the 30 days before it.

1. lapsed: nothing from them in the last 90 days.
2. detractor: at least 2 negative messages (complaints or negative sentiment)
   this month, and more negative messages than praise this month.
3. at risk: a question or complaint unanswered for more than 2 days; or
   their latest message is negative after earlier praise; or quiet for more
   than 30 days after 3 or more messages.
4. advocate: praise and answers to other customers' questions add up to at
   least 2 this month, with nothing negative this month.
5. new: first heard from this month, with fewer than 3 messages in all.
6. engaged: anyone else heard from in the last 90 days.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from goodwill.domain.people import SaidSeries, micros
from goodwill.people.history import History, counted, times

RECENT = timedelta(days=30)
LAPSED_AFTER = timedelta(days=90)
WAITING_TOO_LONG = timedelta(days=2)
QUIET_AFTER = 3  # messages before a silence of more than RECENT puts a relationship at risk
_US = timedelta(microseconds=1)


class Stage(enum.StrEnum):
    NEW = "new"
    ENGAGED = "engaged"
    ADVOCATE = "advocate"
    DETRACTOR = "detractor"
    AT_RISK = "at risk"
    LAPSED = "lapsed"


STAGES = tuple(s.value for s in Stage)


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: Stage
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"stage": self.stage.value, "reason": self.reason}


def parse_stage(value: str) -> Stage:
    """'at-risk', 'At risk' and 'at_risk' all name Stage.AT_RISK; ValueError names the stages."""
    key = value.strip().lower().replace("-", " ").replace("_", " ")
    try:
        return Stage(key)
    except ValueError:
        raise ValueError(f"{value!r} is not a stage; choose one of {', '.join(STAGES)}") from None


def _days(delta: timedelta) -> str:
    n = max(0, delta.days)
    return "today" if n == 0 else f"{counted(n, 'day')} ago"


def stage_of(history: History, now: datetime) -> StageResult:
    """The stage of the relationship in `history` at `now`, with its reason."""
    return stage_from(SaidSeries.of(history.said), now)


def stage_from(series: SaidSeries, now: datetime) -> StageResult:
    """The stage at `now` of the person whose messages `series` holds, with its reason: the one way a stage is
    judged (`stage_of` builds the series from a history; the store keeps one per person as messages arrive)."""
    at = series.at
    t = micros(now)
    n = bisect_right(at, t)  # what they had said by `now`: entries [0, n)
    if not n:
        return StageResult(Stage.NEW, "nothing from them yet")
    last = n - 1
    since_last = timedelta(microseconds=t - at[last])
    if since_last > LAPSED_AFTER:
        return StageResult(Stage.LAPSED, f"last heard from {_days(since_last)}")
    lo = bisect_left(at, t - RECENT // _US)  # this month: entries [lo, n)
    negative = series.negative.count(1, lo, n)
    praise = series.praise.count(1, lo, n)
    helped = series.helped.count(1, lo, n)
    if negative >= 2 and negative > praise:
        complaints = series.complaint.count(1, lo, n)
        words = [f"complained {times(complaints)} this month"] if complaints else []
        if negative > complaints:
            words.append(f"negative {times(negative - complaints)} more" if complaints
                         else f"negative {times(negative)} this month")
        if praise:
            words.append(f"praised only {times(praise)}")
        return StageResult(Stage.DETRACTOR, ", ".join(words))
    asked_before = bisect_left(at, t - WAITING_TOO_LONG // _US)  # asks older than the wait allowed: [0, asked_before)
    waiting = series.waiting.count(1, 0, asked_before)
    if waiting:
        oldest = series.waiting.find(1, 0, asked_before)
        what = "complaint" if series.complaint[oldest] else "question"
        more = f" ({counted(waiting, 'ask')} waiting)" if waiting > 1 else ""
        ago = _days(timedelta(microseconds=t - at[oldest]))
        return StageResult(Stage.AT_RISK, f"their {what} from {ago} is still unanswered{more}")
    earlier_praise = series.praise.count(1, 0, last)
    if series.negative[last] and earlier_praise:
        return StageResult(Stage.AT_RISK, f"latest message is negative after praising {times(earlier_praise)} before")
    recent = n - lo
    if not recent and n >= QUIET_AFTER:
        return StageResult(Stage.AT_RISK, f"quiet since {_days(since_last)} after {counted(n, 'message')}")
    if not negative and praise + helped >= 2:
        words = [f"praised {times(praise)} this month"] if praise else []
        if helped:
            words.append("answered another customer's question" if helped == 1
                         else f"answered other customers' questions {times(helped)}")
        return StageResult(Stage.ADVOCATE, ", ".join(words))
    since_first = timedelta(microseconds=t - at[0])
    if since_first <= RECENT and n < QUIET_AFTER:
        return StageResult(Stage.NEW, f"first heard from {_days(since_first)}, {counted(n, 'message')}")
    to_brand = series.to_brand.count(1, 0, n)
    words = [f"{counted(recent, 'message')} this month" if recent else f"{counted(n, 'message')} in all"]
    if to_brand:
        words.append(f"replied to the brand {times(to_brand)}")
    if not recent:
        words.append(f"last {_days(since_last)}")
    return StageResult(Stage.ENGAGED, ", ".join(words))

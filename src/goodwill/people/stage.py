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
from dataclasses import dataclass
from datetime import datetime, timedelta

from goodwill.people.history import History, Said, counted, times

RECENT = timedelta(days=30)
LAPSED_AFTER = timedelta(days=90)
WAITING_TOO_LONG = timedelta(days=2)
QUIET_AFTER = 3  # messages before a silence of more than RECENT puts a relationship at risk


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


def _unanswered_asks(said: list[Said], now: datetime) -> list[Said]:
    return [s for s in said if s.is_ask and s.answered_at is None and now - s.at > WAITING_TOO_LONG]


def stage_of(history: History, now: datetime) -> StageResult:
    """The stage of the relationship in `history` at `now`, with its reason."""
    said = [s for s in history.said if s.at <= now]
    if not said:
        return StageResult(Stage.NEW, "nothing from them yet")
    last = said[-1]
    if now - last.at > LAPSED_AFTER:
        return StageResult(Stage.LAPSED, f"last heard from {_days(now - last.at)}")
    recent = [s for s in said if now - s.at <= RECENT]
    negative = [s for s in recent if s.is_negative]
    praise = [s for s in recent if s.is_praise]
    helped = [s for s in recent if s.helped_other]
    if len(negative) >= 2 and len(negative) > len(praise):
        complaints = sum(1 for s in negative if s.intent == "complaint")
        words = [f"complained {times(complaints)} this month"] if complaints else []
        if len(negative) > complaints:
            words.append(f"negative {times(len(negative) - complaints)} more" if complaints
                         else f"negative {times(len(negative))} this month")
        if praise:
            words.append(f"praised only {times(len(praise))}")
        return StageResult(Stage.DETRACTOR, ", ".join(words))
    waiting = _unanswered_asks(said, now)
    if waiting:
        oldest = waiting[0]
        what = "question" if oldest.intent == "question" else "complaint"
        more = f" ({counted(len(waiting), 'ask')} waiting)" if len(waiting) > 1 else ""
        return StageResult(Stage.AT_RISK, f"their {what} from {_days(now - oldest.at)} is still unanswered{more}")
    earlier_praise = sum(1 for s in said[:-1] if s.is_praise)
    if last.is_negative and earlier_praise:
        return StageResult(Stage.AT_RISK, f"latest message is negative after praising {times(earlier_praise)} before")
    if not recent and len(said) >= QUIET_AFTER:
        return StageResult(Stage.AT_RISK, f"quiet since {_days(now - last.at)} after {counted(len(said), 'message')}")
    if not negative and len(praise) + len(helped) >= 2:
        words = [f"praised {times(len(praise))} this month"] if praise else []
        if helped:
            words.append("answered another customer's question" if len(helped) == 1
                         else f"answered other customers' questions {times(len(helped))}")
        return StageResult(Stage.ADVOCATE, ", ".join(words))
    first = said[0]
    if now - first.at <= RECENT and len(said) < QUIET_AFTER:
        return StageResult(Stage.NEW, f"first heard from {_days(now - first.at)}, {counted(len(said), 'message')}")
    to_brand = sum(1 for s in said if s.to_brand)
    words = [f"{counted(len(recent), 'message')} this month" if recent else f"{counted(len(said), 'message')} in all"]
    if to_brand:
        words.append(f"replied to the brand {times(to_brand)}")
    if not recent:
        words.append(f"last {_days(now - last.at)}")
    return StageResult(Stage.ENGAGED, ", ".join(words))

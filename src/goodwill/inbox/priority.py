"""A case's priority: a number (higher is more urgent) and its reason in words.

The number adds points for what the case's customer messages say and who
wrote them, and for how long they have waited:

| part | points |
|---|---|
| emergency (urgency high with a safety, money-lost or legal reason) | 1000, a band above every other case |
| urgency | high 300, normal 100, low 0 |
| intent | complaint 120, question 100, purchase intent 60, suggestion 20 |
| sentiment | negative 60 |
| the person's stage | at risk 80, detractor 60, advocate 50, new 20, engaged 10 |
| the person's influence (people who engage with them) | 10 per doubling from 5 people, at most 80 |
| waiting for the brand | 15 min 10, 1 h 30, 3 h 60, 8 h 90, 24 h 130, 72 h 170 |

Everything but an emergency adds up to at most 810, so an emergency always
comes first. Waiting time grows in steps, so a stored priority stays right
until its `next_change_at`, when it is worked out again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

EMERGENCY = 1000
URGENCY_POINTS = {"high": 300, "normal": 100, "low": 0}
INTENT_POINTS = {"complaint": 120, "question": 100, "purchase_intent": 60, "suggestion": 20}
NEGATIVE_POINTS = 60
STAGE_POINTS = {"at risk": 80, "detractor": 60, "advocate": 50, "new": 20, "engaged": 10}
INFLUENCE_FROM = 5  # people engaging with someone before influence counts
INFLUENCE_STEP = 10  # points per doubling above that
INFLUENCE_MAX = 80
#: (waited at least, points), in order.
WAITING_STEPS: tuple[tuple[timedelta, int], ...] = (
    (timedelta(minutes=15), 10), (timedelta(hours=1), 30), (timedelta(hours=3), 60), (timedelta(hours=8), 90),
    (timedelta(hours=24), 130), (timedelta(hours=72), 170),
)
#: Bands by the lowest score in each, highest first.
BANDS: tuple[tuple[str, int], ...] = (("emergency", EMERGENCY), ("high", 400), ("normal", 150), ("low", 0))
#: Urgency reasons that make a high-urgency message an emergency, and how they read.
EMERGENCY_KINDS = {"safety": "safety", "money": "money lost", "legal": "legal threat"}
#: Intents in the order a case takes the most demanding of its messages'.
INTENT_ORDER = ("complaint", "question", "purchase_intent", "suggestion", "other", "praise")
URGENCY_ORDER = ("high", "normal", "low")
SENTIMENT_ORDER = ("negative", "neutral", "positive")
_INTENT_WORDS = {"purchase_intent": "wants to buy", "complaint": "complaint", "question": "question", "suggestion": "suggestion"}


@dataclass(frozen=True, slots=True)
class Factors:
    """What a case's priority is made of (stored with the case).

    :param emergency: the urgency reasons of its messages (`safety`, `money`, `legal`, ...)
        with the words behind them, e.g. (("safety", "caught fire"),)
    :param stage: the person's relationship stage when they wrote, and its reason
    :param engaged_by: how many people engage with the person (replies, quotes, reposts, mentions)
    """

    urgency: str = "low"
    intent: str = "other"
    sentiment: str = "neutral"
    needs_response: bool = False
    emergency: tuple[tuple[str, str], ...] = ()
    stage: str | None = None
    stage_reason: str | None = None
    engaged_by: int = 0

    def joined(self, other: Factors) -> Factors:
        """The factors of a case that holds both: the most urgent, demanding and negative of each;
        the person's stage and influence as of the later message (`other`)."""
        return Factors(
            urgency=_first(URGENCY_ORDER, self.urgency, other.urgency),
            intent=_first(INTENT_ORDER, self.intent, other.intent),
            sentiment=_first(SENTIMENT_ORDER, self.sentiment, other.sentiment),
            needs_response=self.needs_response or other.needs_response,
            emergency=tuple(dict.fromkeys(self.emergency + other.emergency)),
            stage=other.stage if other.stage is not None else self.stage,
            stage_reason=other.stage_reason if other.stage is not None else self.stage_reason,
            engaged_by=max(self.engaged_by, other.engaged_by),
        )


def _first(order: tuple[str, ...], a: str, b: str) -> str:
    """Whichever of `a` and `b` comes first in `order` (unknown values last)."""
    def rank(value: str) -> int:
        return order.index(value) if value in order else len(order)
    return a if rank(a) <= rank(b) else b


@dataclass(frozen=True, slots=True)
class Priority:
    """A case's priority at one moment.

    :param reason: the words behind the score, waiting time last ("complaint, negative, advocate at risk, waiting 3 h")
    :param next_change_at: when waiting longer next raises it (None: it will not, being capped or not waiting)
    """

    score: int
    band: str
    reason: str
    next_change_at: datetime | None


def emergencies(factors: Factors) -> list[tuple[str, str]]:
    """The emergency reasons among `factors`: only a high urgency has any."""
    if factors.urgency != "high":
        return []
    return [(kind, words) for kind, words in factors.emergency if kind in EMERGENCY_KINDS]


def influence_points(engaged_by: int) -> int:
    if engaged_by < INFLUENCE_FROM:
        return 0
    return min(INFLUENCE_MAX, INFLUENCE_STEP * (1 + int(math.log2(engaged_by / INFLUENCE_FROM))))


def waiting_points(waited: timedelta) -> tuple[int, timedelta | None]:
    """Points for having waited `waited`, and how much longer until they next rise (None: never)."""
    points = 0
    for at_least, step in WAITING_STEPS:
        if waited < at_least:
            return points, at_least - waited
        points = step
    return points, None


def waiting_words(waited: timedelta) -> str:
    """'waiting 12 min', 'waiting 3 h', 'waiting 2 days'."""
    minutes = max(0, int(waited.total_seconds() // 60))
    if minutes < 60:
        return f"waiting {minutes} min"
    if minutes < 48 * 60:
        return f"waiting {minutes // 60} h"
    return f"waiting {minutes // (24 * 60)} days"


def band_of(score: int) -> str:
    for name, lowest in BANDS:
        if score >= lowest:
            return name
    return BANDS[-1][0]


def _stage_words(stage: str, reason: str | None) -> str:
    if stage == "at risk" and reason and "praising" in reason:
        return "advocate at risk"
    return {"new": "new customer", "engaged": "engaged customer"}.get(stage, stage)


def base_reason(factors: Factors) -> list[str]:
    """The words for everything but the waiting time, most important first."""
    words: list[str] = []
    found = emergencies(factors)
    if found:
        kinds = list(dict.fromkeys(EMERGENCY_KINDS[k] for k, _ in found))
        said = list(dict.fromkeys(w for _, w in found if w))[:2]
        words.append("emergency: " + " and ".join(kinds) + (f" ({', '.join(repr(w) for w in said)})" if said else ""))
    elif factors.urgency == "high":
        why = [w or k for k, w in factors.emergency][:2]
        words.append("urgent" + (f" ({', '.join(why)})" if why else ""))
    if factors.intent in _INTENT_WORDS:
        words.append(_INTENT_WORDS[factors.intent])
    elif factors.needs_response:
        words.append("needs a response")
    if factors.sentiment == "negative":
        words.append("negative")
    if factors.stage in STAGE_POINTS:
        words.append(_stage_words(factors.stage, factors.stage_reason))
    points = influence_points(factors.engaged_by)
    if points:
        words.append(f"influential ({factors.engaged_by} people engage with them)")
    return words


def _base_score(factors: Factors) -> int:
    score = EMERGENCY if emergencies(factors) else 0
    score += URGENCY_POINTS.get(factors.urgency, 0) + INTENT_POINTS.get(factors.intent, 0)
    score += NEGATIVE_POINTS if factors.sentiment == "negative" else 0
    return score + STAGE_POINTS.get(factors.stage or "", 0) + influence_points(factors.engaged_by)


def opening_score(factors: Factors) -> int:
    """The score `prioritise` gives a case with `factors` at the moment its customer wrote (before any waiting
    counts): what routing and the SLA bands read, without the words."""
    return _base_score(factors) + waiting_points(timedelta(0))[0]


def prioritise(factors: Factors, waiting_since: datetime | None, now: datetime) -> Priority:
    """The priority of a case with `factors` whose customer has waited since `waiting_since` (None: not waiting)."""
    score = _base_score(factors)
    words = base_reason(factors)
    next_change_at = None
    if waiting_since is not None:
        waited = max(timedelta(0), now - waiting_since)
        points, until = waiting_points(waited)
        score += points
        words.append(waiting_words(waited))
        next_change_at = None if until is None else now + until
    else:
        words.append("waiting on the customer")
    return Priority(score, band_of(score), ", ".join(words), next_change_at)


def reason_now(stored_reason: str, waiting_since: datetime | None, now: datetime) -> str:
    """A stored reason with its waiting time brought up to `now` (the last part of a reason is the waiting time)."""
    if waiting_since is None:
        return stored_reason
    head, _, tail = stored_reason.rpartition(", ")
    if not tail.startswith("waiting "):
        return stored_reason
    fresh = waiting_words(max(timedelta(0), now - waiting_since))
    return f"{head}, {fresh}" if head else fresh

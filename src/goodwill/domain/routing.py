"""Routing rules, teams and SLA policies as plain data.

The rules of `goodwill.inbox.routing` and `goodwill.inbox.sla` read and return
these; the store keeps them (`store/routing.py`); nothing here does any I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class Strategy(enum.StrEnum):
    """How a rule picks the assignee within its team."""

    NONE = "none"  # the case goes to the team's queue, nobody in particular
    FIXED = "fixed"  # always the named user (when available)
    ROUND_ROBIN = "round-robin"  # the next available member after the last one this team gave a case to
    LEAST_LOADED = "least-loaded"  # the available member with the fewest open cases


STRATEGIES = tuple(s.value for s in Strategy)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a case must have for a rule to match. Every condition that is set
    must hold (AND); within one condition any listed value will do (OR).
    Empty conditions match every case."""

    intents: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # words of the topic's label, e.g. "battery"
    languages: tuple[str, ...] = ()  # ISO 639-1 codes, e.g. "en"
    platforms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # whole words or phrases in the message, case ignored
    stages: tuple[str, ...] = ()  # the person's relationship stage, e.g. "at risk"
    min_priority: float | None = None  # the case's priority is at least this


@dataclass(frozen=True, slots=True)
class Actions:
    """What a matching rule decides for a new case."""

    team: str | None = None
    strategy: Strategy = Strategy.NONE
    assignee: str | None = None  # the user, for Strategy.FIXED
    tags: tuple[str, ...] = ()
    sla: str | None = None  # an SLA policy's name; None: the policy of the case's priority band


@dataclass(frozen=True, slots=True)
class Rule:
    """One version of a routing rule. `rule_id` stays the same across versions;
    `version_id` names this version (a case keeps the one that routed it)."""

    rule_id: int
    version: int
    name: str
    position: int
    conditions: Conditions
    actions: Actions
    version_id: int = 0
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What routing reads of a new case (its first customer message and who wrote it)."""

    text: str
    platform: str
    language: str | None = None
    intent: str | None = None
    topic: str | None = None  # the label of the message's topic
    stage: str | None = None  # the person's relationship stage
    priority: float | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    """A member of a team, as routing sees them."""

    user_id: int
    name: str
    available: bool = True
    open_cases: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a new case goes, and why in words."""

    rule: Rule | None
    team: str | None
    assignee_id: int | None
    assignee: str | None
    tags: tuple[str, ...]
    sla: str | None
    reason: str


# -- SLA policies -----------------------------------------------------------------

#: Weekday names, Monday first (datetime.weekday() order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Escalation(enum.StrEnum):
    """What a breach does."""

    NOTIFY = "notify"  # flag the case and notify the team's manager (a recorded event)
    REASSIGN = "reassign"  # and give the case to the escalation user (or the team's manager)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets for cases of a priority band, counted in business minutes.

    :param min_priority: the band starts here; a case takes the policy with the
        highest `min_priority` not above its priority
    :param hours: per weekday (Monday first), the open intervals as (start, end)
        minutes after local midnight; end may be 1440
    :param near_breach: a target is near breach once no more than this share of
        its business minutes is left
    """

    name: str
    min_priority: float
    first_response_minutes: int
    resolution_minutes: int
    timezone: str = "UTC"
    hours: tuple[tuple[tuple[int, int], ...], ...] = field(default_factory=lambda: (((0, 1440),),) * 7)
    holidays: tuple[date, ...] = ()
    near_breach: float = 0.25
    escalate: Escalation = Escalation.NOTIFY
    escalate_to: str | None = None  # a user name; None: the team's manager

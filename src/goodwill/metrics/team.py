"""Team metrics of the inbox (pure): open cases by age, first-response and resolution time percentiles,
and SLA attainment, for everyone, per agent and per team.

Input is plain rows of cases (`CaseTimes`); nothing here reads the store.

- **Open by age**: cases new, open or waiting, by how long since the customer's case opened
  (`AGE_BUCKETS`).
- **First response**: minutes from opening to the brand's first reply, of cases opened in the period
  that were answered; p50 and p90 by nearest rank.
- **Resolution**: minutes from opening to resolution, of cases opened in the period that were resolved.
- **SLA attainment**: of cases opened in the period with a first-response due time that is decided
  (answered, or unanswered past due), the share answered by the due time. Cases still inside their due
  time count in neither the met nor the missed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ACTIVE = ("new", "open", "waiting")
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under 1 h", timedelta(hours=1)),
    ("1-4 h", timedelta(hours=4)),
    ("4-24 h", timedelta(hours=24)),
    ("1-7 days", timedelta(days=7)),
    ("over 7 days", None),
)


@dataclass(frozen=True, slots=True)
class CaseTimes:
    status: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_due_at: datetime | None
    assignee: str | None
    team: str | None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile `q` (0-100) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _bucket(age: timedelta) -> str:
    for name, limit in AGE_BUCKETS:
        if limit is None or age < limit:
            return name
    return AGE_BUCKETS[-1][0]


def _minutes(a: datetime, b: datetime) -> float:
    return round((b - a).total_seconds() / 60, 1)


def summarise(rows: Iterable[CaseTimes], now: datetime, since: datetime) -> dict[str, Any]:
    """The figures of one group of cases (see the module's doc)."""
    rows = list(rows)
    open_by_age = {name: 0 for name, _ in AGE_BUCKETS}
    first, resolved = [], []
    met = missed = pending = 0
    for c in rows:
        if c.status in ACTIVE:
            open_by_age[_bucket(now - c.opened_at)] += 1
        if c.opened_at < since:
            continue
        if c.first_response_at is not None:
            first.append(_minutes(c.opened_at, c.first_response_at))
        if c.resolved_at is not None:
            resolved.append(_minutes(c.opened_at, c.resolved_at))
        if c.sla_due_at is not None:
            if c.first_response_at is not None:
                met, missed = (met + 1, missed) if c.first_response_at <= c.sla_due_at else (met, missed + 1)
            elif c.sla_due_at <= now:
                missed += 1
            else:
                pending += 1
    decided = met + missed
    return {
        "open": sum(open_by_age.values()),
        "open_by_age": open_by_age,
        "opened": sum(1 for c in rows if c.opened_at >= since),
        "answered": len(first),
        "first_response_minutes": {"p50": percentile(first, 50), "p90": percentile(first, 90)},
        "resolved": len(resolved),
        "resolution_minutes": {"p50": percentile(resolved, 50), "p90": percentile(resolved, 90)},
        "sla": {"met": met, "missed": missed, "pending": pending,
                "attainment": round(met / decided, 3) if decided else None},
    }


def team_metrics(rows: Sequence[CaseTimes], now: datetime, since: datetime) -> dict[str, Any]:
    """Everyone's figures, then per agent (assignee; `unassigned` for none) and per team (`no team`)."""
    agents: dict[str, list[CaseTimes]] = {}
    teams: dict[str, list[CaseTimes]] = {}
    for c in rows:
        agents.setdefault(c.assignee or "unassigned", []).append(c)
        teams.setdefault(c.team or "no team", []).append(c)
    return {
        "since": since, "now": now,
        "all": summarise(rows, now, since),
        "agents": {name: summarise(group, now, since) for name, group in sorted(agents.items())},
        "teams": {name: summarise(group, now, since) for name, group in sorted(teams.items())},
    }

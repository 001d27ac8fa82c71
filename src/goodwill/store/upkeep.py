"""Upkeep jobs (retention, scoring people): when each last ran and when it is due, claimed by one process at a time.

A job is claimed by moving its `next_run_at` forward in the same transaction
that does its work: of several processes (web workers, the listener) looking
at once, one sees the job due and claims it, and the others see it claimed
(on SQLite the write lock orders them; on PostgreSQL the row lock, after which
the condition is checked again). A run that fails rolls its claim back with
its work, so the next look tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from goodwill.store.tables import interactions, message_signals, messages, people, upkeep_jobs


def claim(conn: Connection, name: str, now: datetime, every: timedelta) -> bool:
    """Claim job `name` if it is due at `now`: it then counts as run at `now` and is due again at `now + every`."""
    c = upkeep_jobs.c
    done = conn.execute(update(upkeep_jobs).where(c.name == name, or_(c.next_run_at.is_(None), c.next_run_at <= now))
                        .values(last_run_at=now, next_run_at=now + every))
    return done.rowcount == 1


def is_due(conn: Connection, name: str, now: datetime) -> bool:
    due = conn.execute(select(upkeep_jobs.c.next_run_at).where(upkeep_jobs.c.name == name)).first()
    return due is not None and (due.next_run_at is None or due.next_run_at <= now)


def finish(conn: Connection, name: str, result: dict[str, Any]) -> None:
    conn.execute(update(upkeep_jobs).where(upkeep_jobs.c.name == name).values(last_result=result, last_error=None))


def failed(conn: Connection, name: str, error: str) -> None:
    """Note why an attempt failed (its claim was rolled back, so it is still due)."""
    conn.execute(update(upkeep_jobs).where(upkeep_jobs.c.name == name).values(last_error=error[:1000]))


def postpone(conn: Connection, name: str, at: datetime) -> None:
    conn.execute(update(upkeep_jobs).where(upkeep_jobs.c.name == name).values(next_run_at=at))


def jobs(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every job: last_run_at, next_run_at, last_result, last_error."""
    return {r.name: {"last_run_at": r.last_run_at, "next_run_at": r.next_run_at, "last_result": r.last_result,
                     "last_error": r.last_error}
            for r in conn.execute(select(upkeep_jobs).order_by(upkeep_jobs.c.name))}


def fingerprint(conn: Connection) -> list[Any]:
    """What scores are worked out from, in a few figures (messages, their latest edit, signals per model version,
    interactions, people): when none changed, scoring again would change nothing."""
    m = conn.execute(select(func.count(), func.coalesce(func.max(messages.c.id), 0), func.max(messages.c.edited_at))).one()
    i = conn.execute(select(func.count()).select_from(interactions)).scalar_one()
    p = conn.execute(select(func.count(), func.coalesce(func.max(people.c.id), 0))
                     .where(people.c.merged_into_id.is_(None))).one()
    versions = sorted((str(v), int(n)) for v, n in conn.execute(
        select(message_signals.c.model_version, func.count()).group_by(message_signals.c.model_version)))
    return [int(m[0]), int(m[1]), None if m[2] is None else m[2].isoformat(), int(i), int(p[0]), int(p[1]),
            [list(v) for v in versions]]

"""Who is working a case right now (`case_presence`), and what changed in a case since an agent looked.

Rows are kept in the store, not in one server's memory, so several server
processes agree on who is viewing or typing. The service decides how long a
heartbeat counts; these functions read and write inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select

from goodwill.store.tables import case_events, case_presence, cases, messages, users


def beat(conn: Connection, case_id: int, user_id: int, user_name: str, typing: bool, at: datetime) -> None:
    """Record that a user is viewing (or typing in) a case at `at` (one row per case and user)."""
    conn.execute(delete(case_presence).where(case_presence.c.case_id == case_id, case_presence.c.user_id == user_id))
    conn.execute(case_presence.insert().values(case_id=case_id, user_id=user_id, user_name=user_name, typing=typing,
                                               seen_at=at))


def leave(conn: Connection, case_id: int, user_id: int) -> None:
    conn.execute(delete(case_presence).where(case_presence.c.case_id == case_id, case_presence.c.user_id == user_id))


def present(conn: Connection, case_id: int, since: datetime) -> list[dict[str, Any]]:
    """Who has beaten on a case since `since`, most recent first."""
    p = case_presence.c
    return [dict(r._mapping) for r in conn.execute(
        select(p.user_id, p.user_name, p.typing, p.seen_at).where(p.case_id == case_id, p.seen_at >= since)
        .order_by(p.seen_at.desc(), p.user_id))]


def forget_before(conn: Connection, before: datetime) -> None:
    """Drop heartbeats older than `before` (nobody is there any more)."""
    conn.execute(delete(case_presence).where(case_presence.c.seen_at < before))


def version(conn: Connection, case_id: int) -> int:
    """The case's version: the id of its newest event (0 before any)."""
    return int(conn.execute(select(func.coalesce(func.max(case_events.c.id), 0))
                            .where(case_events.c.case_id == case_id)).scalar() or 0)


def events_since(conn: Connection, case_id: int, after: int, kinds: Sequence[str]) -> list[dict[str, Any]]:
    """The case's events of `kinds` newer than event id `after`, oldest first, with the text of their message."""
    e = case_events.c
    return [dict(r._mapping) for r in conn.execute(
        select(e.id, e.at, e.kind, e.actor_id, e.actor_name, e.message_id, e.details, messages.c.text)
        .select_from(case_events.outerjoin(messages, messages.c.id == e.message_id))
        .where(e.case_id == case_id, e.id > after, e.kind.in_(list(kinds))).order_by(e.id))]


def case_times(conn: Connection, since: datetime, active: Sequence[str]) -> list[dict[str, Any]]:
    """The times of cases opened since `since` or still active: status, opened, first response, resolved,
    SLA due, assignee's name and team (for the team metrics)."""
    c = cases.c
    return [dict(r._mapping) for r in conn.execute(
        select(c.status, c.opened_at, c.first_response_at, c.resolved_at, c.sla_due_at, c.team,
               users.c.username.label("assignee"))
        .select_from(cases.outerjoin(users, users.c.id == c.assignee_id))
        .where(or_(c.opened_at >= since, c.status.in_(list(active)))))]

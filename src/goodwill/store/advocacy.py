"""Gestures and budgets as an aggregate, and the reads that follow what a person did after a gesture."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from goodwill.errors import NotFoundError
from goodwill.store.tables import accounts, advocacy_budgets, gestures, interactions, messages, people, threads

_GESTURE_COLUMNS = (gestures.c.id, gestures.c.person_id, gestures.c.kind, gestures.c.reason, gestures.c.cost_cents,
                    gestures.c.currency, gestures.c.period, gestures.c.status, gestures.c.logged_by,
                    gestures.c.logged_at, gestures.c.decided_by, gestures.c.decided_at, gestures.c.note,
                    people.c.display_name)


def budget(conn: Connection, period: str) -> dict[str, Any] | None:
    row = conn.execute(select(advocacy_budgets).where(advocacy_budgets.c.period == period)).mappings().first()
    return None if row is None else dict(row)


def budgets(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(advocacy_budgets).order_by(advocacy_budgets.c.period.desc())).mappings()]


def set_budget(conn: Connection, period: str, currency: str, amount_cents: int, agent_limit_cents: int,
               set_by: str, at: datetime) -> dict[str, Any] | None:
    """Store the period's budget; returns the one it replaced, if any."""
    before = budget(conn, period)
    values = {"currency": currency, "amount_cents": amount_cents, "agent_limit_cents": agent_limit_cents,
              "set_by": set_by, "set_at": at}
    if before is None:
        conn.execute(advocacy_budgets.insert().values(period=period, **values))
    else:
        conn.execute(advocacy_budgets.update().where(advocacy_budgets.c.period == period).values(**values))
    return before


def spending(conn: Connection, period: str) -> dict[str, int]:
    """Cents spent (approved) and waiting (pending) in a period, and how many gestures of each status."""
    found = {"approved_cents": 0, "pending_cents": 0, "approved": 0, "pending": 0, "declined": 0}
    for r in conn.execute(select(gestures.c.status, func.count(), func.coalesce(func.sum(gestures.c.cost_cents), 0))
                          .where(gestures.c.period == period).group_by(gestures.c.status)):
        found[r[0]] = int(r[1])
        if r[0] in ("approved", "pending"):
            found[f"{r[0]}_cents"] = int(r[2])
    return found


def insert_gesture(conn: Connection, **values: Any) -> int:
    return int(conn.execute(gestures.insert().values(**values)).inserted_primary_key[0])  # type: ignore[index]


def _gesture(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def gesture(conn: Connection, gesture_id: int) -> dict[str, Any]:
    row = conn.execute(select(*_GESTURE_COLUMNS).select_from(gestures.join(people, people.c.id == gestures.c.person_id))
                       .where(gestures.c.id == gesture_id)).first()
    if row is None:
        raise NotFoundError(f"no gesture {gesture_id}")
    return _gesture(row)


def decide(conn: Connection, gesture_id: int, status: str, by: str, by_id: int | None, at: datetime,
           note: str | None) -> None:
    conn.execute(gestures.update().where(gestures.c.id == gesture_id).values(
        status=status, decided_by=by, decided_by_id=by_id, decided_at=at, note=note))


def list_gestures(conn: Connection, *, person_ids: Sequence[int] | None = None, status: str | None = None,
                  before: int | None = None, limit: int = 50,
                  logged_between: tuple[datetime, datetime] | None = None) -> list[dict[str, Any]]:
    """Gestures newest first (by id), with the person's display name; `logged_between` [start, end) narrows them."""
    query = select(*_GESTURE_COLUMNS).select_from(gestures.join(people, people.c.id == gestures.c.person_id))
    if logged_between is not None:
        query = query.where(gestures.c.logged_at >= logged_between[0], gestures.c.logged_at < logged_between[1])
    if person_ids is not None:
        query = query.where(gestures.c.person_id.in_(list(person_ids)))
    if status is not None:
        query = query.where(gestures.c.status == status)
    if before is not None:
        query = query.where(gestures.c.id < before)
    return [_gesture(r) for r in conn.execute(query.order_by(gestures.c.id.desc()).limit(limit))]


def last_gestures(conn: Connection) -> dict[int, datetime]:
    """The time of each person's latest gesture that was not declined, by person (people merged into another
    count for the one they were merged into)."""
    owner = func.coalesce(people.c.merged_into_id, gestures.c.person_id)
    return {int(r[0]): r[1] for r in conn.execute(
        select(owner, func.max(gestures.c.logged_at)).select_from(gestures.join(people, people.c.id == gestures.c.person_id))
        .where(gestures.c.status != "declined").group_by(owner))}


def merged_into(conn: Connection, person_id: int) -> list[int]:
    """The person and everyone merged into them."""
    return [person_id] + [int(p) for (p,) in conn.execute(select(people.c.id).where(people.c.merged_into_id == person_id))]


def shares(conn: Connection, account_ids: Sequence[int]) -> list[datetime]:
    """When the accounts reposted or quoted one of the brand's messages."""
    if not account_ids:
        return []
    brand = accounts.alias("brand")
    return [r[0] for r in conn.execute(
        select(interactions.c.created_at)
        .select_from(interactions.join(brand, brand.c.id == interactions.c.target_account_id))
        .where(interactions.c.source_account_id.in_(list(account_ids)), brand.c.is_brand,
               interactions.c.kind.in_(("repost", "quote"))))]


def newcomers(conn: Connection, account_ids: Sequence[int], after: datetime, until: datetime) -> list[str]:
    """Handles of people first heard from after `after` (up to `until`) whose messages reply to, mention or
    quote the accounts: people the person brought."""
    if not account_ids:
        return []
    ids = list(account_ids)
    source = accounts.alias("source")
    first_seen = (select(accounts.c.person_id, func.min(messages.c.created_at).label("first_at"))
                  .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
                  .group_by(accounts.c.person_id).subquery())
    rows = conn.execute(
        select(source.c.handle).distinct()
        .select_from(interactions.join(source, source.c.id == interactions.c.source_account_id)
                     .join(first_seen, first_seen.c.person_id == source.c.person_id))
        .where(interactions.c.target_account_id.in_(ids), ~source.c.id.in_(ids), ~source.c.is_brand,
               interactions.c.kind.in_(("reply", "mention", "quote")),
               and_(interactions.c.created_at >= after, interactions.c.created_at <= until),
               first_seen.c.first_at >= after)
        .order_by(source.c.handle))
    return [r[0] for r in rows]


def thread_ids(conn: Connection, message_ids: Sequence[int]) -> dict[int, int]:
    """The thread each message belongs to, by message id."""
    found: dict[int, int] = {}
    ids = sorted(set(message_ids))
    for i in range(0, len(ids), 500):
        for r in conn.execute(
            select(messages.c.id, threads.c.id.label("thread_id"))
            .select_from(messages.join(threads, and_(threads.c.platform == messages.c.platform,
                                                     threads.c.root_platform_id == messages.c.thread_root_id)))
            .where(messages.c.id.in_(ids[i:i + 500]))):
            found[r.id] = r.thread_id
    return found

"""People's scores as of the last scoring run: one row per person (stage, trust, reciprocity, influence,
outreach, each with its reasons), replaced whole by each run, so readers see one run's scores or the next's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from goodwill.store.people import describe
from goodwill.store.tables import accounts, messages, people, person_scores

CHUNK = 500


def to_score(conn: Connection) -> list[dict[str, Any]]:
    """Everyone a run scores: each live person (not merged into another) with an account that is not the brand's,
    with their accounts' ids and their latest message's time (None when they have none)."""
    last = func.max(messages.c.created_at).label("last_at")
    latest = dict(conn.execute(
        select(accounts.c.person_id, last).select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
        .where(~accounts.c.is_brand, accounts.c.person_id.is_not(None)).group_by(accounts.c.person_id)).all())
    found: dict[int, dict[str, Any]] = {}
    for a in conn.execute(select(accounts.c.id, accounts.c.person_id)
                          .select_from(accounts.join(people, people.c.id == accounts.c.person_id))
                          .where(~accounts.c.is_brand, people.c.merged_into_id.is_(None)).order_by(accounts.c.id)):
        found.setdefault(a.person_id, {"id": a.person_id, "accounts": [], "last_at": latest.get(a.person_id)})
        found[a.person_id]["accounts"].append(a.id)
    return sorted(found.values(), key=lambda p: p["id"])


def replace_all(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The new run's scores instead of the last run's."""
    conn.execute(delete(person_scores))
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(person_scores), list(rows[i:i + CHUNK]))


def forget(conn: Connection, person_ids: Sequence[int]) -> int:
    """Delete the scores of these people."""
    gone = 0
    ids = sorted(set(person_ids))
    for i in range(0, len(ids), CHUNK):
        gone += conn.execute(delete(person_scores).where(person_scores.c.person_id.in_(ids[i:i + CHUNK]))).rowcount
    return gone


def forget_orphans(conn: Connection) -> int:
    """Delete the scores of people that are no more."""
    alive = select(people.c.id).where(people.c.id == person_scores.c.person_id).exists()
    return conn.execute(delete(person_scores).where(~alive)).rowcount


def _row(r: Any) -> dict[str, Any]:
    return {
        "person_id": r.person_id, "computed_at": r.computed_at, "judged_at": r.judged_at, "last_at": r.last_at,
        "stage": r.stage, "reason": r.reason,
        "trust": {"score": r.trust, "parts": list(r.trust_parts or [])},
        "reciprocity": {"score": r.reciprocity, "parts": list(r.reciprocity_parts or [])},
        "influence": r.influence, "influence_reasons": list(r.influence_reasons or []),
        "outreach": r.outreach, "outreach_reasons": list(r.outreach_reasons or []),
        "account_id": r.account_id, "received": r.received,
    }


def of_person(conn: Connection, person_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(person_scores).where(person_scores.c.person_id == person_id)).first()
    return None if row is None else _row(row)


def computed_at(conn: Connection) -> datetime | None:
    """When the scores were computed (None: never)."""
    value: datetime | None = conn.execute(select(func.max(person_scores.c.computed_at))).scalar()
    return value


def stage_counts(conn: Connection) -> dict[str, int]:
    return {str(s): int(n) for s, n in conn.execute(
        select(person_scores.c.stage, func.count()).group_by(person_scores.c.stage))}


def listed(conn: Connection, *, stage: str | None, limit: int) -> list[dict[str, Any]]:
    """The most recently active scored people (of `stage`, if given), with their names and accounts."""
    query = select(person_scores).order_by(person_scores.c.last_at.desc(), person_scores.c.person_id).limit(limit)
    if stage is not None:
        query = query.where(person_scores.c.stage == stage)
    rows = [_row(r) for r in conn.execute(query)]
    named = describe(conn, [r["person_id"] for r in rows])
    return [{**named[r["person_id"]], **r} for r in rows if r["person_id"] in named]


def most_influential(conn: Connection, top: int) -> list[dict[str, Any]]:
    """The scored people whose account received some engagement, most influential first, with that account."""
    query = (select(person_scores, accounts.c.platform, accounts.c.handle)
             .join(accounts, accounts.c.id == person_scores.c.account_id)
             .where(person_scores.c.received > 0, person_scores.c.influence.is_not(None))
             .order_by(person_scores.c.influence.desc(), person_scores.c.outreach.desc(), person_scores.c.person_id)
             .limit(top))
    return [{**_row(r), "platform": r.platform, "handle": r.handle} for r in conn.execute(query)]

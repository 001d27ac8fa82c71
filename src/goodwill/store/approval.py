"""Replies held for a manager's approval (`pending_replies`) and the policy saying whose (`approval_policy`).

The service (`goodwill.service.approval`) decides when a reply is held, who may
approve it and what sending it does; these functions read and write the rows,
each inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from goodwill.errors import NotFoundError
from goodwill.store.messages import chunks
from goodwill.store.tables import accounts, approval_policy, cases, messages, pending_replies

#: A held reply's statuses while it still stands (not yet sent, declined or withdrawn).
STANDING = ("pending", "sending")


# -- the policy ----------------------------------------------------------------------


def policy(conn: Connection) -> list[dict[str, Any]]:
    """The teams and tags whose replies need approval: kind, name, set_by, set_at; by kind and name."""
    p = approval_policy.c
    return [dict(r._mapping) for r in conn.execute(select(approval_policy).order_by(p.kind, p.name))]


def replace_policy(conn: Connection, entries: Iterable[tuple[str, str]], by: str, at: datetime) -> None:
    """Replace the whole policy with these (kind, name) entries."""
    conn.execute(approval_policy.delete())
    rows = [{"kind": k, "name": n, "set_by": by, "set_at": at} for k, n in sorted(set(entries))]
    if rows:
        conn.execute(approval_policy.insert(), rows)


# -- held replies ----------------------------------------------------------------------


def hold(conn: Connection, row: dict[str, Any]) -> int:
    """Store a held reply (a dict of its columns); returns its id."""
    new_id: int = conn.execute(pending_replies.insert().values(**row)).inserted_primary_key[0]  # type: ignore[index]
    return new_id


def _listed() -> Any:
    p = pending_replies.c
    answered = messages.alias("answered")
    author = accounts.alias("customer")
    return (
        select(pending_replies, cases.c.platform, cases.c.team, cases.c.tags, cases.c.status.label("case_status"),
               cases.c.priority, cases.c.priority_band, answered.c.text.label("answered_text"),
               author.c.handle.label("customer"))
        .select_from(pending_replies.join(cases, cases.c.id == p.case_id)
                     .outerjoin(answered, answered.c.id == p.message_id)
                     .outerjoin(author, author.c.id == answered.c.account_id))
    )


def get(conn: Connection, reply_id: int) -> dict[str, Any]:
    """One held reply with its case's platform, team, tags and the message it answers; NotFoundError if none."""
    row = conn.execute(_listed().where(pending_replies.c.id == reply_id)).first()
    if row is None:
        raise NotFoundError(f"no held reply {reply_id} (`goodwill cases approvals` lists them)")
    return dict(row._mapping)


def of_case(conn: Connection, case_id: int, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """A case's held replies (in `statuses`, or all), oldest first."""
    stmt = _listed().where(pending_replies.c.case_id == case_id)
    if statuses is not None:
        stmt = stmt.where(pending_replies.c.status.in_(list(statuses)))
    return [dict(r._mapping) for r in conn.execute(stmt.order_by(pending_replies.c.id))]


def listing(conn: Connection, statuses: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Held replies in `statuses`, oldest first (the longest waiting at the top)."""
    stmt = _listed().where(pending_replies.c.status.in_(list(statuses)))
    return [dict(r._mapping) for r in conn.execute(stmt.order_by(pending_replies.c.created_at, pending_replies.c.id)
                                                   .limit(limit))]


def update(conn: Connection, reply_id: int, values: dict[str, Any], *, only_if: Sequence[str] | None = None) -> bool:
    """Change a held reply; with `only_if`, only while its status is one of those. True when it changed."""
    stmt = pending_replies.update().where(pending_replies.c.id == reply_id)
    if only_if is not None:
        stmt = stmt.where(pending_replies.c.status.in_(list(only_if)))
    return bool(conn.execute(stmt.values(**values)).rowcount)


def texts_of(conn: Connection, reply_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The status, text and author of each of these held replies."""
    found: dict[int, dict[str, Any]] = {}
    p = pending_replies.c
    for chunk in chunks(sorted(set(reply_ids))):
        for row in conn.execute(select(p.id, p.status, p.text, p.author_name).where(p.id.in_(chunk))):
            found[int(row.id)] = {"status": row.status, "text": row.text, "author": row.author_name}
    return found

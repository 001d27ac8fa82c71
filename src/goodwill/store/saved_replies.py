"""Saved replies (canned responses) in the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from goodwill.domain.tone import SavedReply
from goodwill.errors import ConflictError, NotFoundError
from goodwill.store.tables import saved_replies


def _reply(row: Any) -> SavedReply:
    return SavedReply(id=row.id, title=row.title, body=row.body, tags=tuple(row.tags or ()),
                      created_at=row.created_at, created_by=row.created_by, updated_at=row.updated_at)


def add_saved_reply(conn: Connection, title: str, body: str, tags: list[str], *, by: str, at: datetime) -> SavedReply:
    taken = conn.execute(
        select(saved_replies.c.id).where(func.lower(saved_replies.c.title) == title.lower())
    ).first()
    if taken is not None:
        raise ConflictError(f"a saved reply titled {title!r} exists already (id {taken.id}); remove it first")
    new_id = conn.execute(
        saved_replies.insert().values(title=title, body=body, tags=tags, created_at=at, created_by=by, updated_at=at)
    ).inserted_primary_key[0]  # type: ignore[index]
    return get_saved_reply(conn, int(new_id))


def get_saved_reply(conn: Connection, reply_id: int) -> SavedReply:
    row = conn.execute(select(saved_replies).where(saved_replies.c.id == reply_id)).first()
    if row is None:
        raise NotFoundError(f"no saved reply {reply_id}")
    return _reply(row)


def list_saved_replies(conn: Connection, *, tag: str | None = None) -> list[SavedReply]:
    """Every saved reply by title; with `tag`, only those carrying it (tags are few: filtered here)."""
    rows = [_reply(r) for r in conn.execute(select(saved_replies).order_by(func.lower(saved_replies.c.title)))]
    if tag is not None:
        rows = [r for r in rows if tag.lower() in (t.lower() for t in r.tags)]
    return rows


def remove_saved_reply(conn: Connection, reply_id: int) -> SavedReply:
    reply = get_saved_reply(conn, reply_id)
    conn.execute(delete(saved_replies).where(saved_replies.c.id == reply_id))
    return reply

"""The brand's own messages for the give-versus-take audit, their stored
readings (`give_take_readings`), and the reply figures per platform."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, case, delete, func, insert, select
from sqlalchemy.orm import aliased

from goodwill.store.tables import give_take_readings, messages, threads

_CHUNK = 500


class OwnMessage(NamedTuple):
    """One of the brand's own messages, with what people did with it."""

    id: int
    platform: str
    kind: str
    text: str
    created_at: datetime
    url: str | None
    is_reply: bool
    is_repost: bool
    metrics: dict[str, Any]
    replies: int  # people's replies to it in the store
    thread_id: int | None


class StoredReading(NamedTuple):
    message_id: int
    text_sha: str
    kind: str
    subtype: str
    score: float
    reasons: list[str]
    model_version: str


class ReplyTimes(NamedTuple):
    """A thread people started: when they first wrote and when the brand first answered (None: not yet)."""

    platform: str
    asked_at: datetime
    answered_at: datetime | None


def _between(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    where = []
    if start is not None:
        where.append(column >= start)
    if end is not None:
        where.append(column < end)
    return where


def own_messages(conn: Connection, start: datetime | None = None, end: datetime | None = None) -> list[OwnMessage]:
    """The brand's messages written in [start, end), not deleted, oldest first."""
    child = aliased(messages)
    replies = (
        select(func.count())
        .where(child.c.platform == messages.c.platform, child.c.reply_to_id == messages.c.platform_id,
               child.c.is_brand.is_(False), child.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    query = (
        select(messages.c.id, messages.c.platform, messages.c.kind, messages.c.text, messages.c.created_at,
               messages.c.url, messages.c.reply_to_id, messages.c.repost_of_id, messages.c.metrics, replies.label("replies"),
               threads.c.id.label("thread_id"))
        .select_from(messages.outerjoin(threads, and_(threads.c.platform == messages.c.platform,
                                                      threads.c.root_platform_id == messages.c.thread_root_id)))
        .where(messages.c.is_brand.is_(True), messages.c.deleted_at.is_(None),
               *_between(messages.c.created_at, start, end))
        .order_by(messages.c.created_at, messages.c.id)
    )
    return [
        OwnMessage(r.id, r.platform, r.kind, r.text, r.created_at, r.url, r.reply_to_id is not None,
                   r.repost_of_id is not None, dict(r.metrics or {}), int(r.replies), r.thread_id)
        for r in conn.execute(query)
    ]


def readings(conn: Connection, ids: Sequence[int]) -> dict[int, StoredReading]:
    """The stored readings of these messages."""
    out: dict[int, StoredReading] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        for r in conn.execute(select(give_take_readings).where(give_take_readings.c.message_id.in_(chunk))):
            out[r.message_id] = StoredReading(r.message_id, r.text_sha, r.kind, r.subtype, float(r.score),
                                              list(r.reasons), r.model_version)
    return out


def save_readings(conn: Connection, rows: Iterable[StoredReading]) -> int:
    """Store readings, replacing any older ones of the same messages."""
    batch = [r._asdict() for r in rows]
    for i in range(0, len(batch), _CHUNK):
        chunk = batch[i : i + _CHUNK]
        conn.execute(delete(give_take_readings).where(give_take_readings.c.message_id.in_([r["message_id"] for r in chunk])))
        conn.execute(insert(give_take_readings), chunk)
    return len(batch)


def reply_times(conn: Connection, start: datetime | None = None, end: datetime | None = None) -> list[ReplyTimes]:
    """Threads people started in [start, end): per platform, the first message
    of people and the brand's first message after it."""
    first_asked = (
        select(messages.c.platform, messages.c.thread_root_id, func.min(messages.c.created_at).label("asked_at"))
        .select_from(messages.join(threads, and_(threads.c.platform == messages.c.platform,
                                                 threads.c.root_platform_id == messages.c.thread_root_id)))
        .where(messages.c.is_brand.is_(False), messages.c.deleted_at.is_(None), threads.c.root_is_brand.is_(False))
        .group_by(messages.c.platform, messages.c.thread_root_id)
        .subquery()
    )
    brand = aliased(messages)
    answered = func.min(case((brand.c.created_at >= first_asked.c.asked_at, brand.c.created_at)))
    query = (
        select(first_asked.c.platform, first_asked.c.asked_at, answered.label("answered_at"))
        .select_from(first_asked.outerjoin(brand, and_(
            brand.c.platform == first_asked.c.platform, brand.c.thread_root_id == first_asked.c.thread_root_id,
            brand.c.is_brand.is_(True), brand.c.deleted_at.is_(None))))
        .where(*_between(first_asked.c.asked_at, start, end))
        .group_by(first_asked.c.platform, first_asked.c.thread_root_id, first_asked.c.asked_at)
    )
    return [ReplyTimes(r.platform, r.asked_at, r.answered_at) for r in conn.execute(query)]

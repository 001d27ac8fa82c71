"""Signals in the store: `message_signals`, one row per message.

Import writes the signals of each new message in the same transaction as the
message (the rows are computed by `goodwill.ingest.prepare`); the
understanding service backfills messages that have none, or whose signals
came from other models, through `missing` and `write_signals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from goodwill.domain.signals import SIGNAL_COLUMNS
from goodwill.store.tables import message_signals, messages

#: Columns after message_id, in the order of a signals row.
COLUMNS = SIGNAL_COLUMNS
_JSON = {"intent_scores", "aspects"}


def _sql(dialect: str) -> str:
    cols = ", ".join(("message_id", *COLUMNS))
    if dialect == "sqlite":
        values = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    else:
        values = ", ".join("%s::json" if c in _JSON else "%s" for c in ("message_id", *COLUMNS))
    update = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS)
    return f"INSERT INTO message_signals ({cols}) VALUES ({values}) ON CONFLICT (message_id) DO UPDATE SET {update}"


def write_signals(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert or replace signal rows, each `[message_id, *COLUMNS]`, in the caller's transaction."""
    if not rows:
        return
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(_sql(conn.dialect.name), [list(r) for r in rows])
    finally:
        cursor.close()


def _lacking(version: str) -> Any:
    return (message_signals.c.message_id.is_(None)) | (message_signals.c.model_version != version)


def missing(conn: Connection, version: str, *, after: int = 0, limit: int = 5000) -> list[tuple[int, str, bool]]:
    """(id, text, is_brand) of up to `limit` messages after id `after`, in id
    order, that have no signals from model version `version`."""
    stmt = (
        select(messages.c.id, messages.c.text, messages.c.is_brand)
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where(messages.c.id > after)
        .where(_lacking(version))
        .order_by(messages.c.id)
        .limit(limit)
    )
    return [(int(i), t, bool(b)) for i, t, b in conn.execute(stmt)]


def count_missing(conn: Connection, version: str) -> int:
    """Messages without signals from `version`."""
    stmt = (
        select(func.count())
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where(_lacking(version))
    )
    return int(conn.execute(stmt).scalar() or 0)

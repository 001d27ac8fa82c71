"""Keeping signals in the store: `message_signals`, one row per message.

Import writes the signals of each new message in the same transaction as the
message (the rows are computed in `goodwill.ingest.prepare.prepare`). `backfill`
fills in messages that have none, or whose signals came from other models
(after a model upgrade), in batches, each its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, select

from goodwill.domain.signals import INTENTS, SENTIMENTS
from goodwill.store import Store
from goodwill.store.tables import message_signals, messages
from goodwill.understand.signals import SignalBatch

if TYPE_CHECKING:
    from goodwill.understand.enrich import Mode

#: Columns after message_id, in the order of `signal_rows`.
COLUMNS = ("language", "sentiment", "sentiment_negative", "sentiment_neutral", "sentiment_positive", "intent", "intent_scores",
           "needs_response", "urgency", "aspects", "promotional", "model_version")
_JSON = {"intent_scores", "aspects"}


def signal_rows(batch: SignalBatch) -> list[list[Any]]:
    """Plain, JSON-able rows for the store (JSON columns already serialised)."""
    rows: list[list[Any]] = []
    sent = batch.sentiment_scores.round(4).tolist()
    intents = batch.intent_scores.round(4).tolist()
    for i in range(len(batch)):
        s, it = sent[i], intents[i]
        rows.append([
            batch.language[i], SENTIMENTS[s.index(max(s))], s[0], s[1], s[2], INTENTS[it.index(max(it))],
            orjson.dumps(dict(zip(INTENTS, it, strict=True))).decode(), bool(batch.needs_response[i]), batch.urgency[i],
            orjson.dumps(batch.aspects[i]).decode(), round(float(batch.promotional[i]), 3), batch.model_version,
        ])
    return rows


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


def backfill(
    store: Store,
    *,
    sentiment: Mode = "fast",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute and store signals for messages that lack them or whose
    model_version differs from the current models'. Returns how many.

    :param sentiment: as for `enrich`; "cascade" re-scores the sentiment of
        the messages that need a response with the accurate model."""
    from goodwill.understand.enrich import enrich, model_version

    version = model_version(sentiment)
    done = 0
    last = 0
    while True:
        with store.begin() as conn:
            stmt = (
                select(messages.c.id, messages.c.text, messages.c.is_brand)
                .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
                .where(messages.c.id > last)
                .where((message_signals.c.message_id.is_(None)) | (message_signals.c.model_version != version))
                .order_by(messages.c.id)
                .limit(batch_size)
            )
            found = conn.execute(stmt).all()
            if not found:
                return done
            batch = enrich([r.text for r in found], sentiment=sentiment, is_brand=[bool(r.is_brand) for r in found])
            write_signals(conn, [[r.id, *row] for r, row in zip(found, signal_rows(batch), strict=True)])
        last = found[-1].id
        done += len(found)
        if progress:
            progress(len(found))


def count_missing(conn: Connection, version: str) -> int:
    """Messages without signals from `version`."""
    from sqlalchemy import func

    stmt = (
        select(func.count())
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where((message_signals.c.message_id.is_(None)) | (message_signals.c.model_version != version))
    )
    return int(conn.execute(stmt).scalar() or 0)

"""Signals in the store: `message_signals`, one row per message.

Import writes the signals of each new message in the same transaction as the
message (the rows are computed by `goodwill.ingest.prepare`); the
understanding service backfills messages that have none, or whose signals
came from other models, through `missing` and `write_signals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, false, func, insert, literal, literal_column, select, true, update
from sqlalchemy.dialects.postgresql import JSONB

from goodwill.domain.signals import INTENTS, SIGNAL_COLUMNS, SignalFilter, is_provisional, signal_reasons
from goodwill.store import said_series
from goodwill.store.tables import message_signals, messages, signal_passes

#: Columns after message_id, in the order of a signals row.
COLUMNS = SIGNAL_COLUMNS
_JSON = {"intent_scores", "aspects", "reasons"}


def _sql(dialect: str) -> str:
    cols = ", ".join(("message_id", *COLUMNS))
    if dialect == "sqlite":
        values = ", ".join("?" for _ in range(len(COLUMNS) + 1))
    else:
        values = ", ".join("%s::json" if c in _JSON else "%s" for c in ("message_id", *COLUMNS))
    update = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS)
    return f"INSERT INTO message_signals ({cols}) VALUES ({values}) ON CONFLICT (message_id) DO UPDATE SET {update}"


def write_signals(conn: Connection, rows: Sequence[Sequence[Any]], *, note: bool = True) -> None:
    """Insert or replace signal rows, each `[message_id, *COLUMNS]`, in the caller's transaction; the writers'
    stage inputs follow (`said_series.note_messages`) unless `note` is False (the caller notes them itself)."""
    if not rows:
        return
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(_sql(conn.dialect.name), [list(r) for r in rows])
    finally:
        cursor.close()
    if note:
        said_series.note_messages(conn, [int(r[0]) for r in rows])


#: Signals from the fast models only: no encoder named in the intent part of the version (see `is_provisional`).
_PROVISIONAL = message_signals.c.model_version.not_like("%>%+%")


def _lacking(version: str, keep: Sequence[str]) -> Any:
    """No signals, or signals from other models than `version`. Signals from a version in `keep`
    (as good or better) stay; when `version` is the fast models', so do all signals the encoder read."""
    lacking: Any = message_signals.c.model_version.not_in([version, *keep])
    if is_provisional(version):
        lacking &= _PROVISIONAL
    return message_signals.c.message_id.is_(None) | lacking


def missing(conn: Connection, version: str, *, after: int = 0, limit: int = 5000, keep: Sequence[str] = (),
            force: bool = False) -> list[tuple[int, str, bool]]:
    """(id, text, is_brand) of up to `limit` messages after id `after`, in id
    order, that have no signals from model version `version` (nor from one in
    `keep`, nor better ones: see `_lacking`); with `force`, every message."""
    stmt = (
        select(messages.c.id, messages.c.text, messages.c.is_brand)
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where(messages.c.id > after)
        .order_by(messages.c.id)
        .limit(limit)
    )
    if not force:
        stmt = stmt.where(_lacking(version, keep))
    return [(int(i), t, bool(b)) for i, t, b in conn.execute(stmt)]


def count_missing(conn: Connection, version: str, *, keep: Sequence[str] = (), force: bool = False) -> int:
    """Messages `missing` would return (without its limit)."""
    stmt = select(func.count()).select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
    if not force:
        stmt = stmt.where(_lacking(version, keep))
    return int(conn.execute(stmt).scalar() or 0)


def count_pending(conn: Connection) -> int:
    """Messages the accurate pass has still to read: with no signals, or with the fast models' only."""
    stmt = (
        select(func.count())
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where(message_signals.c.message_id.is_(None) | _PROVISIONAL)
    )
    return int(conn.execute(stmt).scalar() or 0)


def version_counts(conn: Connection) -> dict[str, int]:
    """Stored signals by model version, the most common first."""
    n = func.count().label("n")
    rows = conn.execute(select(message_signals.c.model_version, n).group_by(message_signals.c.model_version).order_by(n.desc()))
    return {v: int(c) for v, c in rows}


# -- where a pass got to ------------------------------------------------------------


def pass_state(conn: Connection, name: str) -> dict[str, Any] | None:
    """The checkpoint of pass `name` (model_version, last_message_id, done, started_at, updated_at, finished_at)."""
    row = conn.execute(select(signal_passes).where(signal_passes.c.name == name)).mappings().first()
    return None if row is None else dict(row)


def save_pass(conn: Connection, name: str, state: dict[str, Any]) -> None:
    """Write the checkpoint of pass `name` in the caller's transaction (with the batch it follows)."""
    values = {k: state[k] for k in ("model_version", "last_message_id", "done", "started_at", "updated_at", "finished_at")}
    if conn.execute(update(signal_passes).where(signal_passes.c.name == name).values(**values)).rowcount == 0:
        conn.execute(insert(signal_passes).values(name=name, **values))


def newest_message_id(conn: Connection) -> int:
    """The highest message id stored (0 when there are none)."""
    return int(conn.execute(select(func.max(messages.c.id))).scalar() or 0)


def rewind_passes(conn: Connection, first_id: int) -> None:
    """Messages from id `first_id` on have fast signals again (an edit, a forced fast run): every
    pass that got past them reads on from just before them (in the caller's transaction)."""
    conn.execute(update(signal_passes).where(signal_passes.c.last_message_id >= first_id)
                 .values(last_message_id=first_id - 1, finished_at=None))


#: The columns a listed message's signals are read from (outer-joined: a message may have none yet).
READ_COLUMNS = (
    message_signals.c.sentiment.label("s_sentiment"),
    message_signals.c.sentiment_negative.label("s_negative"),
    message_signals.c.sentiment_neutral.label("s_neutral"),
    message_signals.c.sentiment_positive.label("s_positive"),
    message_signals.c.intent.label("s_intent"),
    message_signals.c.needs_response.label("s_needs_response"),
    message_signals.c.urgency.label("s_urgency"),
    message_signals.c.aspects.label("s_aspects"),
    message_signals.c.model_version.label("s_model_version"),
    message_signals.c.reasons.label("s_reasons"),
)


def signals_of(row: Any) -> dict[str, Any] | None:
    """A row's signals (read through READ_COLUMNS) as the pages and the API show them, or
    None when the message has none yet. Each label comes with its reason in words."""
    if row.s_sentiment is None:
        return None
    reasons = row.s_reasons or {}
    scores = {"negative": row.s_negative, "neutral": row.s_neutral, "positive": row.s_positive}
    return {
        "sentiment": row.s_sentiment,
        "sentiment_score": round(float(scores[row.s_sentiment]), 2),
        "intent": row.s_intent,
        "needs_response": bool(row.s_needs_response),
        "urgency": row.s_urgency,
        "aspects": list(row.s_aspects or []),
        "reasons": signal_reasons(row.s_sentiment, scores[row.s_sentiment], row.s_intent, bool(row.s_needs_response),
                                  row.s_urgency, reasons),
        "provisional": is_provisional(row.s_model_version),
        "model_version": row.s_model_version,
    }


def signal_where(conn: Connection, wanted: SignalFilter) -> list[Any]:
    """WHERE terms on `message_signals` for a filter (the caller joins the table)."""
    terms: list[Any] = []
    if wanted.sentiment is not None:
        terms.append(message_signals.c.sentiment == wanted.sentiment)
    if wanted.intent is not None:
        terms.append(message_signals.c.intent == wanted.intent)
    if wanted.needs_response is not None:
        terms.append(message_signals.c.needs_response == wanted.needs_response)
    if wanted.urgency is not None:
        terms.append(message_signals.c.urgency == wanted.urgency)
    if wanted.aspect is not None:
        aspect = wanted.aspect.strip().lower()
        if conn.dialect.name == "sqlite":
            terms.append(
                select(literal(1)).select_from(func.json_each(message_signals.c.aspects).table_valued("value"))
                .where(literal_column("value") == aspect).exists()
            )
        else:
            terms.append(message_signals.c.aspects.cast(JSONB).op("@>")(func.jsonb_build_array(aspect)))
    return terms


def signal_counts(conn: Connection) -> dict[str, Any]:
    """Messages by intent, and how many need a response or are urgent (others' messages only:
    the brand's own are never waiting for the brand)."""
    others = (messages.c.is_brand == false(),)
    joined = message_signals.join(messages, messages.c.id == message_signals.c.message_id)
    by_intent = {
        intent: int(n)
        for intent, n in conn.execute(
            select(message_signals.c.intent, func.count()).select_from(joined).where(*others)
            .group_by(message_signals.c.intent)
        )
    }
    needs, urgent, provisional_n, total = conn.execute(
        select(
            func.sum(case((message_signals.c.needs_response == true(), 1), else_=0)),
            func.sum(case((message_signals.c.urgency == "high", 1), else_=0)),
            func.sum(case((_PROVISIONAL, 1), else_=0)),
            func.count(),
        ).select_from(joined).where(*others)
    ).one()
    return {
        "messages_with_signals": int(total or 0),
        "by_intent": {i: by_intent.get(i, 0) for i in INTENTS},
        "needs_response": int(needs or 0),
        "urgent": int(urgent or 0),
        "provisional": int(provisional_n or 0),
    }

"""Full-text search over messages: SQLite FTS5 or PostgreSQL full-text search."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Float, func, select, text

from goodwill.domain.signals import SignalFilter
from goodwill.domain.timeparse import iso_utc
from goodwill.store.signals import READ_COLUMNS, signal_where, signals_of
from goodwill.store.tables import accounts, message_signals, messages

_TOKEN = re.compile(r'"[^"]+"|\S+')
#: Best-match search ranks at most this many of the most recently stored matches.
RANK_WINDOW = 2000


def fts5_query(query: str) -> str:
    """A user's words as a safe FTS5 query: every word must appear; `word*`
    matches a prefix; "quoted words" match a phrase."""
    terms = []
    for token in _TOKEN.findall(query):
        prefix = token.endswith("*") and not token.startswith('"')
        word = token.strip('"').rstrip("*") if not token.startswith('"') else token[1:-1]
        word = word.replace('"', '""').strip()
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms)


def search(conn: Connection, query: str, *, limit: int = 20, newest_first: bool = False,
           wanted: SignalFilter | None = None) -> list[dict[str, Any]]:
    """Messages matching `query` by full text, best match first (or newest first), each with
    its signals; `wanted` keeps only messages whose signals match (among the same window of
    most recent matches when ranking)."""
    cols = (
        messages.c.id,
        messages.c.platform,
        messages.c.platform_id,
        messages.c.created_at,
        messages.c.text,
        messages.c.is_brand,
        messages.c.thread_root_id,
        accounts.c.handle,
        *READ_COLUMNS,
    )
    joined = messages.join(accounts, accounts.c.id == messages.c.account_id).outerjoin(
        message_signals, message_signals.c.message_id == messages.c.id
    )
    where = signal_where(conn, wanted) if wanted is not None and wanted.active else []
    if conn.dialect.name == "sqlite":
        match = fts5_query(query)
        if not match:
            return []
        if newest_first and not where:
            sql = "SELECT rowid, 0 AS rank FROM messages_fts WHERE messages_fts MATCH :q ORDER BY rowid DESC LIMIT :window"
        else:
            # Ranking every match of a common word cost up to 330 ms on a million
            # messages (benchmarks/RESULTS.md); rank the most recently stored ones.
            sql = (
                "SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :window"
            )
        window = limit if newest_first and not where else RANK_WINDOW
        found = text(sql).bindparams(q=match, window=window).columns(
            rowid=messages.c.id.type, rank=Float()
        ).subquery()
        order_by: tuple[Any, ...] = (found.c.rowid.desc(),) if newest_first else (found.c.rank, found.c.rowid.desc())
    else:
        vector = func.to_tsvector("english", messages.c.text)
        tsquery = func.websearch_to_tsquery("english", query)
        found = (
            select(messages.c.id.label("rowid"), func.ts_rank(vector, tsquery).label("score"))
            .where(vector.op("@@")(tsquery))
            .order_by(messages.c.id.desc())
            .limit(limit if newest_first and not where else RANK_WINDOW)
            .subquery()
        )
        order_by = (found.c.rowid.desc(),) if newest_first else (found.c.score.desc(), found.c.rowid.desc())
    ordered = list(
        conn.execute(
            select(*cols).select_from(joined.join(found, found.c.rowid == messages.c.id))
            .where(*where).order_by(*order_by).limit(limit)
        )
    )
    return [
        {
            "id": r.id,
            "platform": r.platform,
            "platform_id": r.platform_id,
            "author": r.handle,
            "created_at": iso_utc(r.created_at),
            "text": r.text,
            "is_brand": bool(r.is_brand),
            "thread_root_id": r.thread_root_id,
            "signals": signals_of(r),
        }
        for r in ordered
    ]

"""Full-text search over messages: SQLite FTS5 or PostgreSQL full-text search."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, func, select, text

from goodwill.domain.timeparse import iso_utc
from goodwill.store.tables import accounts, messages

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


def search(conn: Connection, query: str, *, limit: int = 20, newest_first: bool = False) -> list[dict[str, Any]]:
    """Messages matching `query` by full text, best match first (or newest first)."""
    cols = (
        messages.c.id,
        messages.c.platform,
        messages.c.platform_id,
        messages.c.created_at,
        messages.c.text,
        messages.c.is_brand,
        messages.c.thread_root_id,
        accounts.c.handle,
    )
    if conn.dialect.name == "sqlite":
        match = fts5_query(query)
        if not match:
            return []
        if newest_first:
            sql = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q ORDER BY rowid DESC LIMIT :n"
        else:
            # Ranking every match of a common word cost up to 330 ms on a million
            # messages (benchmarks/RESULTS.md); rank the most recently stored ones.
            sql = (
                "SELECT rowid FROM (SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH :q "
                "ORDER BY rowid DESC LIMIT :window) ORDER BY rank, rowid DESC LIMIT :n"
            )
        ids = [row[0] for row in conn.execute(text(sql), {"q": match, "n": limit, "window": RANK_WINDOW})]
        if not ids:
            return []
        rows = {
            r.id: r
            for r in conn.execute(
                select(*cols).join(accounts, accounts.c.id == messages.c.account_id).where(messages.c.id.in_(ids))
            )
        }
        ordered = [rows[i] for i in ids if i in rows]
    else:
        vector = func.to_tsvector("english", messages.c.text)
        tsquery = func.websearch_to_tsquery("english", query)
        recent = (
            select(messages.c.id, func.ts_rank(vector, tsquery).label("score"))
            .where(vector.op("@@")(tsquery))
            .order_by(messages.c.id.desc())
            .limit(limit if newest_first else RANK_WINDOW)
            .subquery()
        )
        order_by = (recent.c.id.desc(),) if newest_first else (recent.c.score.desc(), recent.c.id.desc())
        ordered = list(
            conn.execute(
                select(*cols)
                .join(recent, recent.c.id == messages.c.id)
                .join(accounts, accounts.c.id == messages.c.account_id)
                .order_by(*order_by)
                .limit(limit)
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
        }
        for r in ordered
    ]

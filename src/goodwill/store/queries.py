"""Read-side queries the services run: workspace status and full-text search."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, case, func, select, text

from goodwill.store.tables import (
    accounts,
    ingest_runs,
    interactions,
    messages,
    people,
    threads,
)

_TOKEN = re.compile(r'"[^"]+"|\S+')
#: Best-match search ranks at most this many of the most recently stored matches.
RANK_WINDOW = 2000


def status(conn: Connection, *, days: int = 14) -> dict[str, Any]:
    """Counts that describe the workspace, as plain data (the `status --json` document)."""

    def count(table: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    by_platform = {
        platform: {"messages": n, "brand_messages": int(b or 0)}
        for platform, n, b in conn.execute(
            select(
                messages.c.platform,
                func.count(),
                func.sum(case((messages.c.is_brand, 1), else_=0)),
            ).group_by(messages.c.platform).order_by(messages.c.platform)
        )
    }
    customer = ~threads.c.root_is_brand
    thread_counts = conn.execute(
        select(
            func.count(),
            func.sum(case((customer, 1), else_=0)),
            func.sum(case((and_(customer, threads.c.brand_message_count > 0), 1), else_=0)),
        )
    ).one()
    latest = conn.execute(select(func.max(messages.c.created_at))).scalar()
    earliest = conn.execute(select(func.min(messages.c.created_at))).scalar()
    by_day: dict[str, dict[str, int]] = {}
    if latest is not None:
        start = (latest - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        day = func.substr(messages.c.created_at, 1, 10, type_=String)
        if conn.dialect.name == "postgresql":
            day = func.to_char(messages.c.created_at, "YYYY-MM-DD", type_=String)
        for d, platform, n in conn.execute(
            select(day, messages.c.platform, func.count())
            .where(messages.c.created_at >= start)
            .group_by(day, messages.c.platform)
            .order_by(day)
        ):
            by_day.setdefault(str(d), {})[platform] = int(n)
    incomplete = [
        {"run": r.id, "name": r.name, "records_done": r.records_done}
        for r in conn.execute(
            select(ingest_runs.c.id, ingest_runs.c.name, ingest_runs.c.records_done).where(
                ingest_runs.c.status != "done", ingest_runs.c.kind == "file"
            )
        )
    ]
    return {
        "messages": sum(p["messages"] for p in by_platform.values()),
        "brand_messages": sum(p["brand_messages"] for p in by_platform.values()),
        "threads": int(thread_counts[0]),
        "customer_threads": int(thread_counts[1] or 0),
        "answered_threads": int(thread_counts[2] or 0),
        "unanswered_threads": int(thread_counts[1] or 0) - int(thread_counts[2] or 0),
        "accounts": count(accounts),
        "brand_accounts": count(accounts, accounts.c.is_brand),
        "people": count(people),
        "interactions": count(interactions),
        "by_platform": by_platform,
        "by_day": by_day,
        "first_message_at": _iso(earliest),
        "last_message_at": _iso(latest),
        "incomplete_imports": incomplete,
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
            "created_at": _iso(r.created_at),
            "text": r.text,
            "is_brand": bool(r.is_brand),
            "thread_root_id": r.thread_root_id,
        }
        for r in ordered
    ]

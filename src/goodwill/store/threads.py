"""Read-side queries behind the conversation list, thread and person pages.

Lists page by keyset (a cursor on stable ids), never by OFFSET, so the last
page costs what the first does on a million messages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, and_, case, false, func, or_, select, text, tuple_
from sqlalchemy.sql import Select

from goodwill.domain.threads import ThreadFilter
from goodwill.domain.timeparse import iso_utc
from goodwill.errors import FieldError, NotFoundError
from goodwill.store.kept import KeptRows
from goodwill.store.search import RANK_WINDOW, fts5_query
from goodwill.store.signals import READ_COLUMNS, signal_where, signals_of
from goodwill.store.tables import accounts, interactions, message_days, message_signals, messages, people, threads

#: A text search narrows the list to threads holding one of this many most recent matches.
SEARCH_WINDOW = RANK_WINDOW
#: Longest thread shown whole; longer ones show their first messages.
THREAD_LIMIT = 1000


def encode_cursor(at: datetime, ident: int) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{ident}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, ident = raw.split("|")
        moment = datetime.fromisoformat(at)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        number = int(ident)
        if not (1 <= number < 2**63 and 1 < moment.year < 9999):
            raise ValueError("out of range")
        return moment, number
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise FieldError("cursor", "not a cursor this list handed out") from None


def _snippet(value: str | None, size: int = 280) -> str:
    if value is None:
        return ""
    return value if len(value) <= size else value[: size - 1].rstrip() + "…"


def _pairs(platform_col: Any, id_col: Any, pairs: Iterable[tuple[str, str]]) -> Any:
    """`(platform, id) IN pairs`, written as one IN list per platform: SQLite walks a
    whole index for a row-value IN, but seeks the unique index for these."""
    grouped: dict[str, set[str]] = {}
    for platform, ident in pairs:
        grouped.setdefault(platform, set()).add(ident)
    if not grouped:
        return false()
    return or_(*(and_(platform_col == platform, id_col.in_(sorted(ids))) for platform, ids in grouped.items()))


def _matching_roots(conn: Connection, q: str) -> Select[Any] | None:
    """(platform, thread_root_id) of the most recent messages matching `q`, or None when `q` has no words."""
    if conn.dialect.name == "sqlite":
        match = fts5_query(q)
        if not match:
            return None
        ids = text(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q ORDER BY rowid DESC LIMIT :window"
        ).bindparams(q=match, window=SEARCH_WINDOW).columns(rowid=messages.c.id.type).subquery()
        return select(messages.c.platform, messages.c.thread_root_id).where(messages.c.id.in_(select(ids.c.rowid)))
    vector = func.to_tsvector("english", messages.c.text).op("@@")(func.websearch_to_tsquery("english", q))
    recent = select(messages.c.id).where(vector).order_by(messages.c.id.desc()).limit(SEARCH_WINDOW).subquery()
    return select(messages.c.platform, messages.c.thread_root_id).where(messages.c.id.in_(select(recent.c.id)))


def list_threads(conn: Connection, filters: ThreadFilter, *, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Threads, latest activity first, with their first message and its author."""
    query = select(
        threads.c.id,
        threads.c.platform,
        threads.c.root_platform_id,
        threads.c.root_is_brand,
        threads.c.message_count,
        threads.c.brand_message_count,
        threads.c.first_at,
        threads.c.last_at,
        messages.c.text.label("root_text"),
        messages.c.kind.label("root_kind"),
        accounts.c.handle.label("root_handle"),
        accounts.c.display_name.label("root_name"),
        accounts.c.person_id.label("root_person_id"),
        *READ_COLUMNS,
    ).select_from(
        # The first message, its author and its signals, by one seek on each unique key per listed thread.
        threads.outerjoin(
            messages, and_(messages.c.platform == threads.c.platform, messages.c.platform_id == threads.c.root_platform_id)
        ).outerjoin(accounts, accounts.c.id == messages.c.account_id)
        .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
    )
    if filters.signals.active:
        query = query.where(*signal_where(conn, filters.signals))
    if filters.platform:
        query = query.where(threads.c.platform == filters.platform)
    if filters.since:
        query = query.where(threads.c.last_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until and filters.until < date.max:  # the last day there is bounds nothing
        query = query.where(threads.c.last_at < datetime.combine(filters.until + timedelta(days=1), time(), UTC))
    if filters.answered is not None:
        query = query.where(~threads.c.root_is_brand)
        query = query.where(threads.c.brand_message_count > 0 if filters.answered else threads.c.brand_message_count == 0)
    roots_found: set[tuple[str, str]] | None = None
    if filters.q and filters.q.strip():
        matching = _matching_roots(conn, filters.q)
        if matching is None:
            return {"items": [], "next_cursor": None}
        roots_found = {(r[0], r[1]) for r in conn.execute(matching)}
        query = query.where(_pairs(threads.c.platform, threads.c.root_platform_id, roots_found))
    after = decode_cursor(cursor) if cursor else None
    if roots_found is not None:
        # At most SEARCH_WINDOW threads match: fetch them by key and page here, which
        # keeps the planner from walking the last_at index past every other thread.
        found = sorted(conn.execute(query), key=lambda r: (r.last_at, r.id), reverse=True)
        if after is not None:
            found = [r for r in found if (r.last_at, r.id) < after]
        rows = found[: limit + 1]
    else:
        if after is not None:
            at = after[0].astimezone(UTC).replace(tzinfo=None)
            query = query.where(tuple_(threads.c.last_at, threads.c.id) < tuple_(at, after[1]))
        rows = list(conn.execute(query.order_by(threads.c.last_at.desc(), threads.c.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_listed_thread(r) for r in rows]
    next_cursor = encode_cursor(rows[-1].last_at, rows[-1].id) if more else None
    return {"items": items, "next_cursor": next_cursor}


_KEPT: KeptRows[bytes, dict[str, Any]] = KeptRows(8192)  # listed threads, under the row they were made from


def _listed_thread(r: Any) -> dict[str, Any]:
    """A row of `list_threads` as the list shows it."""
    key = orjson.dumps(tuple(r))
    item = _KEPT.get(key)
    if item is None:
        item = {
            "id": r.id,
            "platform": r.platform,
            "root_platform_id": r.root_platform_id,
            "started_by_brand": bool(r.root_is_brand),
            "answered": (not r.root_is_brand) and r.brand_message_count > 0,
            "message_count": r.message_count,
            "brand_message_count": r.brand_message_count,
            "first_at": iso_utc(r.first_at),
            "last_at": iso_utc(r.last_at),
            # A reply whose parent was never imported roots a thread with no stored first message.
            "root": None if r.root_handle is None else {
                "author": r.root_handle,
                "author_name": r.root_name,
                "person_id": r.root_person_id,
                "kind": r.root_kind,
                "text": _snippet(r.root_text),
                "signals": signals_of(r),
            },
        }
        _KEPT.put(key, item)
    return item


def _message_dict(m: Any) -> dict[str, Any]:
    return {
        "id": m.id,
        "platform": m.platform,
        "platform_id": m.platform_id,
        "kind": m.kind,
        "created_at": iso_utc(m.created_at),
        "text": m.text,
        "url": m.url,
        "reply_to_id": m.reply_to_id,
        "thread_root_id": m.thread_root_id,
        "is_brand": bool(m.is_brand),
        "author": m.handle,
        "author_name": m.display_name,
        "account_id": m.account_id,
        "person_id": m.person_id,
        "signals": signals_of(m),
    }


_MESSAGE_COLS = (
    messages.c.id, messages.c.platform, messages.c.platform_id, messages.c.kind, messages.c.created_at,
    messages.c.text, messages.c.url, messages.c.reply_to_id, messages.c.thread_root_id, messages.c.is_brand,
    messages.c.account_id, accounts.c.handle, accounts.c.display_name, accounts.c.person_id, *READ_COLUMNS,
)


def _with_author_and_signals(query: Select[Any]) -> Select[Any]:
    return query.select_from(
        messages.join(accounts, accounts.c.id == messages.c.account_id)
        .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
    )


def get_thread(conn: Connection, thread_id: int) -> dict[str, Any]:
    """A thread and its messages in the order they were written."""
    t = conn.execute(select(threads).where(threads.c.id == thread_id)).first()
    if t is None:
        raise NotFoundError(f"no thread {thread_id}")
    rows = list(
        conn.execute(
            _with_author_and_signals(select(*_MESSAGE_COLS))
            .where(messages.c.platform == t.platform, messages.c.thread_root_id == t.root_platform_id)
            .order_by(messages.c.created_at, messages.c.id)
            .limit(THREAD_LIMIT)
        )
    )
    return {
        "id": t.id,
        "platform": t.platform,
        "root_platform_id": t.root_platform_id,
        "started_by_brand": bool(t.root_is_brand),
        "answered": (not t.root_is_brand) and t.brand_message_count > 0,
        "message_count": t.message_count,
        "brand_message_count": t.brand_message_count,
        "first_at": iso_utc(t.first_at),
        "last_at": iso_utc(t.last_at),
        "messages": [_message_dict(m) for m in rows],
        "truncated": t.message_count > len(rows) and len(rows) == THREAD_LIMIT,
    }


def thread_id_of(conn: Connection, platform: str, root_platform_id: str) -> int | None:
    return conn.execute(
        select(threads.c.id).where(threads.c.platform == platform, threads.c.root_platform_id == root_platform_id)
    ).scalar()


def get_person(conn: Connection, person_id: int, *, before: int | None = None, limit: int = 50) -> dict[str, Any]:
    """A person: their accounts, their messages newest first (by keyset on message id) and interactions."""
    p = conn.execute(select(people).where(people.c.id == person_id)).first()
    if p is None:
        raise NotFoundError(f"no person {person_id}")
    accts = list(conn.execute(select(accounts).where(accounts.c.person_id == person_id).order_by(accounts.c.id)))
    ids = [a.id for a in accts]
    query = (
        _with_author_and_signals(select(*_MESSAGE_COLS))
        .where(messages.c.account_id.in_(ids))
        .order_by(messages.c.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(messages.c.id < before)
    rows = list(conn.execute(query)) if ids else []
    more = len(rows) > limit
    rows = rows[:limit]
    thread_ids = {
        (r.platform, r.root_platform_id): r.id
        for r in conn.execute(
            select(threads.c.id, threads.c.platform, threads.c.root_platform_id).where(
                _pairs(threads.c.platform, threads.c.root_platform_id, {(m.platform, m.thread_root_id) for m in rows})
            )
        )
    } if rows else {}
    items = []
    for m in rows:
        d = _message_dict(m)
        d["thread_id"] = thread_ids.get((m.platform, m.thread_root_id))
        items.append(d)
    other = accounts.alias("other")
    found: list[dict[str, Any]] = []
    if ids:
        for direction, mine, theirs in (
            ("out", interactions.c.source_account_id, interactions.c.target_account_id),
            ("in", interactions.c.target_account_id, interactions.c.source_account_id),
        ):
            for r in conn.execute(
                select(interactions.c.id, interactions.c.kind, interactions.c.created_at, interactions.c.message_id,
                       other.c.handle, other.c.platform, other.c.person_id, other.c.is_brand)
                .join(other, other.c.id == theirs)
                .where(mine.in_(ids))
                .order_by(interactions.c.id.desc())
                .limit(25)
            ):
                found.append({
                    "id": r.id, "kind": r.kind, "direction": direction, "created_at": iso_utc(r.created_at),
                    "message_id": r.message_id, "other": r.handle, "other_platform": r.platform,
                    "other_person_id": r.person_id, "other_is_brand": bool(r.is_brand),
                })
    found.sort(key=lambda i: (i["created_at"] or "", i["id"]), reverse=True)
    return {
        "id": p.id,
        "display_name": p.display_name,
        "created_at": iso_utc(p.created_at),
        "accounts": [
            {"id": a.id, "platform": a.platform, "handle": a.handle, "display_name": a.display_name,
             "is_brand": bool(a.is_brand), "first_seen_at": iso_utc(a.first_seen_at)}
            for a in accts
        ],
        "messages": items,
        "next_before": rows[-1].id if more and rows else None,
        "interactions": found[:50],
    }


def unanswered(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    return list(list_threads(conn, ThreadFilter(answered=False), limit=limit)["items"])


def platforms(conn: Connection) -> list[str]:
    """Platforms that have threads (small: one row per platform from the index)."""
    found: list[str] = []
    last = ""
    # Skip-scan by hand: each step is one index seek, where DISTINCT would read every thread.
    while True:
        nxt = conn.execute(select(threads.c.platform).where(threads.c.platform > last).order_by(threads.c.platform).limit(1)).scalar()
        if nxt is None:
            return found
        found.append(nxt)
        last = nxt



def overview_counts(conn: Connection, *, days: int = 14) -> dict[str, Any]:
    """The `goodwill status --json` document, with messages counted from `message_days`
    (a few rows a day) rather than from every message."""
    by_platform = {
        platform: {"messages": int(n), "brand_messages": int(b or 0)}
        for platform, n, b in conn.execute(
            select(message_days.c.platform, func.sum(message_days.c.messages), func.sum(message_days.c.brand_messages))
            .group_by(message_days.c.platform)
            .order_by(message_days.c.platform)
        )
    }
    latest_day = conn.execute(select(func.max(message_days.c.day))).scalar()
    by_day: dict[str, dict[str, int]] = {}
    if latest_day is not None:
        start = (date.fromisoformat(latest_day) - timedelta(days=days - 1)).isoformat()
        for day, platform, n in conn.execute(
            select(message_days.c.day, message_days.c.platform, message_days.c.messages)
            .where(message_days.c.day >= start)
            .order_by(message_days.c.day, message_days.c.platform)
        ):
            by_day.setdefault(day, {})[platform] = int(n)
    customer = ~threads.c.root_is_brand
    total, started_by_others, answered = conn.execute(
        select(
            func.count(),
            func.sum(case((customer, 1), else_=0)),
            func.sum(case((and_(customer, threads.c.brand_message_count > 0), 1), else_=0)),
        )
    ).one()

    def count(table: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    return {
        "messages": sum(p["messages"] for p in by_platform.values()),
        "brand_messages": sum(p["brand_messages"] for p in by_platform.values()),
        "threads": int(total),
        "customer_threads": int(started_by_others or 0),
        "answered_threads": int(answered or 0),
        "unanswered_threads": int(started_by_others or 0) - int(answered or 0),
        "accounts": count(accounts),
        "people": count(people),
        "by_platform": by_platform,
        "by_day": by_day,
        "first_message_at": iso_utc(conn.execute(select(func.min(messages.c.created_at))).scalar()),
        "last_message_at": iso_utc(conn.execute(select(func.max(messages.c.created_at))).scalar()),
    }

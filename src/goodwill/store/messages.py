"""Messages in the store: the ingest write path (accounts, messages, threads,
interactions, people, per-day counts), edits and deletions, ingest runs, and
looking messages up.

Ingest (`goodwill.ingest.writer`) decides what to write; these functions
write it, each inside the caller's transaction. The hot path goes through the
driver's own cursor, skipping SQLAlchemy's per-row parameter processing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, func, literal_column, or_, select, text
from sqlalchemy.dialects import postgresql

from goodwill.domain.messages import MESSAGE_ROW_COLUMNS
from goodwill.domain.sources import ReplyTarget
from goodwill.errors import ConfigError, NotFoundError
from goodwill.store.tables import UTCDateTime, accounts, ingest_runs, message_signals, messages

#: Most values one `IN (...)` list carries (SQLite's default limit is 999 parameters).
CHUNK = 900


def by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(platform, key) pairs grouped by platform."""
    out: dict[str, list[str]] = {}
    for platform, key in keys:
        out.setdefault(platform, []).append(key)
    return out


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def one_of(conn: Connection, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values` with the values in one parameter (a JSON array read by `json_each` on SQLite, an array
    on PostgreSQL): any number of them, one statement SQLAlchemy compiles once, no per-value work."""
    found = sorted(set(values))
    if _sqlite(conn):
        return column.in_(select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(found), type_=String))))
    return column == any_(bindparam(None, found, type_=postgresql.ARRAY(column.type)))


def _executemany(conn: Connection, sql: str, rows: Sequence[Any]) -> None:
    """Run `sql` for every row on the driver's own cursor, in the connection's transaction."""
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


# -- the ingest write path -----------------------------------------------------


def last_message_id(conn: Connection, run_id: int) -> int:
    """The highest message id ingest run `run_id` has stored (0 for none)."""
    last = conn.execute(select(func.max(messages.c.id)).where(messages.c.ingest_run_id == run_id)).scalar()
    return int(last or 0)


def upsert_accounts(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert accounts (`ACCOUNT_ROW_COLUMNS` rows), or complete what is stored of them."""
    if rows:
        _executemany(conn, _UPSERT_ACCOUNTS_SQLITE if _sqlite(conn) else _UPSERT_ACCOUNTS_PG, rows)


def account_ids(conn: Connection, platform: str, keys: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(id, account key) of the stored accounts among `keys` on `platform`."""
    for chunk in chunks(keys):
        yield from conn.execute(
            select(accounts.c.id, accounts.c.account_key).where(
                accounts.c.platform == platform, accounts.c.account_key.in_(chunk)
            )
        )


def thread_roots(conn: Connection, platform: str, platform_ids: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(platform id, thread root id) of the stored messages among `platform_ids`."""
    for chunk in chunks(sorted(set(platform_ids))):
        yield from conn.execute(
            select(messages.c.platform_id, messages.c.thread_root_id).where(
                messages.c.platform == platform, messages.c.platform_id.in_(chunk)
            )
        )


def insert_messages(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Insert complete message rows (`MESSAGE_ROW_COLUMNS`); ones already stored are skipped."""
    _executemany(conn, _INSERT_MESSAGES_SQLITE if _sqlite(conn) else _INSERT_MESSAGES_PG, rows)


def new_messages(conn: Connection, after_id: int, run_id: int) -> list[Any]:
    """(id, platform, platform_id) of the messages run `run_id` stored after id `after_id`."""
    return list(
        conn.execute(
            select(messages.c.id, messages.c.platform, messages.c.platform_id).where(
                messages.c.id > after_id, messages.c.ingest_run_id == run_id
            )
        ).all()
    )


def index_new(conn: Connection, after_id: int, run_id: int) -> None:
    """Index the new messages' text for search (SQLite's FTS5 table; PostgreSQL
    indexes by expression) and add them to the per-day, per-platform counts."""
    params = {"run": run_id, "last": after_id}
    if _sqlite(conn):
        conn.execute(
            text(
                "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages "
                "WHERE id > :last AND ingest_run_id = :run"
            ),
            params,
        )
    count_new_messages(conn, after_id, run_id)


def count_new_messages(conn: Connection, after_id: int, run_id: int) -> None:
    """Add the messages of run `run_id` stored after id `after_id` (one batch) to
    the daily counts (`message_days`), which the overview reads instead of counting every message."""
    day = "substr(created_at, 1, 10)" if _sqlite(conn) else "to_char(created_at, 'YYYY-MM-DD')"
    conn.execute(
        text(
            "INSERT INTO message_days (day, platform, messages, brand_messages) "
            f"SELECT {day}, platform, count(*), sum(CASE WHEN is_brand THEN 1 ELSE 0 END) FROM messages "
            "WHERE id > :after AND ingest_run_id = :run GROUP BY 1, 2 "
            "ON CONFLICT (day, platform) DO UPDATE SET messages = message_days.messages + excluded.messages, "
            "brand_messages = message_days.brand_messages + excluded.brand_messages"
        ),
        {"after": after_id, "run": run_id},
    )


def link_new(conn: Connection, after_id: int, run_id: int) -> None:
    """Threads and interactions for the messages run `run_id` stored after id `after_id`."""
    params = {"run": run_id, "last": after_id}
    fresh = "m.id > :last AND m.ingest_run_id = :run"
    # Statements that join or group the new rows start from them, held in
    # a materialised CTE; left to itself SQLite may walk a whole index of
    # messages for every batch instead.
    with_new = (
        "WITH f AS MATERIALIZED (SELECT id, platform, platform_id, account_id, thread_root_id, reply_to_id, "
        "quote_of_id, repost_of_id, created_at, is_brand FROM messages m WHERE " + fresh + ") "
    )
    # Threads are kept incrementally. Orphans whose parent has just arrived
    # join the parent's thread: their thread rows are folded into it.
    conn.execute(
        text(
            f"{with_new}INSERT INTO threads ({_THREAD_COLUMNS}) "
            "SELECT f.platform, f.thread_root_id, NULL, false, sum(o.message_count), "
            "sum(o.brand_message_count), min(o.first_at), max(o.last_at) "
            "FROM f JOIN threads o ON o.platform = f.platform AND o.root_platform_id = f.platform_id "
            "WHERE f.thread_root_id <> f.platform_id "
            f"GROUP BY f.platform, f.thread_root_id {_ADD_TO_THREAD}"
        ),
        params,
    )
    conn.execute(
        text(
            "DELETE FROM threads WHERE (platform, root_platform_id) IN "
            f"(SELECT m.platform, m.platform_id FROM messages m WHERE {fresh} "
            "AND m.thread_root_id <> m.platform_id)"
        ),
        params,
    )
    conn.execute(
        text(
            "UPDATE messages SET thread_root_id = (SELECT m.thread_root_id FROM messages m "
            "WHERE m.platform = messages.platform AND m.platform_id = messages.thread_root_id) "
            "WHERE (platform, thread_root_id) IN (SELECT m.platform, m.platform_id FROM messages m "
            f"WHERE {fresh} AND m.thread_root_id <> m.platform_id)"
        ),
        params,
    )
    # The new messages count in their threads, and a thread whose first
    # message is among them learns who started it.
    conn.execute(
        text(
            f"{with_new}INSERT INTO threads ({_THREAD_COLUMNS}) "
            "SELECT g.platform, g.root, r.account_id, COALESCE(r.is_brand, false), g.n, g.brand, g.first_at, g.last_at "
            "FROM (SELECT f.platform AS platform, f.thread_root_id AS root, count(*) AS n, "
            "sum(CASE WHEN f.is_brand THEN 1 ELSE 0 END) AS brand, min(f.created_at) AS first_at, "
            "max(f.created_at) AS last_at FROM f GROUP BY f.platform, f.thread_root_id) AS g "
            "LEFT JOIN messages r ON r.platform = g.platform AND r.platform_id = g.root "
            f"WHERE true {_ADD_TO_THREAD}, "
            "root_account_id = COALESCE(excluded.root_account_id, threads.root_account_id), "
            "root_is_brand = CASE WHEN excluded.root_account_id IS NULL THEN threads.root_is_brand "
            "ELSE excluded.root_is_brand END"
        ),
        params,
    )
    # Reply, quote and repost edges, whichever side arrived first.
    edges = " UNION ALL ".join(
        f"SELECT '{kind}', f.account_id, p.account_id, f.id, f.created_at FROM f "
        f"JOIN messages p ON p.platform = f.platform AND p.platform_id = f.{column} "
        f"WHERE f.{column} IS NOT NULL AND p.account_id <> f.account_id"
        for kind, column in (("reply", "reply_to_id"), ("quote", "quote_of_id"), ("repost", "repost_of_id"))
    )
    conn.execute(
        text(
            f"{with_new}INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
            f"SELECT * FROM ({edges}) AS e WHERE true ON CONFLICT DO NOTHING"
        ),
        params,
    )
    conn.execute(
        text(
            f"{with_new}INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
            "SELECT 'reply', c.account_id, f.account_id, c.id, c.created_at FROM f "
            "JOIN messages c ON c.platform = f.platform AND c.reply_to_id = f.platform_id "
            "WHERE c.account_id <> f.account_id ON CONFLICT DO NOTHING"
        ),
        params,
    )


def insert_mentions(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Mention interactions: (source account, target account, message id, created at) rows."""
    if rows:
        _executemany(conn, _INSERT_MENTIONS_SQLITE if _sqlite(conn) else _INSERT_MENTIONS_PG, rows)


def add_people(conn: Connection) -> None:
    """A person for every account that has none yet."""
    conn.execute(
        text(
            "INSERT INTO people (display_name, first_account_id, created_at) "
            "SELECT COALESCE(a.display_name, a.handle), a.id, :now FROM accounts a WHERE a.person_id IS NULL"
        ).bindparams(bindparam("now", type_=UTCDateTime)),
        {"now": datetime.now(UTC)},
    )
    conn.execute(
        text(
            "UPDATE accounts SET person_id = (SELECT p.id FROM people p WHERE p.first_account_id = accounts.id) "
            "WHERE person_id IS NULL"
        )
    )


def analyze(conn: Connection) -> None:
    """Refresh PostgreSQL's table statistics (a store that grew from nothing
    during one import would otherwise be planned as if empty)."""
    if not _sqlite(conn):
        conn.exec_driver_sql("ANALYZE messages, threads, interactions, accounts, people")


# The hot path writes through the driver, skipping SQLAlchemy's per-row
# parameter processing.
_INSERT_MESSAGES_SQLITE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_ROW_COLUMNS)}) VALUES ({', '.join('?' * len(MESSAGE_ROW_COLUMNS))}) "
    "ON CONFLICT (platform, platform_id) DO NOTHING"
)
_INSERT_MESSAGES_PG = (
    f"INSERT INTO messages ({', '.join(MESSAGE_ROW_COLUMNS)}) VALUES "
    "(%s, %s, %s, %s, %s, %s::timestamp, %s, %s, %s, %s, %s, %s::json, %s::json, %s::json, %s::json, %s::json, %s, %s) "
    "ON CONFLICT (platform, platform_id) DO NOTHING"
)
_UPSERT_ACCOUNTS_SQLITE = (
    "INSERT INTO accounts (platform, account_key, handle, platform_user_id, display_name, is_brand, first_seen_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, account_key) DO UPDATE SET "
    "is_brand = accounts.is_brand OR excluded.is_brand, "
    "display_name = COALESCE(accounts.display_name, excluded.display_name), "
    "platform_user_id = COALESCE(accounts.platform_user_id, excluded.platform_user_id), "
    "first_seen_at = CASE WHEN accounts.first_seen_at IS NULL OR excluded.first_seen_at < accounts.first_seen_at "
    "THEN excluded.first_seen_at ELSE accounts.first_seen_at END "
    "WHERE (excluded.is_brand AND NOT accounts.is_brand) "
    "OR (accounts.display_name IS NULL AND excluded.display_name IS NOT NULL) "
    "OR (accounts.platform_user_id IS NULL AND excluded.platform_user_id IS NOT NULL) "
    "OR (accounts.first_seen_at IS NULL AND excluded.first_seen_at IS NOT NULL) "
    "OR excluded.first_seen_at < accounts.first_seen_at"
)
_UPSERT_ACCOUNTS_PG = _UPSERT_ACCOUNTS_SQLITE.replace(
    "VALUES (?, ?, ?, ?, ?, ?, ?)", "VALUES (%s, %s, %s, %s, %s, %s, %s::timestamp)"
)
_INSERT_MENTIONS_SQLITE = (
    "INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
    "VALUES ('mention', ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_MENTIONS_PG = _INSERT_MENTIONS_SQLITE.replace("?, ?, ?, ?", "%s, %s, %s, %s::timestamp")
_THREAD_COLUMNS = (
    "platform, root_platform_id, root_account_id, root_is_brand, message_count, brand_message_count, first_at, last_at"
)
_ADD_TO_THREAD = (
    "ON CONFLICT (platform, root_platform_id) DO UPDATE SET "
    "message_count = threads.message_count + excluded.message_count, "
    "brand_message_count = threads.brand_message_count + excluded.brand_message_count, "
    "first_at = CASE WHEN excluded.first_at < threads.first_at THEN excluded.first_at ELSE threads.first_at END, "
    "last_at = CASE WHEN excluded.last_at > threads.last_at THEN excluded.last_at ELSE threads.last_at END"
)


# -- edits and deletions -------------------------------------------------------


def stored_keys(conn: Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of `keys` (platform, platform id) are stored and not deleted."""
    found: set[tuple[str, str]] = set()
    for platform, ids in by_platform(keys).items():
        for chunk in chunks(sorted(set(ids))):
            found.update(
                (platform, pid)
                for (pid,) in conn.execute(
                    select(messages.c.platform_id).where(
                        messages.c.platform == platform, messages.c.platform_id.in_(chunk),
                        messages.c.deleted_at.is_(None),
                    )
                )
            )
    return found


def update_texts(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Newer text (and what was extracted from it) for stored messages: rows of
    p, pid, at, text, mentions, hashtags, links, raw. An edit older than one
    already applied, or of a deleted message, changes nothing."""
    c = messages.c
    conn.execute(
        messages.update()
        .where(
            c.platform == bindparam("p"), c.platform_id == bindparam("pid"), c.deleted_at.is_(None),
            or_(c.edited_at.is_(None), c.edited_at < bindparam("at", type_=UTCDateTime)),
        )
        .values(
            text=bindparam("text"), mentions=bindparam("mentions", type_=messages.c.mentions.type),
            hashtags=bindparam("hashtags", type_=messages.c.hashtags.type), links=bindparam("links", type_=messages.c.links.type),
            raw=bindparam("raw", type_=messages.c.raw.type), edited_at=bindparam("at", type_=UTCDateTime),
        ),
        list(rows),
    )


def message_texts(conn: Connection, keys: Sequence[tuple[str, str]]) -> list[tuple[int, str, bool]]:
    """(id, text, is_brand) of the stored messages among `keys` (platform, platform id)."""
    found: list[tuple[int, str, bool]] = []
    c = messages.c
    for platform, ids in by_platform(keys).items():
        for chunk in chunks(sorted(set(ids))):
            found.extend(
                (int(i), t, bool(b))
                for i, t, b in conn.execute(
                    select(c.id, c.text, c.is_brand).where(c.platform == platform, c.platform_id.in_(chunk))
                )
            )
    return found


def with_signals(conn: Connection, message_ids: Sequence[int]) -> set[int]:
    """Which of `message_ids` have stored signals."""
    had: set[int] = set()
    for chunk in chunks(list(message_ids)):
        had.update(
            i for (i,) in conn.execute(
                select(message_signals.c.message_id).where(message_signals.c.message_id.in_(chunk))
            )
        )
    return had


# -- ingest runs ---------------------------------------------------------------


def find_run(conn: Connection, fingerprint: str) -> dict[str, Any] | None:
    """The latest ingest run with this fingerprint, as id, status, records_done and added."""
    row = conn.execute(
        select(ingest_runs).where(ingest_runs.c.fingerprint == fingerprint).order_by(ingest_runs.c.id.desc())
    ).mappings().first()
    return None if row is None else dict(row)


def start_run(conn: Connection, kind: str, name: str, fingerprint: str, fmt: str) -> int:
    run_id: int = conn.execute(
        ingest_runs.insert().values(
            kind=kind, name=name, fingerprint=fingerprint, format=fmt, status="running",
            records_done=0, added=0, started_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return run_id


def record_progress(conn: Connection, run_id: int, done: int, added: int) -> None:
    conn.execute(ingest_runs.update().where(ingest_runs.c.id == run_id).values(records_done=done, added=added))


def finish_run(conn: Connection, run_id: int) -> None:
    conn.execute(
        ingest_runs.update().where(ingest_runs.c.id == run_id).values(status="done", finished_at=datetime.now(UTC))
    )


# -- looking messages up -------------------------------------------------------


def reply_target(conn: Connection, message_id: int) -> ReplyTarget:
    """What a reply to stored message `message_id` needs to know about it."""
    row = conn.execute(
        select(
            messages.c.platform, messages.c.platform_id, messages.c.thread_root_id, messages.c.raw,
            messages.c.url, messages.c.deleted_at, accounts.c.handle,
        ).join(accounts, accounts.c.id == messages.c.account_id).where(messages.c.id == message_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id} (`goodwill search` shows messages' ids)")
    if row.deleted_at is not None:
        raise ConfigError(f"message {message_id} was deleted by its author; there is nothing to reply to")
    return ReplyTarget(
        platform=row.platform, platform_id=row.platform_id, author=row.handle, thread_root_id=row.thread_root_id,
        raw=dict(row.raw or {}), url=row.url,
    )


def message_id(conn: Connection, platform: str, platform_id: str) -> int | None:
    """The store's id of the message `platform_id` on `platform`, if stored."""
    found = conn.execute(
        select(messages.c.id).where(messages.c.platform == platform, messages.c.platform_id == platform_id)
    ).scalar()
    return None if found is None else int(found)


def message_text(conn: Connection, message_id: int) -> tuple[str, str]:
    """The platform and text of stored message `message_id` (what a reply to it answers)."""
    row = conn.execute(select(messages.c.platform, messages.c.text).where(messages.c.id == message_id)).first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id} (`goodwill search` shows messages' ids)")
    return str(row.platform), str(row.text or "")

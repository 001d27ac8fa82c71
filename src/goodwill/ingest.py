"""Ingest: turn streams of `ParsedMessage`s into stored messages, accounts,
people, threads and interactions.

Writes are batched; each batch is one transaction that also records how far
its ingest run has got, so an interrupted run resumes where it stopped.
Upserts are keyed on (platform, platform id), so re-running adds nothing.

Threads: a message's `thread_root_id` is the platform id of its furthest
known ancestor. A reply that arrives before its parent points at the parent's
id; when the parent arrives, every message that pointed at it is re-pointed
at the parent's own root, so threads join up whatever the arrival order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, case, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from goodwill.connectors.files import ImportOptions, file_format
from goodwill.domain import ParsedMessage, Workspace, account_key
from goodwill.spool import CHILD_PROCESS_BYTES, Counts, ParsedFile
from goodwill.store.db import Store
from goodwill.store.tables import UTCDateTime, accounts, ingest_runs, interactions, messages
from goodwill.store.workspace import load_workspace

Progress = Callable[[int], None]
ACCOUNT_CACHE_LIMIT = 500_000


@dataclass
class BatchResult:
    records: int = 0
    added: int = 0


@dataclass
class ImportReport:
    """What an import did."""

    path: str
    format: str
    run_id: int
    records: int
    added: int  # new messages stored by this call (a resumed run counts only its own)
    resumed_from: int = 0
    already_imported: bool = False
    seconds: float = 0.0
    platforms: dict[str, int] = field(default_factory=dict)


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class Ingestor:
    """Writes batches of messages for one ingest run over one connection."""

    def __init__(self, conn: Connection, workspace: Workspace, run_id: int) -> None:
        self.conn = conn
        self.workspace = workspace
        self.run_id = run_id
        self._accounts: dict[tuple[str, str], int] = {}
        # What this run has written about each account: (flags, earliest time seen).
        self._account_facts: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        last = conn.execute(
            select(func.max(messages.c.id)).where(messages.c.ingest_run_id == run_id)
        ).scalar()
        self._last_id: int = last or 0

    def write(self, batch: list[ParsedMessage]) -> BatchResult:
        """Store one batch (inside the caller's transaction)."""
        unique: dict[tuple[str, str], ParsedMessage] = {}
        for m in batch:
            unique.setdefault((m.platform, m.platform_id), m)
        if not unique:
            return BatchResult(records=len(batch))
        brand = {key: self._is_brand(m) for key, m in unique.items()}
        account_ids = self._upsert_accounts(unique.values(), brand)
        roots = self._thread_roots(unique)
        now = datetime.now(UTC)
        sqlite_store = self.conn.dialect.name == "sqlite"
        dumps = _json_text
        rows = [
            (
                m.platform,
                m.platform_id,
                account_ids[(m.platform, account_key(m.author))],
                m.kind.value,
                m.text,
                _db_time(m.created_at, sqlite_store),
                m.url,
                m.reply_to_id,
                roots[key],
                m.quote_of_id,
                m.repost_of_id,
                dumps(m.mentions),
                dumps(m.hashtags),
                dumps(m.links),
                dumps(m.metrics),
                dumps(m.raw),
                brand[key],
                self.run_id,
            )
            for key, m in unique.items()
        ]
        self.conn.exec_driver_sql(_INSERT_MESSAGES_SQLITE if sqlite_store else _INSERT_MESSAGES_PG, rows)
        new = self.conn.execute(
            select(messages.c.id, messages.c.platform, messages.c.platform_id).where(
                messages.c.ingest_run_id == self.run_id, messages.c.id > self._last_id
            )
        ).all()
        if new:
            if sqlite_store:
                self.conn.execute(
                    text(
                        "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages "
                        "WHERE ingest_run_id = :run AND id > :last"
                    ),
                    {"run": self.run_id, "last": self._last_id},
                )
            self._link_new(unique, account_ids, new, now)
            self._last_id = max(r.id for r in new)
        return BatchResult(records=len(batch), added=len(new))

    # -- pieces of a batch ---------------------------------------------------

    def _is_brand(self, m: ParsedMessage) -> bool:
        if m.is_brand is not None:
            return m.is_brand
        return self.workspace.is_brand_handle(m.platform, m.author)

    def _upsert_accounts(
        self, batch: Iterable[ParsedMessage], brand: dict[tuple[str, str], bool]
    ) -> dict[tuple[str, str], int]:
        wanted: dict[tuple[str, str], dict[str, Any]] = {}
        for m in batch:
            key = (m.platform, account_key(m.author))
            row = wanted.get(key)
            is_brand = brand[(m.platform, m.platform_id)]
            if row is None:
                wanted[key] = {
                    "platform": m.platform,
                    "account_key": key[1],
                    "handle": m.author,
                    "platform_user_id": m.author_id,
                    "display_name": m.author_name,
                    "is_brand": is_brand,
                    "first_seen_at": m.created_at,
                }
            else:
                row["is_brand"] = row["is_brand"] or is_brand
                row["display_name"] = row["display_name"] or m.author_name
                row["platform_user_id"] = row["platform_user_id"] or m.author_id
                seen = row["first_seen_at"]
                row["first_seen_at"] = m.created_at if seen is None else min(seen, m.created_at)
            for handle in m.mentions:
                mkey = (m.platform, account_key(handle))
                if mkey not in wanted and mkey[1] != "@":
                    wanted[mkey] = {
                        "platform": m.platform,
                        "account_key": mkey[1],
                        "handle": handle.lstrip("@"),
                        "platform_user_id": None,
                        "display_name": None,
                        "is_brand": self.workspace.is_brand_handle(m.platform, handle),
                        "first_seen_at": None,
                    }
        # Write only rows that are new to this run or say more than it has written.
        to_write = []
        for key, row in wanted.items():
            facts = _account_facts(row)
            known = self._account_facts.get(key)
            if known is None or facts[0] & ~known[0] or (facts[1] is not None and (known[1] is None or facts[1] < known[1])):
                to_write.append(row)
                if known is None:
                    self._account_facts[key] = facts
                else:
                    earliest = min((t for t in (facts[1], known[1]) if t is not None), default=None)
                    self._account_facts[key] = (facts[0] | known[0], earliest)
        if to_write:
            stmt = _insert(self.conn, accounts)
            ex = stmt.excluded
            earlier = ex.first_seen_at < accounts.c.first_seen_at
            stmt = stmt.on_conflict_do_update(
                index_elements=["platform", "account_key"],
                set_={
                    "is_brand": accounts.c.is_brand | ex.is_brand,
                    "display_name": func.coalesce(accounts.c.display_name, ex.display_name),
                    "platform_user_id": func.coalesce(accounts.c.platform_user_id, ex.platform_user_id),
                    "first_seen_at": case(
                        (accounts.c.first_seen_at.is_(None) | earlier, ex.first_seen_at),
                        else_=accounts.c.first_seen_at,
                    ),
                },
                where=(ex.is_brand & ~accounts.c.is_brand)
                | (accounts.c.display_name.is_(None) & ex.display_name.is_not(None))
                | (accounts.c.platform_user_id.is_(None) & ex.platform_user_id.is_not(None))
                | (accounts.c.first_seen_at.is_(None) & ex.first_seen_at.is_not(None))
                | earlier,
            )
            self.conn.execute(stmt, to_write)
        missing = [key for key in wanted if key not in self._accounts]
        if len(self._accounts) + len(missing) > ACCOUNT_CACHE_LIMIT:
            self._accounts.clear()
            self._account_facts.clear()
            missing = list(wanted)
        for platform, keys in _by_platform(missing).items():
            for chunk in _chunks(keys, 900):
                found = self.conn.execute(
                    select(accounts.c.id, accounts.c.account_key).where(
                        accounts.c.platform == platform, accounts.c.account_key.in_(chunk)
                    )
                )
                for account_id, key in found:
                    self._accounts[(platform, key)] = account_id
        return self._accounts

    def _thread_roots(self, batch: dict[tuple[str, str], ParsedMessage]) -> dict[tuple[str, str], str]:
        """Root platform id for each message, following parents through the store and the batch.

        A stored message's root comes from the store; when that root is a
        message of this batch that has a parent, the walk goes on from there.
        """
        parents = {key: m.reply_to_id for key, m in batch.items() if m.reply_to_id}
        known: dict[tuple[str, str], str] = {}
        for platform, ids in _by_platform((p, rid) for (p, _), rid in parents.items()).items():
            for chunk in _chunks(sorted(set(ids)), 900):
                found = self.conn.execute(
                    select(messages.c.platform_id, messages.c.thread_root_id).where(
                        messages.c.platform == platform, messages.c.platform_id.in_(chunk)
                    )
                )
                for pid, root in found:
                    known[(platform, pid)] = root
        roots: dict[tuple[str, str], str] = {}

        def resolve(key: tuple[str, str]) -> str:
            path: list[tuple[str, str]] = []
            current = key
            while True:
                if current in roots:
                    root = roots[current]
                    break
                if current in path:  # a reply cycle in bad data: cut it here
                    root = current[1]
                    break
                if current in known:
                    root = known[current]
                    following = (current[0], root)
                    if following != current and (following in batch or following in known):
                        path.append(current)
                        current = following
                        continue
                    break
                parent = parents.get(current)
                if current not in batch or parent is None:  # a root, or a parent never seen
                    root = current[1]
                    break
                path.append(current)
                current = (current[0], parent)
            for step in path:
                roots[step] = root
            return root

        return {key: resolve(key) for key in batch}

    def _link_new(
        self,
        batch: dict[tuple[str, str], ParsedMessage],
        account_ids: dict[tuple[str, str], int],
        new: list[Any],
        now: datetime,
    ) -> None:
        conn, params = self.conn, {"run": self.run_id, "last": self._last_id}
        fresh = "m.ingest_run_id = :run AND m.id > :last"
        # Threads are kept incrementally. Orphans whose parent has just arrived
        # join the parent's thread: their thread rows are folded into it.
        conn.execute(
            text(
                f"INSERT INTO threads ({_THREAD_COLUMNS}) "
                "SELECT m.platform, m.thread_root_id, NULL, false, sum(o.message_count), "
                "sum(o.brand_message_count), min(o.first_at), max(o.last_at) "
                "FROM threads o JOIN messages m ON m.platform = o.platform AND m.platform_id = o.root_platform_id "
                f"WHERE {fresh} AND m.thread_root_id <> m.platform_id "
                f"GROUP BY m.platform, m.thread_root_id {_ADD_TO_THREAD}"
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
        # The new messages themselves count in their threads ...
        conn.execute(
            text(
                f"INSERT INTO threads ({_THREAD_COLUMNS}) "
                "SELECT m.platform, m.thread_root_id, NULL, false, count(*), "
                "sum(CASE WHEN m.is_brand THEN 1 ELSE 0 END), min(m.created_at), max(m.created_at) "
                f"FROM messages m WHERE {fresh} GROUP BY m.platform, m.thread_root_id {_ADD_TO_THREAD}"
            ),
            params,
        )
        # ... and a thread whose first message has arrived knows who started it.
        conn.execute(
            text(
                "UPDATE threads SET "
                "root_account_id = (SELECT r.account_id FROM messages r "
                "WHERE r.platform = threads.platform AND r.platform_id = threads.root_platform_id), "
                "root_is_brand = (SELECT r.is_brand FROM messages r "
                "WHERE r.platform = threads.platform AND r.platform_id = threads.root_platform_id) "
                "WHERE (platform, root_platform_id) IN (SELECT m.platform, m.platform_id FROM messages m "
                f"WHERE {fresh} AND m.thread_root_id = m.platform_id)"
            ),
            params,
        )
        # Reply, quote and repost edges, whichever side arrived first.
        edges = " UNION ALL ".join(
            f"SELECT '{kind}', m.account_id, p.account_id, m.id, m.created_at FROM messages m "
            f"JOIN messages p ON p.platform = m.platform AND p.platform_id = m.{column} "
            f"WHERE {fresh} AND m.{column} IS NOT NULL AND p.account_id <> m.account_id"
            for kind, column in (("reply", "reply_to_id"), ("quote", "quote_of_id"), ("repost", "repost_of_id"))
        )
        conn.execute(
            text(
                "INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
                f"SELECT * FROM ({edges}) AS e WHERE true ON CONFLICT DO NOTHING"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
                "SELECT 'reply', c.account_id, m.account_id, c.id, c.created_at FROM messages m "
                "JOIN messages c ON c.platform = m.platform AND c.reply_to_id = m.platform_id "
                f"WHERE {fresh} AND c.id <= :last AND c.account_id <> m.account_id ON CONFLICT DO NOTHING"
            ),
            params,
        )
        # Mentions.
        mention_rows = []
        sqlite_store = conn.dialect.name == "sqlite"
        for row in new:
            m = batch[(row.platform, row.platform_id)]
            if not m.mentions:
                continue
            source = account_ids[(m.platform, account_key(m.author))]
            for handle in m.mentions:
                target = account_ids.get((m.platform, account_key(handle)))
                if target is not None and target != source:
                    mention_rows.append((source, target, row.id, _db_time(m.created_at, sqlite_store)))
        if mention_rows:
            conn.exec_driver_sql(
                _INSERT_MENTIONS_SQLITE if conn.dialect.name == "sqlite" else _INSERT_MENTIONS_PG, mention_rows
            )
        # A person for every account that has none yet.
        conn.execute(
            text(
                "INSERT INTO people (display_name, first_account_id, created_at) "
                "SELECT COALESCE(a.display_name, a.handle), a.id, :now FROM accounts a WHERE a.person_id IS NULL"
            ).bindparams(bindparam("now", type_=UTCDateTime)),
            {"now": now},
        )
        conn.execute(
            text(
                "UPDATE accounts SET person_id = (SELECT p.id FROM people p WHERE p.first_account_id = accounts.id) "
                "WHERE person_id IS NULL"
            )
        )


# The hot path writes messages through the driver: SQLAlchemy's per-row
# processing cost more than the database's own work here.
_MESSAGE_COLUMNS = (
    "platform, platform_id, account_id, kind, text, created_at, url, reply_to_id, thread_root_id, "
    "quote_of_id, repost_of_id, mentions, hashtags, links, metrics, raw, is_brand, ingest_run_id"
)
_INSERT_MESSAGES_SQLITE = (
    f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 18)}) "
    "ON CONFLICT (platform, platform_id) DO NOTHING"
)
_INSERT_MESSAGES_PG = (
    f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::json, %s::json, %s::json, %s::json, %s::json, %s, %s) "
    "ON CONFLICT (platform, platform_id) DO NOTHING"
)

_INSERT_MENTIONS_SQLITE = (
    "INSERT INTO interactions (kind, source_account_id, target_account_id, message_id, created_at) "
    "VALUES ('mention', ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_MENTIONS_PG = _INSERT_MENTIONS_SQLITE.replace("?", "%s")
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


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _db_time(value: datetime, sqlite_store: bool) -> Any:
    """A timestamp as the store keeps it: naive UTC (text on SQLite, as SQLAlchemy writes it)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    naive = value.replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds") if sqlite_store else naive


def _account_facts(row: dict[str, Any]) -> tuple[int, datetime | None]:
    flags = (row["is_brand"] and 1) | (row["display_name"] is not None and 2) | (row["platform_user_id"] is not None and 4)
    return flags, row["first_seen_at"]


def _by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for platform, key in keys:
        out.setdefault(platform, []).append(key)
    return out


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _batches(items: Iterable[ParsedMessage], size: int) -> Iterator[list[ParsedMessage]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def fingerprint(path: Path, fmt: str, options: ImportOptions) -> str:
    """Identifies an import: the file's bytes and the options that shape how it is read."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    digest.update(repr((fmt, options.platform, sorted(options.mapping.items()), options.author, str(options.default_tz))).encode())
    return digest.hexdigest()


def import_file(
    store: Store,
    path: Path,
    options: ImportOptions,
    *,
    batch_size: int = 5000,
    progress: Progress | None = None,
    on_validated: Callable[[int], None] | None = None,
    parallel_bytes: int = CHILD_PROCESS_BYTES,
) -> ImportReport:
    """Import one file, transactionally and idempotently.

    Nothing is committed until the whole file has been checked, so a
    malformed file changes nothing. Big files are read by a second process
    (`goodwill.spool`) while this one writes inside one open transaction;
    once the whole file has checked out, that transaction commits and every
    later batch commits on its own together with the run's progress, so an
    interrupted import resumes from its last committed batch when the same
    file is imported again.

    :param progress: called with the number of records each batch handled
    :param on_validated: called with the record count once the file checks out
    :param parallel_bytes: files at least this big are read by a second process
    """
    started = time.perf_counter()
    fmt = file_format(path, options)
    options = dataclasses.replace(options, format=fmt)
    key = fingerprint(path, fmt, options)
    with store.begin() as conn:
        previous = conn.execute(
            select(ingest_runs).where(ingest_runs.c.fingerprint == key).order_by(ingest_runs.c.id.desc())
        ).mappings().first()
    if previous is not None and previous["status"] == "done":
        return ImportReport(str(path), fmt, previous["id"], previous["records_done"], 0, already_imported=True)
    done, added = (previous["records_done"], previous["added"]) if previous is not None else (0, 0)
    parsed = ParsedFile(path, options, batch_size=batch_size, skip=done, parallel_bytes=parallel_bytes)
    verdict: Counts | None = None

    def checked(wait: bool) -> bool:
        nonlocal verdict
        if verdict is None:
            verdict = parsed.wait() if wait else parsed.verdict()  # raises ImportFileError for a bad file
            if verdict is not None and on_validated:
                on_validated(verdict[0])
        return verdict is not None

    try:
        with store.engine.connect() as conn:
            trans = conn.begin()
            try:
                workspace = load_workspace(conn)
                if previous is None:
                    run_id = conn.execute(
                        ingest_runs.insert().values(
                            kind="file", name=str(path), fingerprint=key, format=fmt, status="running",
                            records_done=0, added=0, started_at=datetime.now(UTC),
                        )
                    ).inserted_primary_key[0]
                else:
                    run_id = previous["id"]
                ingestor = Ingestor(conn, workspace, run_id)
                resumed_from, added_before = done, added
                checked(wait=False)
                if progress and done:
                    progress(done)
                for batch in parsed.batches():
                    result = ingestor.write(batch)
                    done += result.records
                    added += result.added
                    conn.execute(
                        ingest_runs.update().where(ingest_runs.c.id == run_id).values(records_done=done, added=added)
                    )
                    if checked(wait=False):
                        trans.commit()
                        trans = conn.begin()
                    if progress:
                        progress(result.records)
                checked(wait=True)
                conn.execute(
                    ingest_runs.update()
                    .where(ingest_runs.c.id == run_id)
                    .values(status="done", finished_at=datetime.now(UTC))
                )
                trans.commit()
            except BaseException:
                trans.rollback()
                raise
    finally:
        parsed.close()
    assert verdict is not None
    return ImportReport(
        str(path), fmt, run_id, verdict[0], added - added_before,
        resumed_from=resumed_from, seconds=time.perf_counter() - started, platforms=verdict[1],
    )


def ingest_messages(store: Store, name: str, items: Iterable[ParsedMessage], *, batch_size: int = 5000, progress: Progress | None = None) -> int:
    """Store messages from any source (the demo, later connectors) as one new ingest run; returns how many were new."""
    now = datetime.now(UTC)
    with store.engine.connect() as conn:
        with conn.begin():
            workspace = load_workspace(conn)
            run_id = conn.execute(
                ingest_runs.insert().values(
                    kind="stream", name=name, fingerprint=f"stream:{name}:{now.isoformat()}",
                    format="messages", status="running", records_done=0, added=0, started_at=now,
                )
            ).inserted_primary_key[0]
            ingestor = Ingestor(conn, workspace, run_id)
        done = added = 0
        for batch in _batches(items, batch_size):
            with conn.begin():
                result = ingestor.write(batch)
                done += result.records
                added += result.added
                conn.execute(ingest_runs.update().where(ingest_runs.c.id == run_id).values(records_done=done, added=added))
            if progress:
                progress(result.records)
        with conn.begin():
            conn.execute(ingest_runs.update().where(ingest_runs.c.id == run_id).values(status="done", finished_at=datetime.now(UTC)))
    return added

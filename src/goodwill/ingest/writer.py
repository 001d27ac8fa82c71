"""Ingest: turn streams of `ParsedMessage`s into stored messages, accounts,
people, threads and interactions.

Writes are batched; a batch commits together with how far its ingest run
has got, so an interrupted run resumes where it stopped (a file import holds
its first batches in one transaction until the whole file has checked out;
see `import_file`). Upserts are keyed on (platform, platform id), so
re-running adds nothing.

Threads: a message's `thread_root_id` is the platform id of its furthest
known ancestor. A reply that arrives before its parent points at the parent's
id; when the parent arrives, every message that pointed at it is re-pointed
at the parent's own root, so threads join up whatever the arrival order.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select, text

from goodwill.domain import ParsedMessage, Workspace
from goodwill.domain.sources import Deletion, Edit
from goodwill.ingest.prepare import ACCOUNT, CREATED, ROOT, ROW_COLUMNS, RUN, Prepared, add_signals, prepare
from goodwill.ingest.readers import ImportOptions, settle_options
from goodwill.ingest.spool import CHILD_PROCESS_BYTES, Counts, ParsedFile
from goodwill.store.daily import count_new_messages
from goodwill.store.db import Store
from goodwill.store.signals import signal_rows, write_signals
from goodwill.store.tables import UTCDateTime, accounts, ingest_runs, message_signals, messages
from goodwill.store.workspace import load_workspace
from goodwill.understand.enrich import enrich

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


class Ingestor:
    """Writes batches of messages for one ingest run over one connection."""

    def __init__(self, conn: Connection, workspace: Workspace, run_id: int) -> None:
        self.conn = conn
        self.workspace = workspace
        self.run_id = run_id
        self.sqlite = conn.dialect.name == "sqlite"
        self._accounts: dict[tuple[str, str], int] = {}
        # What this run has written about each account: (flags, earliest time seen).
        self._account_facts: dict[tuple[str, str], tuple[int, str | None]] = {}
        last = conn.execute(
            select(func.max(messages.c.id)).where(messages.c.ingest_run_id == run_id)
        ).scalar()
        self._last_id: int = last or 0
        # PostgreSQL plans by table statistics, which autovacuum refreshes only
        # now and then: a store that grew from nothing during one import would
        # be planned as if empty (sequential scans inside loops). So this run
        # refreshes them itself each time it has doubled what it has written.
        self._written = 0
        self._analyze_at = 1000

    def write(self, batch: list[ParsedMessage]) -> BatchResult:
        """Store one batch (inside the caller's transaction)."""
        return self.apply(prepare(batch, self.workspace.brand_accounts))

    def apply(self, batch: Prepared) -> BatchResult:
        """Store one prepared batch (inside the caller's transaction)."""
        if not batch.rows:
            return BatchResult(records=batch.records)
        if batch.signals_deferred:
            add_signals(batch)
        account_ids = self._upsert_accounts(batch)
        roots = self._thread_roots(batch)
        for row, author, root in zip(batch.rows, batch.authors, roots, strict=True):
            row[ACCOUNT] = account_ids[(row[0], author)]
            row[ROOT] = root
            row[RUN] = self.run_id
        self._executemany(_INSERT_MESSAGES_SQLITE if self.sqlite else _INSERT_MESSAGES_PG, batch.rows)
        new = self.conn.execute(
            select(messages.c.id, messages.c.platform, messages.c.platform_id).where(
                messages.c.id > self._last_id, messages.c.ingest_run_id == self.run_id
            )
        ).all()
        if new:
            if self.sqlite:
                self.conn.execute(
                    text(
                        "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages "
                        "WHERE id > :last AND ingest_run_id = :run"
                    ),
                    {"run": self.run_id, "last": self._last_id},
                )
            count_new_messages(self.conn, self._last_id, self.run_id)
            self._link_new(batch, account_ids, new)
            if batch.signals:
                where = {(row[0], row[1]): i for i, row in enumerate(batch.rows)}
                write_signals(self.conn, [[r.id, *batch.signals[where[(r.platform, r.platform_id)]]] for r in new])
            self._last_id = max(r.id for r in new)
            self._written += len(new)
            if not self.sqlite and self._written >= self._analyze_at:
                self.conn.exec_driver_sql("ANALYZE messages, threads, interactions, accounts, people")
                self._analyze_at = 2 * self._written
        return BatchResult(records=batch.records, added=len(new))

    # -- pieces of a batch ---------------------------------------------------

    def _executemany(self, sql: str, rows: list[Any]) -> None:
        """Run `sql` for every row on the driver's own cursor, in this connection's transaction."""
        cursor = self.conn.connection.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def _upsert_accounts(self, batch: Prepared) -> dict[tuple[str, str], int]:
        # Write only rows that are new to this run or say more than it has written.
        to_write = []
        for row in batch.accounts.values():
            key = (row[0], row[1])
            facts = (bool(row[5]) | (row[4] is not None) << 1 | (row[3] is not None) << 2, row[6])
            known = self._account_facts.get(key)
            if known is None or facts[0] & ~known[0] or (facts[1] is not None and (known[1] is None or facts[1] < known[1])):
                to_write.append(row)
                if known is None:
                    self._account_facts[key] = facts
                else:
                    earliest = min((t for t in (facts[1], known[1]) if t is not None), default=None)
                    self._account_facts[key] = (facts[0] | known[0], earliest)
        if to_write:
            self._executemany(_UPSERT_ACCOUNTS_SQLITE if self.sqlite else _UPSERT_ACCOUNTS_PG, to_write)
        wanted = [(row[0], row[1]) for row in batch.accounts.values()]
        missing = [key for key in wanted if key not in self._accounts]
        if len(self._accounts) + len(missing) > ACCOUNT_CACHE_LIMIT:
            self._accounts.clear()
            self._account_facts.clear()
            missing = wanted
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

    def _thread_roots(self, batch: Prepared) -> list[str]:
        """Root platform id for each row, following parents through the store and the batch.

        A stored message's root comes from the store; when that root is a
        message of this batch (or the store) with a parent, the walk goes on.
        """
        keys = [(row[0], row[1]) for row in batch.rows]
        parents = {key: row[7] for key, row in zip(keys, batch.rows, strict=True) if row[7]}
        in_batch = set(keys)
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
                    if following != current and (following in in_batch or following in known):
                        path.append(current)
                        current = following
                        continue
                    break
                parent = parents.get(current)
                if current not in in_batch or parent is None:  # a root, or a parent never seen
                    root = current[1]
                    break
                path.append(current)
                current = (current[0], parent)
            for step in path:
                roots[step] = root
            return root

        return [resolve(key) for key in keys]

    def _link_new(self, batch: Prepared, account_ids: dict[tuple[str, str], int], new: Sequence[Any]) -> None:
        conn, params = self.conn, {"run": self.run_id, "last": self._last_id}
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
        # Mentions.
        index = {(row[0], row[1]): i for i, row in enumerate(batch.rows)}
        mention_rows = []
        for r in new:
            i = index[(r.platform, r.platform_id)]
            if not batch.mentions[i]:
                continue
            row = batch.rows[i]
            source = row[ACCOUNT]
            for mkey in batch.mentions[i]:
                target = account_ids.get((r.platform, mkey))
                if target is not None and target != source:
                    mention_rows.append((source, target, r.id, row[CREATED]))
        if mention_rows:
            self._executemany(_INSERT_MENTIONS_SQLITE if self.sqlite else _INSERT_MENTIONS_PG, mention_rows)
        # A person for every account that has none yet.
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


# The hot path writes through the driver, skipping SQLAlchemy's per-row
# parameter processing.
_INSERT_MESSAGES_SQLITE = (
    f"INSERT INTO messages ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * len(ROW_COLUMNS))}) "
    "ON CONFLICT (platform, platform_id) DO NOTHING"
)
_INSERT_MESSAGES_PG = (
    f"INSERT INTO messages ({', '.join(ROW_COLUMNS)}) VALUES "
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


def _by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for platform, key in keys:
        out.setdefault(platform, []).append(key)
    return out


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
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
    signals: bool = True,
) -> ImportReport:
    """Import one file, transactionally and idempotently.

    Nothing is committed until the whole file has been checked, so a
    malformed file changes nothing. Big files are read by a second process
    (`goodwill.ingest.spool`) while this one writes inside one open transaction;
    once the whole file has checked out, that transaction commits and every
    later batch commits on its own together with the run's progress, so an
    interrupted import resumes from its last committed batch when the same
    file is imported again.

    :param progress: called with the number of records each batch handled
    :param on_validated: called with the record count once the file checks out
    :param parallel_bytes: files at least this big are read by a second process
    :param signals: compute and store each new message's signals (`goodwill.understand`)
    """
    started = time.perf_counter()
    options = settle_options(path, options)
    fmt = options.format
    assert fmt is not None
    key = fingerprint(path, fmt, options)
    with store.begin() as conn:
        previous = conn.execute(
            select(ingest_runs).where(ingest_runs.c.fingerprint == key).order_by(ingest_runs.c.id.desc())
        ).mappings().first()
    if previous is not None and previous["status"] == "done":
        return ImportReport(str(path), fmt, previous["id"], previous["records_done"], 0, already_imported=True)
    done, added = (previous["records_done"], previous["added"]) if previous is not None else (0, 0)
    resumed_from, added_before = done, added
    with store.begin() as conn:
        workspace = load_workspace(conn)
    parsed = ParsedFile(
        path, options, workspace.brand_accounts, batch_size=batch_size, skip=done, parallel_bytes=parallel_bytes,
        signals=signals,
    )
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
                run_id = _start_run(conn, "file", str(path), key, fmt) if previous is None else previous["id"]
                ingestor = Ingestor(conn, workspace, run_id)
                checked(wait=False)
                if progress and done:
                    progress(done)
                for batch in parsed.batches():
                    result = ingestor.apply(batch)
                    done += result.records
                    added += result.added
                    _record_progress(conn, run_id, done, added)
                    if checked(wait=False):
                        trans.commit()
                        trans = conn.begin()
                    if progress:
                        progress(result.records)
                checked(wait=True)
                _finish_run(conn, run_id)
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


def ingest_messages(
    store: Store, name: str, items: Iterable[ParsedMessage], *, batch_size: int = 5000, progress: Progress | None = None
) -> int:
    """Store messages from any source (the demo, tests) as one new ingest run,
    a transaction per batch; returns how many were new."""
    added = 0
    with StreamWriter(store, name) as writer:
        for batch in _batches(items, batch_size):
            result = writer.write(batch)
            added += result.added
            if progress:
                progress(result.records)
    return added


@dataclass
class StreamResult(BatchResult):
    edited: int = 0
    deleted: int = 0


class StreamWriter:
    """Writes batches from a stream (a live source, the demo) as one ingest run.

    Each `write` is one transaction: the new messages, then edits and
    deletions of stored ones, then whatever `also` writes on the same
    connection (a live source saves its checkpoint there), so a batch and the
    checkpoint that covers it are committed together or not at all.
    """

    def __init__(self, store: Store, name: str, *, kind: str = "stream", fmt: str = "messages") -> None:
        self.conn = store.engine.connect()
        try:
            with self.conn.begin():
                self.workspace = load_workspace(self.conn)
                now = datetime.now(UTC)
                self.run_id = _start_run(self.conn, kind, name, f"{kind}:{name}:{now.isoformat()}", fmt)
                self.ingestor = Ingestor(self.conn, self.workspace, self.run_id)
        except BaseException:
            self.conn.close()
            raise
        self.done = 0
        self.added = 0

    def write(
        self,
        items: list[ParsedMessage],
        *,
        edits: Sequence[Edit] = (),
        deletions: Sequence[Deletion] = (),
        also: Callable[[Connection, StreamResult], None] | None = None,
    ) -> StreamResult:
        with self.conn.begin():
            result = StreamResult(**vars(self.ingestor.write(items)))
            if edits:
                # An edit of a message never stored stores it as it is now.
                fresh = self.ingestor.write([e.message for e in edits if e.store_if_new])
                result.added += fresh.added
                result.edited = _apply_edits(self.conn, edits)
            if deletions:
                result.deleted = _apply_deletions(self.conn, deletions)
            self.done += result.records
            self.added += result.added
            _record_progress(self.conn, self.run_id, self.done, self.added)
            if also is not None:
                also(self.conn, result)
        return result

    def close(self) -> None:
        try:
            with self.conn.begin():
                _finish_run(self.conn, self.run_id)
        finally:
            self.conn.close()

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.conn.close()


def _stored(conn: Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of `keys` (platform, platform id) are stored and not deleted."""
    found: set[tuple[str, str]] = set()
    for platform, ids in _by_platform(keys).items():
        for chunk in _chunks(sorted(set(ids)), 900):
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


def _apply_edits(conn: Connection, edits: Sequence[Edit]) -> int:
    """Newer text (and what was extracted from it) for stored messages; an
    edit older than one already applied, or of a deleted message, changes nothing."""
    stored = _stored(conn, [(e.message.platform, e.message.platform_id) for e in edits])
    rows = [
        {
            "p": e.message.platform, "pid": e.message.platform_id, "at": e.edited_at, "text": e.message.text,
            "mentions": e.message.mentions, "hashtags": e.message.hashtags, "links": e.message.links,
            "raw": e.message.raw,
        }
        for e in edits if (e.message.platform, e.message.platform_id) in stored
    ]
    if not rows:
        return 0
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
        rows,
    )
    _refresh_signals(conn, [(str(r["p"]), str(r["pid"])) for r in rows])
    return len({(r["p"], r["pid"]) for r in rows})


def _message_ids(conn: Connection, keys: Sequence[tuple[str, str]]) -> list[tuple[int, str, bool]]:
    """(id, text, is_brand) of the stored messages among `keys`."""
    found: list[tuple[int, str, bool]] = []
    c = messages.c
    for platform, ids in _by_platform(keys).items():
        for chunk in _chunks(sorted(set(ids)), 900):
            found.extend(
                (int(i), t, bool(b))
                for i, t, b in conn.execute(
                    select(c.id, c.text, c.is_brand).where(c.platform == platform, c.platform_id.in_(chunk))
                )
            )
    return found


def _refresh_signals(conn: Connection, keys: Sequence[tuple[str, str]]) -> None:
    """Signals of edited messages follow their new text (where they had signals)."""
    found = _message_ids(conn, keys)
    if not found:
        return
    had = {
        i for (i,) in conn.execute(
            select(message_signals.c.message_id).where(message_signals.c.message_id.in_([f[0] for f in found]))
        )
    }
    found = [f for f in found if f[0] in had]
    if found:
        batch = enrich([f[1] for f in found], sentiment="fast", is_brand=[f[2] for f in found])
        write_signals(conn, [[f[0], *row] for f, row in zip(found, signal_rows(batch), strict=True)])


def _apply_deletions(conn: Connection, deletions: Sequence[Deletion]) -> int:
    """Deleted messages keep their row (threads and counts stay whole) but
    lose their words: text, raw payload, mentions, hashtags and links are blanked."""
    stored = _stored(conn, [(d.platform, d.platform_id) for d in deletions])
    rows, done = [], set()
    for d in deletions:
        key = (d.platform, d.platform_id)
        if key in stored and key not in done:
            done.add(key)
            rows.append({"p": d.platform, "pid": d.platform_id, "at": d.deleted_at})
    if not rows:
        return 0
    c = messages.c
    conn.execute(
        messages.update()
        .where(c.platform == bindparam("p"), c.platform_id == bindparam("pid"), c.deleted_at.is_(None))
        .values(text="", raw={}, mentions=[], hashtags=[], links=[], deleted_at=bindparam("at", type_=UTCDateTime)),
        rows,
    )
    # What was read from the deleted words goes with them.
    gone = [f[0] for f in _message_ids(conn, [(str(r["p"]), str(r["pid"])) for r in rows])]
    for chunk in _chunks(gone, 900):
        conn.execute(message_signals.delete().where(message_signals.c.message_id.in_(chunk)))
    return len(rows)


def _start_run(conn: Connection, kind: str, name: str, fingerprint: str, fmt: str) -> int:
    run_id: int = conn.execute(
        ingest_runs.insert().values(
            kind=kind, name=name, fingerprint=fingerprint, format=fmt, status="running",
            records_done=0, added=0, started_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return run_id


def _record_progress(conn: Connection, run_id: int, done: int, added: int) -> None:
    conn.execute(ingest_runs.update().where(ingest_runs.c.id == run_id).values(records_done=done, added=added))


def _finish_run(conn: Connection, run_id: int) -> None:
    conn.execute(
        ingest_runs.update().where(ingest_runs.c.id == run_id).values(status="done", finished_at=datetime.now(UTC))
    )

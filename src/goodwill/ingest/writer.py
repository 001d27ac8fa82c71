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

from goodwill.domain import ParsedMessage, Workspace
from goodwill.domain.messages import ACCOUNT, CREATED, ROOT, RUN
from goodwill.domain.sources import Deletion, Edit
from goodwill.ingest.prepare import Prepared, add_signals, prepare, signal_rows
from goodwill.ingest.readers import ImportOptions, settle_options
from goodwill.ingest.spool import CHILD_PROCESS_BYTES, Counts, ParsedFile
from goodwill.store import Connection, Store, erasure, said_series
from goodwill.store import messages as stored
from goodwill.store.signals import rewind_passes, write_signals
from goodwill.store.workspace import load_workspace
from goodwill.understand.enrich import enrich

Progress = Callable[[int], None]
#: Called on the transaction of each batch with the ids of the messages it
#: stored (their signals stored too): the service opens and updates cases here.
NewMessagesHook = Callable[[Connection, list[int]], None]
ACCOUNT_CACHE_LIMIT = 500_000


@dataclass
class BatchResult:
    records: int = 0
    added: int = 0
    erased: int = 0  # messages left out because they were erased before (`erasure.erased_among`)


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
    erased: int = 0  # messages left out by this call because they were erased before (deleted on their platform, or forgotten)


class Ingestor:
    """Writes batches of messages for one ingest run over one connection."""

    def __init__(self, conn: Connection, workspace: Workspace, run_id: int, on_new: NewMessagesHook | None = None) -> None:
        self.conn = conn
        self.on_new = on_new
        self.workspace = workspace
        self.run_id = run_id
        self.sqlite = conn.dialect.name == "sqlite"
        self._accounts: dict[tuple[str, str], int] = {}
        # What this run has written about each account: (flags, earliest time seen).
        self._account_facts: dict[tuple[str, str], tuple[int, str | None]] = {}
        self._last_id: int = stored.last_message_id(conn, run_id)
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
        batch, erased = _without_erased(self.conn, batch)
        if not batch.rows:
            return BatchResult(records=batch.records, erased=erased)
        if batch.signals_deferred:
            add_signals(batch)
        account_ids = self._upsert_accounts(batch)
        roots = self._thread_roots(batch)
        for row, author, root in zip(batch.rows, batch.authors, roots, strict=True):
            row[ACCOUNT] = account_ids[(row[0], author)]
            row[ROOT] = root
            row[RUN] = self.run_id
        stored.insert_messages(self.conn, batch.rows)
        new = stored.new_messages(self.conn, self._last_id, self.run_id)
        if new:
            stored.index_new(self.conn, self._last_id, self.run_id)
            self._link_new(batch, account_ids, new)
            if batch.signals:
                where = {(row[0], row[1]): i for i, row in enumerate(batch.rows)}
                write_signals(self.conn, [[r.id, *batch.signals[where[(r.platform, r.platform_id)]]] for r in new],
                              note=False)
            # What the writers said, as their stage is judged, follows before cases read it.
            said_series.note_messages(self.conn, [r.id for r in new])
            self._last_id = max(r.id for r in new)
            if self.on_new is not None:
                self.on_new(self.conn, [r.id for r in new])
            self._written += len(new)
            if not self.sqlite and self._written >= self._analyze_at:
                stored.analyze(self.conn)
                self._analyze_at = 2 * self._written
        return BatchResult(records=batch.records, added=len(new), erased=erased)

    # -- pieces of a batch ---------------------------------------------------

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
        stored.upsert_accounts(self.conn, to_write)
        wanted = [(row[0], row[1]) for row in batch.accounts.values()]
        missing = [key for key in wanted if key not in self._accounts]
        if len(self._accounts) + len(missing) > ACCOUNT_CACHE_LIMIT:
            self._accounts.clear()
            self._account_facts.clear()
            missing = wanted
        for platform, keys in stored.by_platform(missing).items():
            for account_id, found in stored.account_ids(self.conn, platform, keys):
                self._accounts[(platform, found)] = account_id
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
        for platform, ids in stored.by_platform((p, rid) for (p, _), rid in parents.items()).items():
            for pid, root in stored.thread_roots(self.conn, platform, ids):
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
        stored.link_new(self.conn, self._last_id, self.run_id)
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
        stored.insert_mentions(self.conn, mention_rows)
        stored.add_people(self.conn)


_REFERENCES = (7, 9, 10)  # a message row's reply_to_id, quote_of_id and repost_of_id (MESSAGE_ROW_COLUMNS)
_NAMING = (4, 11, 15)  # its text, mentions and raw payload (the last two serialised JSON)


def _without_erased(conn: Connection, batch: Prepared) -> tuple[Prepared, int]:
    """`batch` without what was erased before (`erasure.erased_among`): posts deleted on their platform, and
    the posts and accounts of forgotten people, whether as authors or mentioned (a message that names one
    keeps `[forgotten]` in its place). A reference to an erased post is cleared (a reply to it begins a
    thread of its own). Returns the batch and how many of its messages were left out."""
    keys = [(r[0], r[1]) for r in batch.rows]
    gone_posts = erasure.erased_among(conn, erasure.POST, keys + [(r[0], r[i]) for r in batch.rows for i in _REFERENCES if r[i]])
    gone_accounts = erasure.erased_among(conn, erasure.ACCOUNT, [(a[0], a[1]) for a in batch.accounts.values()])
    if not gone_posts and not gone_accounts:
        return batch, 0
    kept = [i for i, (key, author) in enumerate(zip(keys, batch.authors, strict=True))
            if key not in gone_posts and (key[0], author) not in gone_accounts]
    rows = [list(batch.rows[i]) for i in kept]
    for row, i in zip(rows, kept, strict=True):
        for col in _REFERENCES:
            if row[col] and (row[0], row[col]) in gone_posts:
                row[col] = None
        forgotten = [k for k in batch.mentions[i] if (row[0], k) in gone_accounts]
        if forgotten:  # a new message naming a forgotten person names them as `forget` left the others
            for col in _NAMING:
                row[col] = erasure.forgotten_in(row[col], forgotten)
    mentions = [[k for k in batch.mentions[i] if (batch.rows[i][0], k) not in gone_accounts] for i in kept]
    used = {(r[0], author) for r, author in zip(rows, (batch.authors[i] for i in kept), strict=True)}
    used |= {(r[0], k) for r, ks in zip(rows, mentions, strict=True) for k in ks}
    out = Prepared(
        records=batch.records, rows=rows, authors=[batch.authors[i] for i in kept], mentions=mentions,
        accounts={k: a for k, a in batch.accounts.items() if (a[0], a[1]) in used},
        signals=[batch.signals[i] for i in kept] if batch.signals else [], signals_deferred=batch.signals_deferred,
    )
    return out, len(batch.rows) - len(rows)


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
    on_finished: Callable[[Connection, ImportReport], None] | None = None,
    on_new: NewMessagesHook | None = None,
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
    :param on_finished: called with the finished run's report on the transaction
        that completes it (the import's audit entry is written there)
    :param on_new: called on each batch's transaction with the ids of its new messages
    """
    started = time.perf_counter()
    options = settle_options(path, options)
    fmt = options.format
    assert fmt is not None
    key = fingerprint(path, fmt, options)
    with store.begin() as conn:
        previous = stored.find_run(conn, key)
    if previous is not None and previous["status"] == "done":
        return ImportReport(str(path), fmt, previous["id"], previous["records_done"], 0, already_imported=True)
    done, added = (previous["records_done"], previous["added"]) if previous is not None else (0, 0)
    erased = 0
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
        with store.connect() as conn:
            trans = conn.begin()
            try:
                run_id = stored.start_run(conn, "file", str(path), key, fmt) if previous is None else previous["id"]
                ingestor = Ingestor(conn, workspace, run_id, on_new)
                checked(wait=False)
                if progress and done:
                    progress(done)
                for batch in parsed.batches():
                    result = ingestor.apply(batch)
                    done += result.records
                    added += result.added
                    erased += result.erased
                    stored.record_progress(conn, run_id, done, added)
                    if checked(wait=False):
                        trans.commit()
                        trans = conn.begin()
                    if progress:
                        progress(result.records)
                checked(wait=True)
                stored.finish_run(conn, run_id)
                assert verdict is not None
                report = ImportReport(
                    str(path), fmt, run_id, verdict[0], added - added_before,
                    resumed_from=resumed_from, seconds=time.perf_counter() - started, platforms=verdict[1], erased=erased,
                )
                if on_finished is not None:
                    on_finished(conn, report)
                trans.commit()
            except BaseException:
                trans.rollback()
                raise
    finally:
        parsed.close()
    report.seconds = time.perf_counter() - started
    return report


def ingest_messages(
    store: Store, name: str, items: Iterable[ParsedMessage], *, batch_size: int = 5000, progress: Progress | None = None,
    on_new: NewMessagesHook | None = None,
) -> int:
    """Store messages from any source (the demo, tests) as one new ingest run,
    a transaction per batch; returns how many were new."""
    added = 0
    with StreamWriter(store, name, on_new=on_new) as writer:
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

    def __init__(
        self, store: Store, name: str, *, kind: str = "stream", fmt: str = "messages", on_new: NewMessagesHook | None = None
    ) -> None:
        self.conn = store.connect()
        try:
            with self.conn.begin():
                self.workspace = load_workspace(self.conn)
                now = datetime.now(UTC)
                self.run_id = stored.start_run(self.conn, kind, name, f"{kind}:{name}:{now.isoformat()}", fmt)
                self.ingestor = Ingestor(self.conn, self.workspace, self.run_id, on_new)
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
            stored.record_progress(self.conn, self.run_id, self.done, self.added)
            if also is not None:
                also(self.conn, result)
        return result

    def close(self) -> None:
        try:
            with self.conn.begin():
                stored.finish_run(self.conn, self.run_id)
        finally:
            self.conn.close()

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.conn.close()


def _apply_edits(conn: Connection, edits: Sequence[Edit]) -> int:
    """Newer text (and what was extracted from it) for stored messages; an
    edit older than one already applied, or of a deleted message, changes nothing."""
    known = stored.stored_keys(conn, [(e.message.platform, e.message.platform_id) for e in edits])
    rows = [
        {
            "p": e.message.platform, "pid": e.message.platform_id, "at": e.edited_at, "text": e.message.text,
            "mentions": e.message.mentions, "hashtags": e.message.hashtags, "links": e.message.links,
            "raw": e.message.raw,
        }
        for e in edits if (e.message.platform, e.message.platform_id) in known
    ]
    if not rows:
        return 0
    stored.update_texts(conn, rows)
    _refresh_signals(conn, [(str(r["p"]), str(r["pid"])) for r in rows])
    return len({(r["p"], r["pid"]) for r in rows})


def _refresh_signals(conn: Connection, keys: Sequence[tuple[str, str]]) -> None:
    """Signals of edited messages follow their new text (where they had signals)."""
    found = stored.message_texts(conn, keys)
    if not found:
        return
    had = stored.with_signals(conn, [f[0] for f in found])
    found = [f for f in found if f[0] in had]
    if found:
        batch = enrich([f[1] for f in found], sentiment="fast", is_brand=[f[2] for f in found])
        write_signals(conn, [[f[0], *row] for f, row in zip(found, signal_rows(batch), strict=True)])
        rewind_passes(conn, min(f[0] for f in found))  # provisional again: the accurate pass reads them again


def _apply_deletions(conn: Connection, deletions: Sequence[Deletion]) -> int:
    """Posts deleted on their platform are deleted here: the message with its signals, interactions,
    index entry, counts, topic and case places; replies to it answer its parent (see `erasure.erase_deleted`)."""
    return erasure.erase_deleted(conn, [(d.platform, d.platform_id) for d in deletions])

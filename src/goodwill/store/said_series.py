"""Each person's messages as the stage rules read them (`goodwill.domain.people.SaidSeries`), one row per person.

A stage is judged as of a moment (a case opening judges its writer as of
their message), so a row keeps every fact the rules count with its time, not
just totals: what the newest HISTORY_LIMIT messages of the person say (praise,
negative, complaint, helped another customer, replied to the brand) and which
of their questions and complaints the brand has not answered in the thread
after them. `goodwill.people.stage_from` judges a row at any moment; it is
the stage `store.people.history` gives (tests/test_case_stages.py).

Rows follow every write that changes what they hold, inside the writer's
transaction: `note_messages` for messages stored (import, listening, the
brand's replies), answered by the brand or whose signals changed, and the
replies and asks they bear on; `rebuild` for people merged, split or erased
and for the writers of messages erased (forget, retention, posts deleted on
their platform). The brand's own messages are in no row.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import Connection, delete, func, select

from goodwill.domain.people import ASKS, EPOCH, SaidSeries
from goodwill.store.messages import one_of
from goodwill.store.people import HISTORY_LIMIT, said_facts, said_histories
from goodwill.store.tables import accounts, message_signals, messages, people, said_series

CHUNK = 900
_SWAP = sys.byteorder != "little"  # rows are stored little-endian


def pack(series: SaidSeries) -> bytes:
    """The row's bytes: the times, the ids (8 bytes each, little-endian), then one byte per message per flag."""
    at, ids = array("q", series.at), array("q", series.ids)
    if _SWAP:
        at.byteswap()
        ids.byteswap()
    return at.tobytes() + ids.tobytes() + b"".join(bytes(getattr(series, name)) for name in SaidSeries.FLAGS)


def unpack(blob: bytes, n: int) -> SaidSeries:
    """A series of `n` messages from the bytes `pack` wrote."""
    at, ids = array("q"), array("q")
    at.frombytes(blob[:8 * n])
    ids.frombytes(blob[8 * n:16 * n])
    if _SWAP:
        at.byteswap()
        ids.byteswap()
    flags = [bytearray(blob[16 * n + i * n:16 * n + (i + 1) * n]) for i in range(len(SaidSeries.FLAGS))]
    return SaidSeries(at, ids, *flags)


def read(conn: Connection, person_ids: Iterable[int]) -> dict[int, SaidSeries]:
    """The series of each of these people who has written anything (people with no row have not)."""
    found: dict[int, SaidSeries] = {}
    ids = list(person_ids)
    if ids:  # one row each
        for r in conn.execute(select(said_series.c.person_id, said_series.c.messages, said_series.c.series)
                              .where(one_of(conn, said_series.c.person_id, ids))):
            found[int(r.person_id)] = unpack(bytes(r.series), int(r.messages))
    return found


def _write(conn: Connection, rows: dict[int, SaidSeries]) -> None:
    ids = sorted(rows)
    for i in range(0, len(ids), CHUNK):
        conn.execute(delete(said_series).where(said_series.c.person_id.in_(ids[i:i + CHUNK])))
    values = []
    for person in ids:
        s = rows[person]
        if len(s):
            last = s.at[-1]
            values.append({"person_id": person, "messages": len(s), "series": pack(s),
                           "last_at": EPOCH + timedelta(microseconds=last)})
    if values:
        conn.execute(said_series.insert(), values)


def rebuild(conn: Connection, person_ids: Iterable[int]) -> None:
    """Rebuild these people's rows from their stored messages (a person left with none loses their row)."""
    ids = sorted(set(person_ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        histories = said_histories(conn, chunk, brand=False)
        _write(conn, {p: SaidSeries.of(histories[p].said) if p in histories else SaidSeries() for p in chunk})


def rebuild_everyone(conn: Connection) -> int:
    """Rebuild every person's row (migration 0016 fills the table this way). Returns how many rows it wrote."""
    conn.execute(delete(said_series))
    ids = [int(p) for (p,) in conn.execute(
        select(accounts.c.person_id).where(~accounts.c.is_brand, accounts.c.person_id.is_not(None))
        .distinct().order_by(accounts.c.person_id))]
    for i in range(0, len(ids), 2000):
        rebuild(conn, ids[i:i + 2000])
    return int(conn.execute(select(func.count()).select_from(said_series)).scalar_one())


def forget_gone_people(conn: Connection) -> None:
    """Drop the rows of people who no longer exist."""
    conn.execute(delete(said_series).where(~select(people.c.id).where(people.c.id == said_series.c.person_id).exists()))


def note_messages(conn: Connection, message_ids: Sequence[int]) -> None:
    """Bring the rows up to date after these messages were stored or had their signals written (a message kept
    with `deleted_at` set leaves its row): the messages themselves, the stored replies to them (whether a reply
    went to the brand or helped another customer turns on its parent), and the questions and complaints in the
    threads where the brand wrote or where a late parent joined threads up (whether each is answered)."""
    ids = sorted(set(message_ids))
    if not ids:
        return
    m = messages.c
    base = conn.execute(select(m.id, m.platform, m.platform_id, m.thread_root_id, m.is_brand)
                        .where(one_of(conn, m.id, ids))).all()
    wanted = {int(r.id) for r in base if not r.is_brand}
    by_platform: dict[str, list[str]] = {}
    for r in base:
        by_platform.setdefault(r.platform, []).append(r.platform_id)
    parents: set[tuple[str, str]] = set()
    for platform, pids in by_platform.items():
        for child, parent in conn.execute(select(m.id, m.reply_to_id).where(
                m.platform == platform, one_of(conn, m.reply_to_id, pids), ~m.is_brand)):
            wanted.add(int(child))
            parents.add((platform, parent))
    threads: dict[str, set[str]] = {}
    for r in base:
        if r.is_brand or (r.platform, r.platform_id) in parents:
            threads.setdefault(r.platform, set()).add(r.thread_root_id)
    for platform, roots in threads.items():
        wanted.update(int(a) for (a,) in conn.execute(
            select(m.id).select_from(messages.join(message_signals, message_signals.c.message_id == m.id))
            .where(m.platform == platform, one_of(conn, m.thread_root_id, roots), ~m.is_brand,
                   message_signals.c.intent.in_(ASKS))))
    facts = said_facts(conn, sorted(wanted))
    persons = {f[0] for f in facts}
    rows = read(conn, persons)
    again: set[int] = set()
    for person, message_id, at, flags, gone in facts:
        series = rows.setdefault(person, SaidSeries())
        if gone:
            if series.remove((message_id,)) and len(series) + 1 >= HISTORY_LIMIT:
                again.add(person)  # a full row let an older message go that now belongs in it
        elif len(series) < HISTORY_LIMIT or message_id in series.ids:
            series.put(message_id, at, flags)
        elif message_id > (series.oldest_id() or 0):
            series.remove((series.oldest_id() or 0,))
            series.put(message_id, at, flags)
    _write(conn, {p: s for p, s in rows.items() if p not in again})
    if again:
        rebuild(conn, again)



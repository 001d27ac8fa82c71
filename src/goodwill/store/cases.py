"""Cases in the store: `cases`, the messages each holds, their events and internal notes.

The service (`goodwill.service.cases`) decides what opens, joins, re-opens and
moves a case, and works out its priority; these functions read and write it,
each inside the caller's transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, bindparam, func, literal_column, select, tuple_, union_all

from goodwill.errors import FieldError, NotFoundError
from goodwill.store.approval import STANDING
from goodwill.store.kept import KeptRows
from goodwill.store.messages import CHUNK, by_platform, chunks, one_of
from goodwill.store.tables import (
    UTCDateTime,
    accounts,
    case_events,
    case_messages,
    case_notes,
    cases,
    message_signals,
    messages,
    pending_replies,
    sla_escalations,
    users,
)
from goodwill.store.threads import decode_cursor, encode_cursor

#: A priority band as the case list filters on it: its lowest priority and the priority it stays below (None
#: where the band has no such bound). A case's stored band is the one its stored priority falls in, so the
#: range alone picks the band's cases, and `ix_cases_list_order` serves it.
Band = tuple[int | None, int | None]

#: Where a next page of the case list starts: after the case of this priority, opening time and id.
After = tuple[int, datetime, int]

#: Columns the service may change on a case row (everything but its identity).
MUTABLE = tuple(c.name for c in cases.c if c.name not in ("id", "platform", "thread_root_id", "created_at"))


def encode_after(priority: int, opened_at: datetime, ident: int) -> str:
    """A next page's cursor: after the case of this priority, opening time and id."""
    return f"{int(priority)}.{encode_cursor(opened_at, ident)}"


def decode_after(cursor: str) -> After:
    """The case a cursor of `encode_after` names; FieldError when it is not one."""
    priority, _, rest = cursor.partition(".")
    if not priority.isdigit() or len(priority) > 9:
        raise FieldError("cursor", "not a cursor this list handed out")
    at, ident = decode_cursor(rest)
    return int(priority), at, ident


def _driver_value(column: Any, sqlite: bool) -> Any:
    """How one column's value goes to the driver as the column's type would send it."""
    if isinstance(column.type, UTCDateTime):
        def moment(value: datetime | None) -> Any:
            if value is None:
                return None
            if sqlite and value.tzinfo is UTC:
                return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"
            naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
            return naive.isoformat(" ", "microseconds") if sqlite else naive
        return moment
    if isinstance(column.type, JSON):
        def document(value: Any) -> str:
            return "[]" if value == [] else "{}" if value == {} else json.dumps(value)
        return document
    return None


def _write_many(conn: Connection, sql: str, table: Any, names: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Run `sql` (placeholders named after `names`, in order) for every row on the driver's own cursor, each value
    as its column's type would send it: many rows without SQLAlchemy's per-row work, in the caller's transaction."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    columns = [list(c) for c in zip(*map(itemgetter(*names), rows), strict=True)] if len(names) > 1 else \
        [[row[names[0]] for row in rows]]
    for i, name in enumerate(names):  # column by column: each value as its type sends it
        convert = _driver_value(table.c[name], sqlite)
        if convert is not None:
            columns[i] = list(map(convert, columns[i]))
    marks = ["?" if sqlite else "%s::json" if isinstance(table.c[name].type, JSON) else "%s" for name in names]
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql.format(*marks), list(zip(*columns, strict=True)))
    finally:
        cursor.close()


def _insert_many(conn: Connection, table: Any, rows: Sequence[dict[str, Any]], names: Sequence[str] = ()) -> None:
    """Insert rows (dicts holding at least the columns `names`, by default the first row's keys) in one pass
    of the driver."""
    if rows:
        names = list(names or rows[0])
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('{}' for _ in names)})"
        _write_many(conn, sql, table, names, rows)


def incoming(conn: Connection, message_ids: Sequence[int]) -> list[Any]:
    """The messages among `message_ids` that belong to no case yet, not deleted, with their signals
    (NULL when none) and the person who wrote them, oldest first."""
    found: list[Any] = []
    m, s = messages.c, message_signals.c
    query = (select(m.id, m.platform, m.platform_id, m.thread_root_id, m.is_brand, m.created_at, m.text,
                    accounts.c.person_id, s.language, s.intent, s.sentiment, s.needs_response, s.urgency)
             .select_from(messages.join(accounts, accounts.c.id == m.account_id)
                          .outerjoin(message_signals, s.message_id == m.id)
                          .outerjoin(case_messages, case_messages.c.message_id == m.id))
             .where(m.deleted_at.is_(None), case_messages.c.case_id.is_(None)).order_by(m.created_at, m.id))
    ids = sorted(set(message_ids))
    if ids and len(ids) > CHUNK and ids[-1] - ids[0] < 2 * len(ids):
        # A batch of new messages has consecutive ids, or nearly: one range read, the few others left out here.
        wanted = set(ids)
        found = [r for r in conn.execute(query.where(m.id.between(ids[0], ids[-1]))) if r.id in wanted]
    else:
        for chunk in chunks(ids):
            found.extend(conn.execute(query.where(m.id.in_(chunk))))
        found.sort(key=lambda r: (r.created_at, r.id))
    return found


def by_threads(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The case row of each thread (platform, root) that has one."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for platform, roots in by_platform(set(keys)).items():
        for row in conn.execute(select(cases).where(cases.c.platform == platform,
                                                    one_of(conn, cases.c.thread_root_id, roots))):
            found[(platform, row.thread_root_id)] = dict(row._mapping)
    return found


def last_brand_at(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
    """When the brand last wrote in each of these threads (platform, root), where it has."""
    found: dict[tuple[str, str], datetime] = {}
    m = messages.c
    for platform, roots in by_platform(set(keys)).items():
        for root, at in conn.execute(
            select(m.thread_root_id, func.max(m.created_at))
            .where(m.platform == platform, one_of(conn, m.thread_root_id, roots), m.is_brand, m.deleted_at.is_(None))
            .group_by(m.thread_root_id)
        ):
            found[(platform, root)] = at
    return found


def repoint(conn: Connection, moves: Sequence[tuple[str, str, str]]) -> None:
    """Cases keyed on a thread root that has since joined a parent's thread follow it: (platform, old root, new root),
    unless the new thread has a case of its own."""
    keyed = _case_ids(conn, [(p, old) for p, old, _ in moves])
    if not keyed:
        return
    wanted = {(p, old): new for p, old, new in moves if (p, old) in keyed}
    taken = _case_ids(conn, [(p, new) for (p, _), new in wanted.items()])
    for (platform, old), new in wanted.items():
        if (platform, new) not in taken:
            conn.execute(cases.update().where(cases.c.id == keyed[(platform, old)]).values(thread_root_id=new))


def _case_ids(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The id of the case of each thread (platform, root) that has one."""
    found: dict[tuple[str, str], int] = {}
    for platform, roots in by_platform(set(keys)).items():
        found.update(((platform, root), int(i)) for i, root in conn.execute(
            select(cases.c.id, cases.c.thread_root_id).where(cases.c.platform == platform,
                                                              one_of(conn, cases.c.thread_root_id, roots))))
    return found


def insert_cases(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert new case rows (each a dict of every column but `id`; other keys are left out); returns their ids
    by (platform, thread root)."""
    if not rows:
        return {}
    _insert_many(conn, cases, rows, [c.name for c in cases.c if c.name != "id"])
    return _case_ids(conn, [(r["platform"], r["thread_root_id"]) for r in rows])


def update_cases(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write the mutable columns of changed case rows (each a whole row as `by_threads` returns it)."""
    if not rows:
        return
    sql = f"UPDATE cases SET {', '.join(f'{name} = {{}}' for name in MUTABLE)} WHERE id = {{}}"
    _write_many(conn, sql, cases, [*MUTABLE, "id"], rows)


def link_messages(conn: Connection, rows: Sequence[tuple[int, int, bool]]) -> None:
    """(message id, case id, is brand) rows: messages that joined a case."""
    _insert_many(conn, case_messages, [{"message_id": m, "case_id": c, "is_brand": b} for m, c, b in rows])


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Case events: dicts of case_id, at, kind, actor_id, actor_name, message_id, details."""
    _insert_many(conn, case_events, rows, _EVENT_COLUMNS)


_EVENT_COLUMNS = ("case_id", "at", "kind", "actor_id", "actor_name", "message_id", "details")


def add_note(conn: Connection, case_id: int, author_id: int | None, author_name: str, text: str, at: datetime) -> int:
    note_id: int = conn.execute(case_notes.insert().values(
        case_id=case_id, author_id=author_id, author_name=author_name, text=text, created_at=at)).inserted_primary_key[0]  # type: ignore[index]
    return note_id


def get(conn: Connection, case_id: int) -> dict[str, Any]:
    """The case row; NotFoundError when there is none."""
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"no case {case_id} (`goodwill cases list` shows cases' ids)")
    return dict(row._mapping)


def lock(conn: Connection, case_id: int) -> None:
    """Hold the case's row until the transaction ends (PostgreSQL's FOR UPDATE; SQLite has one writer anyway),
    so two transactions deciding on the same case take turns; NotFoundError when there is none."""
    if conn.execute(select(cases.c.id).where(cases.c.id == case_id).with_for_update()).first() is None:
        raise NotFoundError(f"no case {case_id} (`goodwill cases list` shows cases' ids)")


def of_message(conn: Connection, message_id: int) -> int | None:
    """The id of the case a message belongs to, if any."""
    found = conn.execute(select(case_messages.c.case_id).where(case_messages.c.message_id == message_id)).scalar()
    return None if found is None else int(found)


def due_for_priority(conn: Connection, statuses: Sequence[str], now: datetime) -> list[dict[str, Any]]:
    """Cases in `statuses` whose priority waiting longer has raised by `now`."""
    # Read off the priority_next_at index alone (the status is checked here): only active cases have a
    # next change, and a status term lets a planner without statistics walk every active case instead.
    wanted = set(statuses)
    return [dict(r._mapping) for r in conn.execute(select(cases).where(cases.c.priority_next_at <= now))
            if r.status in wanted]


def _listed_query() -> Any:
    first = messages.alias("first")
    author = accounts.alias("author")
    held = (select(func.count()).select_from(pending_replies)
            .where(pending_replies.c.case_id == cases.c.id,  # the statuses inline: the statement's one list is its ids
                   pending_replies.c.status.in_([literal_column(f"'{status}'") for status in STANDING]))
            .scalar_subquery().label("held_replies"))
    escalated = (select(func.count()).select_from(sla_escalations).where(sla_escalations.c.case_id == cases.c.id)
                 .scalar_subquery().label("escalation_count"))
    return (
        select(cases, first.c.platform_id.label("first_platform_id"), first.c.text.label("first_text"),
               first.c.url.label("first_url"), author.c.handle.label("author"), users.c.username.label("assignee"),
               held, escalated)
        .select_from(cases.join(first, first.c.id == cases.c.first_message_id)
                     .join(author, author.c.id == first.c.account_id)
                     .outerjoin(users, users.c.id == cases.c.assignee_id))
    )


#: A case with its first message, its author, its assignee's name, how many of its replies are held for approval
#: (`held_replies`) and how many SLA escalations it had (`escalation_count`); built once: statements are immutable.
_LISTED = _listed_query()


@dataclass(frozen=True)
class _Shape:
    """Which of the case list's filters are in use (what its statements are built from, once per shape)."""

    statuses: int
    lowest: bool = False
    below: bool = False
    team: bool = False
    awaiting: bool = False
    assignee: bool = False
    unassigned: bool = False
    after: bool = False


def _filters(statuses: Sequence[str], team: str | None, assignee_id: int | None, unassigned: bool, awaiting: bool,
             band: Band | None, after: After | None = None) -> tuple[_Shape, dict[str, Any]]:
    """The shape of the case list's filters and the values of its parameters."""
    wanted = list(dict.fromkeys(statuses))
    values: dict[str, Any] = {f"list_status{i}": status for i, status in enumerate(wanted)}
    lowest, below = band if band is not None else (None, None)
    values.update(lowest=lowest, below=below, team=None if team is None else team.strip().lower(),
                  assignee=assignee_id)
    if after is not None:
        values.update(after_priority=after[0], after_at=after[1], after_id=after[2])
    return _Shape(statuses=len(wanted), lowest=lowest is not None, below=below is not None,
                  team=team is not None, awaiting=awaiting, assignee=assignee_id is not None,
                  unassigned=unassigned, after=after is not None), {k: v for k, v in values.items() if v is not None}


def _matching(shape: _Shape) -> list[Any]:
    """WHERE terms of the case list's filters but the status, as parameters."""
    terms: list[Any] = []
    if shape.lowest:  # a band's priority range: ix_cases_list_order seeks to the band's cases
        terms.append(cases.c.priority >= bindparam("lowest"))
    if shape.below:
        terms.append(cases.c.priority < bindparam("below"))
    if shape.team:
        terms.append(func.lower(cases.c.team) == bindparam("team"))
    if shape.awaiting:
        p = pending_replies.c
        terms.append(select(p.id).where(p.case_id == cases.c.id, p.status.in_(("pending", "sending"))).exists())
    if shape.assignee:
        terms.append(cases.c.assignee_id == bindparam("assignee"))
    if shape.unassigned:
        terms.append(cases.c.assignee_id.is_(None))
    return terms


@functools.cache
def _statements(shape: _Shape) -> tuple[Any, Any]:
    """The case list's two statements for one shape of filters, built once: the ids of the first `limit` cases,
    most urgent first (then oldest first): one status read off `ix_cases_list_order` as it is ordered, several
    each status's first `limit` merged; and how many match, each status counted off the index up to `upto`.
    After a case (a next page), each status is read in two parts: the rest of that case's priority, and below it."""
    terms = _matching(shape)
    order = (cases.c.priority.desc(), cases.c.opened_at, cases.c.id)
    limit: Any = bindparam("limit")
    of_status = [cases.c.status == bindparam(f"list_status{i}") for i in range(shape.statuses)]
    first: list[list[Any]] = [[status] for status in of_status]  # each read off the index in its order
    if shape.after:  # after a case: the rest of its priority after it, then every lower priority
        priority: Any = bindparam("after_priority")
        later = tuple_(cases.c.opened_at, cases.c.id) > tuple_(
            bindparam("after_at", type_=cases.c.opened_at.type), bindparam("after_id"))
        first = [[status, cases.c.priority == priority, later] for status in of_status] + \
            [[status, cases.c.priority < priority] for status in of_status]
    if len(first) == 1:
        heads = select(cases.c.id).where(*first[0], *terms).order_by(*order).limit(limit)
    else:
        each = [select(cases.c.id, cases.c.priority, cases.c.opened_at).where(*where, *terms).order_by(*order)
                .limit(limit).subquery() for where in first]
        merged = union_all(*(select(head.c.id, head.c.priority, head.c.opened_at) for head in each)).subquery()
        heads = select(merged.c.id).order_by(merged.c.priority.desc(), merged.c.opened_at, merged.c.id).limit(limit)
    counts = select(*(select(func.count()).select_from(select(cases.c.id).where(*where, *terms)
                                                       .limit(bindparam("upto")).subquery()).scalar_subquery()
                      for where in first))
    return heads, counts


def list_cases(conn: Connection, *, statuses: Sequence[str], team: str | None = None, assignee_id: int | None = None,
               unassigned: bool = False, awaiting: bool = False, band: Band | None = None, after: After | None = None,
               limit: int = 50) -> list[dict[str, Any]]:
    """Cases in `statuses`, most urgent first (then oldest first), with their first message and author;
    `team` ignores case; `awaiting`: only cases with a reply held for approval (pending or being sent);
    `band`: only cases of that priority band, given as (lowest priority or None, priority below or None);
    `after`: only those after the case of this (priority, opening time, id) in that order (a next page).

    Each status's first `limit` are read off `ix_cases_list_order` (no sort of every open case), merged by
    the database in the same statement (a sort of at most `limit` per status), and only the rows listed are
    joined to their message and author."""
    if not statuses:
        return []
    shape, values = _filters(statuses, team, assignee_id, unassigned, awaiting, band, after)
    ids = [int(i) for (i,) in conn.execute(_statements(shape)[0], {**values, "limit": limit})]
    if not ids:
        return []
    found = {int(row["id"]): row for row in _read_listed(conn, ids)}
    return [found[i] for i in ids if i in found]


class _Kept(KeptRows[bytes, dict[str, Any]]):
    """Listed case rows as dicts, kept under the row the driver returned (its values as JSON bytes, every
    column: the case's and its first message's, author's and assignee's), so a case the list showed before
    and that has not changed since is not converted again; with the listed query compiled once per size."""

    def __init__(self, size: int = 4096) -> None:
        super().__init__(size)
        self._sql: dict[tuple[str, int], str] = {}
        self._convert: dict[str, list[tuple[int, Any]]] = {}

    def sql(self, conn: Connection, n: int) -> str:
        """The listed query for `n` case ids in the driver's own placeholders, compiled once per dialect and size."""
        key = (conn.dialect.name, n)
        found = self._sql.get(key)
        if found is None:
            compiled = str(_BY_IDS.compile(dialect=conn.dialect))
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            found = compiled.replace("__[POSTCOMPILE_ids]", ", ".join([mark] * n))
            self._sql[key] = found
        return found

    def converters(self, conn: Connection) -> list[tuple[int, Any]]:
        """(position, the column type's own result processor) for each column whose value the type converts."""
        found = self._convert.get(conn.dialect.name)
        if found is None:
            found = [(i, f) for i, f in ((i, c.type.result_processor(conn.dialect, None))
                                         for i, c in enumerate(_BY_IDS.selected_columns)) if f is not None]
            self._convert[conn.dialect.name] = found
        return found


_BY_IDS = _LISTED.where(cases.c.id.in_(bindparam("ids", expanding=True)))
_LISTED_NAMES = tuple(c.key for c in _BY_IDS.selected_columns)
_KEPT = _Kept()


def _read_listed(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The listed rows of cases `ids` read on the driver's own cursor in the caller's transaction, each value
    converted by its column's type as SQLAlchemy would, and kept (see `_Kept`)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_KEPT.sql(conn, len(ids)), [int(i) for i in ids])
        raw = cursor.fetchall()
    finally:
        cursor.close()
    converters = _KEPT.converters(conn)
    out: list[dict[str, Any]] = []
    for values in raw:
        key = orjson.dumps(tuple(values), default=str)
        item = _KEPT.get(key)
        if item is None:
            row = list(values)
            for i, convert in converters:
                row[i] = convert(row[i])
            item = dict(zip(_LISTED_NAMES, row, strict=True))
            _KEPT.put(key, item)
        out.append(item)
    return out


def count_cases(conn: Connection, *, statuses: Sequence[str], team: str | None = None, assignee_id: int | None = None,
                unassigned: bool = False, awaiting: bool = False, band: Band | None = None, after: After | None = None,
                upto: int = 500) -> int:
    """How many cases `list_cases` would find with no limit, counted no further than `upto` (one statement)."""
    if not statuses:
        return 0
    shape, values = _filters(statuses, team, assignee_id, unassigned, awaiting, band, after)
    return min(sum(int(n) for n in conn.execute(_statements(shape)[1], {**values, "upto": upto}).one()), upto)


def listed(conn: Connection, case_id: int) -> dict[str, Any]:
    """One case as `list_cases` returns it."""
    row = conn.execute(_LISTED.where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"no case {case_id} (`goodwill cases list` shows cases' ids)")
    return dict(row._mapping)


def count_by_status(conn: Connection) -> dict[str, int]:
    return {str(s): int(n) for s, n in conn.execute(select(cases.c.status, func.count()).group_by(cases.c.status))}


def thread(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """The case's messages, oldest first, with authors and signals."""
    m, s = messages.c, message_signals.c
    return [dict(r._mapping) for r in conn.execute(
        select(m.id, m.platform_id, m.created_at, m.text, m.url, m.is_brand, m.deleted_at, accounts.c.handle.label("author"),
               s.intent, s.sentiment, s.urgency, s.needs_response)
        .select_from(case_messages.join(messages, m.id == case_messages.c.message_id)
                     .join(accounts, accounts.c.id == m.account_id)
                     .outerjoin(message_signals, s.message_id == m.id))
        .where(case_messages.c.case_id == case_id).order_by(m.created_at, m.id))]


def latest_customer_message(conn: Connection, case_id: int) -> int | None:
    """The id of the case's newest customer message that is not deleted."""
    m = messages.c
    found = conn.execute(
        select(m.id).select_from(case_messages.join(messages, m.id == case_messages.c.message_id))
        .where(case_messages.c.case_id == case_id, ~case_messages.c.is_brand, m.deleted_at.is_(None))
        .order_by(m.created_at.desc(), m.id.desc()).limit(1)).scalar()
    return None if found is None else int(found)


def events(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.at, case_events.c.id))]


def notes(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        select(case_notes).where(case_notes.c.case_id == case_id).order_by(case_notes.c.created_at, case_notes.c.id))]


def erase_for_messages(conn: Connection, message_ids: Sequence[int]) -> None:
    """Forgetting messages: the cases they opened go (with their events and notes); others lose them."""
    for chunk in chunks(list(message_ids)):
        gone = [i for (i,) in conn.execute(select(cases.c.id).where(cases.c.first_message_id.in_(chunk)))]
        for table, column in ((case_events, case_events.c.case_id), (case_notes, case_notes.c.case_id),
                              (case_messages, case_messages.c.case_id)):
            if gone:
                conn.execute(table.delete().where(column.in_(gone)))
        if gone:
            conn.execute(cases.delete().where(cases.c.id.in_(gone)))
        conn.execute(case_messages.delete().where(case_messages.c.message_id.in_(chunk)))
        conn.execute(case_events.update().where(case_events.c.message_id.in_(chunk)).values(message_id=None))


def open_by_assignee(conn: Connection, statuses: Sequence[str]) -> dict[int, int]:
    """How many cases in `statuses` each user holds (for least-loaded assignment)."""
    return {int(u): int(n) for u, n in conn.execute(
        select(cases.c.assignee_id, func.count()).where(cases.c.status.in_(list(statuses)), cases.c.assignee_id.is_not(None))
        .group_by(cases.c.assignee_id))}

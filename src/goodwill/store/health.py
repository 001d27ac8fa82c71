"""What the relationship-health figures are computed from: asks and their
threads, the brand's replies and the sentiment of the people replied to, the
brand's message times, people active in a period, and the messages behind a
figure (reads only; the arithmetic is `goodwill.metrics.health`); and the
scheduled reports (`report_schedules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from goodwill.domain.people import ASKS
from goodwill.store.tables import accounts, message_signals, messages, people, report_schedules, threads

_CHUNK = 500


def ask_candidates(conn: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Customers' messages in [start, end) whose intent is a question or complaint, or that need a response."""
    rows = conn.execute(
        select(messages.c.id, messages.c.platform, messages.c.thread_root_id, messages.c.created_at,
               accounts.c.person_id, message_signals.c.intent, message_signals.c.needs_response)
        .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id)
                     .join(message_signals, message_signals.c.message_id == messages.c.id))
        .where(~messages.c.is_brand, messages.c.deleted_at.is_(None), messages.c.created_at >= start,
               messages.c.created_at < end, or_(message_signals.c.intent.in_(ASKS), message_signals.c.needs_response))
        .order_by(messages.c.created_at, messages.c.id)
    )
    return [r._asdict() for r in rows]


def thread_messages(conn: Connection, roots: Iterable[tuple[str, str]], since: datetime) -> list[dict[str, Any]]:
    """Every message from `since` on in the threads (platform, root id): time, brand or not, person, sentiment, intent."""
    by_platform: dict[str, list[str]] = {}
    for platform, root in set(roots):
        by_platform.setdefault(platform, []).append(root)
    found: list[dict[str, Any]] = []
    for platform, ids in by_platform.items():
        ids.sort()
        for i in range(0, len(ids), _CHUNK):
            found.extend(r._asdict() for r in conn.execute(
                select(messages.c.id, messages.c.platform, messages.c.thread_root_id, messages.c.created_at,
                       messages.c.is_brand, accounts.c.person_id, message_signals.c.sentiment,
                       message_signals.c.intent)
                .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id)
                             .outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
                .where(messages.c.platform == platform, messages.c.thread_root_id.in_(ids[i:i + _CHUNK]),
                       messages.c.deleted_at.is_(None), messages.c.created_at >= since)
            ))
    found.sort(key=lambda r: (r["created_at"], r["id"]))
    return found


def first_replies(conn: Connection, start: datetime, end: datetime) -> dict[int, tuple[datetime, int]]:
    """Per person: the time and id of the brand's first reply to one of their messages in [start, end)."""
    parent = messages.alias("parent")
    rows = conn.execute(
        select(accounts.c.person_id, messages.c.created_at, messages.c.id)
        .select_from(messages.join(parent, and_(parent.c.platform == messages.c.platform,
                                                parent.c.platform_id == messages.c.reply_to_id))
                     .join(accounts, accounts.c.id == parent.c.account_id))
        .where(messages.c.is_brand, ~parent.c.is_brand, accounts.c.person_id.is_not(None),
               messages.c.deleted_at.is_(None), messages.c.created_at >= start, messages.c.created_at < end)
        .order_by(messages.c.created_at, messages.c.id)
    )
    first: dict[int, tuple[datetime, int]] = {}
    for r in rows:
        first.setdefault(int(r.person_id), (r.created_at, int(r.id)))
    return first


def sentiments(conn: Connection, people_ids: Sequence[int], since: datetime, until: datetime) -> list[tuple[int, int, datetime, float]]:
    """(person, message id, time, positive minus negative probability) of the people's messages in [since, until)."""
    out: list[tuple[int, int, datetime, float]] = []
    ids = sorted(set(people_ids))
    for i in range(0, len(ids), _CHUNK):
        out.extend((int(r.person_id), int(r.id), r.created_at, float(r.sentiment_positive) - float(r.sentiment_negative))
                   for r in conn.execute(
            select(accounts.c.person_id, messages.c.id, messages.c.created_at, message_signals.c.sentiment_positive,
                   message_signals.c.sentiment_negative)
            .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id)
                         .join(message_signals, message_signals.c.message_id == messages.c.id))
            .where(accounts.c.person_id.in_(ids[i:i + _CHUNK]), ~messages.c.is_brand, messages.c.deleted_at.is_(None),
                   messages.c.created_at >= since, messages.c.created_at < until)
        ))
    return out


def brand_times(conn: Connection, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """(platform, time) of the brand's messages in [start, end)."""
    return [(r.platform, r.created_at) for r in conn.execute(
        select(messages.c.platform, messages.c.created_at)
        .where(messages.c.is_brand, messages.c.deleted_at.is_(None), messages.c.created_at >= start,
               messages.c.created_at < end).order_by(messages.c.created_at))]


def active_people(conn: Connection, since: datetime, until: datetime, limit: int) -> list[tuple[int, list[int]]]:
    """The people (with their accounts' ids) who wrote in [since, until), most messages first, at most `limit`."""
    n = func.count().label("n")
    rows = list(conn.execute(
        select(accounts.c.person_id, n)
        .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
        .where(~accounts.c.is_brand, accounts.c.person_id.is_not(None), messages.c.deleted_at.is_(None),
               messages.c.created_at >= since, messages.c.created_at < until)
        .group_by(accounts.c.person_id).order_by(n.desc(), accounts.c.person_id).limit(limit)
    ))
    pids = [int(r.person_id) for r in rows]
    owned: dict[int, list[int]] = {p: [] for p in pids}
    for i in range(0, len(pids), _CHUNK):
        for a in conn.execute(select(accounts.c.id, accounts.c.person_id).where(accounts.c.person_id.in_(pids[i:i + _CHUNK]))
                              .order_by(accounts.c.id)):
            owned[int(a.person_id)].append(int(a.id))
    return [(p, owned[p]) for p in pids]


def span(conn: Connection) -> tuple[datetime | None, datetime | None]:
    """The first and the latest stored message's times."""
    row = conn.execute(select(func.min(messages.c.created_at), func.max(messages.c.created_at))
                       .where(messages.c.deleted_at.is_(None))).one()
    return row[0], row[1]


def messages_by_id(conn: Connection, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The messages with these ids, in the order given: author, text, time, url, their thread and signals."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    found: dict[int, dict[str, Any]] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(
            select(messages.c.id, messages.c.platform, messages.c.text, messages.c.created_at, messages.c.url,
                   messages.c.is_brand, accounts.c.handle, accounts.c.person_id, threads.c.id.label("thread_id"),
                   message_signals.c.sentiment, message_signals.c.intent)
            .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id)
                         .outerjoin(threads, and_(threads.c.platform == messages.c.platform,
                                                  threads.c.root_platform_id == messages.c.thread_root_id))
                         .outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
            .where(messages.c.id.in_(wanted[i:i + _CHUNK]))
        ):
            found[int(r.id)] = r._asdict()
    return [found[i] for i in wanted if i in found]


def brand_message_ids(conn: Connection, start: datetime, end: datetime, platform: str | None = None) -> list[int]:
    """Ids of the brand's messages in [start, end), on one platform if given."""
    where = [messages.c.is_brand, messages.c.deleted_at.is_(None), messages.c.created_at >= start, messages.c.created_at < end]
    if platform is not None:
        where.append(messages.c.platform == platform)
    return [int(r.id) for r in conn.execute(select(messages.c.id).where(*where).order_by(messages.c.created_at))]


def people_names(conn: Connection, ids: Sequence[int]) -> dict[int, str | None]:
    """Display names of the people with these ids."""
    wanted = sorted(set(ids))
    names: dict[int, str | None] = {}
    for i in range(0, len(wanted), _CHUNK):
        names.update((int(r.id), r.display_name) for r in conn.execute(
            select(people.c.id, people.c.display_name).where(people.c.id.in_(wanted[i:i + _CHUNK]))))
    return names


def schedules(conn: Connection) -> list[dict[str, Any]]:
    """Every scheduled report, oldest first."""
    return [r._asdict() for r in conn.execute(select(report_schedules).order_by(report_schedules.c.id))]


def save_schedule(conn: Connection, every: str, out_dir: str, by: str, at: datetime) -> tuple[int, bool]:
    """Schedule a report into `out_dir` (one schedule per folder; an existing one changes its frequency).
    Returns its id and whether it is new."""
    found = conn.execute(select(report_schedules.c.id).where(report_schedules.c.out_dir == out_dir)).scalar()
    if found is not None:
        conn.execute(report_schedules.update().where(report_schedules.c.id == found).values(every=every))
        return int(found), False
    new = conn.execute(report_schedules.insert().values(every=every, out_dir=out_dir, created_by=by, created_at=at))
    return int(new.inserted_primary_key[0]), True  # type: ignore[index]


def remove_schedule(conn: Connection, out_dir: str) -> bool:
    return bool(conn.execute(report_schedules.delete().where(report_schedules.c.out_dir == out_dir)).rowcount)


def claim_period(conn: Connection, schedule_id: int, period: str, file: str, at: datetime) -> bool:
    """Mark `period` written for the schedule unless it already is; False when another run got there first."""
    done = conn.execute(
        report_schedules.update()
        .where(report_schedules.c.id == schedule_id,
               or_(report_schedules.c.last_period.is_(None), report_schedules.c.last_period != period))
        .values(last_period=period, last_file=file, last_run_at=at))
    return bool(done.rowcount)

"""People as an aggregate: their accounts, their history with the brand, merges and splits.

Reads return plain data (`goodwill.people.History`, `AccountEvidence`); the
rules that judge them live in `goodwill.people`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from goodwill.domain.messages import normalise_handle
from goodwill.domain.people import ASKS, BrandSaid, Flags, History, Said, SaidSeries, micros
from goodwill.errors import ConflictError, NotFoundError
from goodwill.store.messages import one_of
from goodwill.store.tables import accounts, interactions, message_signals, messages, people

#: The aliases the history queries join through, made once so SQLAlchemy's statement cache serves every call.
_ALIASES = {"parent": messages.alias("parent"), "parent_signals": message_signals.alias("parent_signals"),
            "author": accounts.alias("author"), "parent_author": accounts.alias("parent_author"),
            "brand_account": accounts.alias("brand_account"), "answered": messages.alias("answered")}
#: Messages with their author, signals, the message each replies to, its author and signals.
_WITH_PARENTS = (
    messages.join(_ALIASES["author"], _ALIASES["author"].c.id == messages.c.account_id)
    .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
    .outerjoin(_ALIASES["parent"], and_(_ALIASES["parent"].c.platform == messages.c.platform,
                                        _ALIASES["parent"].c.platform_id == messages.c.reply_to_id))
    .outerjoin(_ALIASES["parent_author"], _ALIASES["parent_author"].c.id == _ALIASES["parent"].c.account_id)
    .outerjoin(_ALIASES["parent_signals"], _ALIASES["parent_signals"].c.message_id == _ALIASES["parent"].c.id)
)
#: Most of a person's messages read for their profile, newest first.
HISTORY_LIMIT = 2000
#: How many of the most recently active people a list looks at.
LIST_WINDOW = 500


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def live_person(conn: Connection, person_id: int) -> Any:
    """The person's row; NotFoundError when there is none or it was merged into another."""
    row = conn.execute(select(people).where(people.c.id == person_id)).first()
    if row is None:
        raise NotFoundError(f"no person {person_id}")
    if row.merged_into_id is not None:
        raise NotFoundError(f"person {person_id} was merged into person {row.merged_into_id}")
    return row


def person_accounts(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "platform": a.platform, "handle": a.handle, "display_name": a.display_name,
         "platform_user_id": a.platform_user_id, "is_brand": bool(a.is_brand), "first_seen_at": _iso(a.first_seen_at),
         "home_person_id": a.home_person_id}
        for a in conn.execute(select(accounts).where(accounts.c.person_id == person_id).order_by(accounts.c.id))
    ]


def _brand_times(conn: Connection, threads: set[tuple[str, str]]) -> dict[tuple[str, str], list[datetime]]:
    """When the brand wrote in each of these (platform, thread root) threads, oldest first."""
    found: dict[tuple[str, str], list[datetime]] = {}
    for platform in sorted({p for p, _ in threads}):
        roots = [root for p, root in threads if p == platform]
        for t in conn.execute(
            select(messages.c.thread_root_id, messages.c.created_at)
            .where(messages.c.platform == platform, one_of(conn, messages.c.thread_root_id, roots),
                   messages.c.is_brand, messages.c.deleted_at.is_(None))
        ):
            found.setdefault((platform, t.thread_root_id), []).append(t.created_at)
    for times_ in found.values():
        times_.sort()
    return found


def _said(conn: Connection, where: Any, limit: int | None = None) -> list[tuple[int, int, Said]]:
    """(person id, account id, Said) for the stored messages `where` selects, newest first: their signals, the
    message each replies to, and when the brand first answered in the thread after each."""
    parent = _ALIASES["parent"]
    parent_signals = _ALIASES["parent_signals"]
    author = _ALIASES["author"]
    parent_author = _ALIASES["parent_author"]
    query = (
        select(messages.c.id, messages.c.created_at, messages.c.platform, messages.c.thread_root_id, messages.c.text,
               messages.c.mentions, messages.c.account_id, author.c.person_id,
               message_signals.c.sentiment, message_signals.c.intent,
               parent.c.id.label("parent_id"), parent.c.text.label("parent_text"),
               parent.c.is_brand.label("parent_brand"), parent.c.account_id.label("parent_account"),
               parent_author.c.person_id.label("parent_person"), parent_author.c.handle.label("parent_handle"),
               parent_signals.c.intent.label("parent_intent"), parent_signals.c.sentiment.label("parent_sentiment"))
        .select_from(_WITH_PARENTS)
        .where(where, messages.c.deleted_at.is_(None))
        .order_by(messages.c.id.desc())
    )
    rows = list(conn.execute(query if limit is None else query.limit(limit)))
    # The brand's messages in their threads, to see when each of their asks was answered.
    threads = {(r.platform, r.thread_root_id) for r in rows}
    brand_in_thread = _brand_times(conn, threads)
    found = []
    for r in rows:
        later = sorted(t for t in brand_in_thread.get((r.platform, r.thread_root_id), ()) if t > r.created_at)
        other = (r.parent_account is not None and not r.parent_brand and r.parent_account != r.account_id
                 and (r.parent_person is None or r.parent_person != r.person_id))
        mentions = tuple(normalise_handle(str(m)) for m in (r.mentions or ()) if str(m).strip())
        found.append((r.person_id, r.account_id, Said(
            id=r.id, at=r.created_at, platform=r.platform, sentiment=r.sentiment, intent=r.intent,
            to_brand=bool(r.parent_brand), helped_other=other and r.parent_intent == "question",
            answered_at=later[0] if later else None, text=r.text, mentions=mentions,
            replied_to=r.parent_handle if other else None, parent_id=r.parent_id,
            parent_negative=other and (r.parent_intent == "complaint" or r.parent_sentiment == "negative"),
            parent_text=r.parent_text or "")))
    return found


def said_between(conn: Connection, start: datetime, end: datetime) -> dict[int, list[Said]]:
    """What each person who is not the brand wrote from `start` up to (not including) `end`, oldest first."""
    found: dict[int, list[Said]] = {}
    where = and_(messages.c.created_at >= start, messages.c.created_at < end, ~messages.c.is_brand)
    for person_id, _, said in _said(conn, where):
        if person_id is not None:
            found.setdefault(person_id, []).append(said)
    for written in found.values():
        written.reverse()
    return found


def history(conn: Connection, account_ids: Sequence[int]) -> History:
    """What the accounts wrote (their newest HISTORY_LIMIT messages) and what the brand aimed at them."""
    return histories(conn, [account_ids])[0]


#: How many accounts one query of `histories` reads at most.
HISTORY_ACCOUNTS = 1000


def histories(conn: Connection, groups: Sequence[Sequence[int]]) -> list[History]:
    """`history` of each group of accounts (one person's), a few queries for up to HISTORY_ACCOUNTS accounts at
    a time rather than two for every person (a scoring run reads everyone's)."""
    out = [History() for _ in groups]
    chunk: list[int] = []
    size = 0
    for g, ids in enumerate(groups):
        chunk.append(g)
        size += len(ids)
        if size >= HISTORY_ACCOUNTS:
            _read_histories(conn, groups, chunk, out)
            chunk, size = [], 0
    if chunk:
        _read_histories(conn, groups, chunk, out)
    return out


def _read_histories(conn: Connection, groups: Sequence[Sequence[int]], chosen: Sequence[int], out: list[History]) -> None:
    group_of = {a: g for g in chosen for a in groups[g]}
    ids = sorted(group_of)
    if not ids:
        return
    said: dict[int, list[Said]] = {}
    for _, account, s in _said(conn, messages.c.account_id.in_(ids)):
        mine = said.setdefault(group_of[account], [])
        if len(mine) < HISTORY_LIMIT:
            mine.append(s)
    # What the brand aimed at them: its replies to them, mentions of them, shares of their work.
    brand_account = _ALIASES["brand_account"]
    answered = _ALIASES["answered"]
    found: dict[int, dict[int, BrandSaid]] = {}
    seen: dict[int, int] = {}
    order = {"reply": 0, "quote": 1, "repost": 2, "mention": 3}
    for b in conn.execute(
        select(interactions.c.kind, interactions.c.target_account_id, messages.c.id, messages.c.created_at, messages.c.text,
               message_signals.c.promotional, answered.c.id.label("answers"), answered.c.account_id.label("answered_account"))
        .select_from(interactions.join(brand_account, brand_account.c.id == interactions.c.source_account_id)
                     .join(messages, messages.c.id == interactions.c.message_id)
                     .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
                     .outerjoin(answered, and_(answered.c.platform == messages.c.platform,
                                               answered.c.platform_id == messages.c.reply_to_id,
                                               answered.c.account_id.in_(ids))))
        .where(interactions.c.target_account_id.in_(ids), brand_account.c.is_brand, messages.c.deleted_at.is_(None))
        .order_by(messages.c.id.desc())
    ):
        g = group_of[b.target_account_id]
        if seen.get(g, 0) >= HISTORY_LIMIT:
            continue
        seen[g] = seen.get(g, 0) + 1
        answers = b.answers if b.answered_account is not None and group_of.get(b.answered_account) == g else None
        mine_found = found.setdefault(g, {})
        known = mine_found.get(b.id)
        if known is None or order.get(b.kind, 9) < order.get(known.kind, 9):
            mine_found[b.id] = BrandSaid(id=b.id, at=b.created_at, kind=b.kind, answers=answers,
                                         promotional=float(b.promotional or 0.0), text=b.text)
    for g in chosen:
        out[g] = History(said.get(g, []), list(found.get(g, {}).values()))


def recent_people(conn: Connection, limit: int = LIST_WINDOW) -> list[dict[str, Any]]:
    """The most recently active people who are not the brand, latest first, with their accounts' ids."""
    last = func.max(messages.c.created_at).label("last_at")
    rows = list(conn.execute(
        select(accounts.c.person_id, last)
        .select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
        .where(~accounts.c.is_brand, accounts.c.person_id.is_not(None))
        .group_by(accounts.c.person_id).order_by(last.desc(), accounts.c.person_id).limit(limit)
    ))
    if not rows:
        return []
    named = describe(conn, [r.person_id for r in rows])
    return [{**named[r.person_id], "last_at": r.last_at} for r in rows]


def describe(conn: Connection, person_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each person's id, display name and accounts (id, platform, handle), by id."""
    pids = sorted(set(person_ids))
    found: dict[int, dict[str, Any]] = {}
    for i in range(0, len(pids), 500):
        chunk = pids[i:i + 500]
        for p in conn.execute(select(people.c.id, people.c.display_name).where(people.c.id.in_(chunk))):
            found[p.id] = {"id": p.id, "display_name": p.display_name, "accounts": []}
        for a in conn.execute(select(accounts.c.id, accounts.c.person_id, accounts.c.platform, accounts.c.handle)
                              .where(accounts.c.person_id.in_(chunk)).order_by(accounts.c.id)):
            if a.person_id in found:
                found[a.person_id]["accounts"].append({"id": a.id, "platform": a.platform, "handle": a.handle})
    return found


def merge(conn: Connection, keep: int, into_keep: int) -> list[int]:
    """Move every account of person `into_keep` to person `keep`; `into_keep` is kept as merged, so a split can bring it back.
    Returns the ids of the accounts moved."""
    if keep == into_keep:
        raise ConflictError(f"person {keep} cannot be merged with itself")
    live_person(conn, keep)
    live_person(conn, into_keep)
    moved = [a["id"] for a in person_accounts(conn, into_keep)]
    if any(a["is_brand"] for a in person_accounts(conn, keep) + person_accounts(conn, into_keep)):
        raise ConflictError("the brand's own accounts are not merged with people")
    conn.execute(accounts.update().where(accounts.c.person_id == into_keep, accounts.c.home_person_id.is_(None))
                 .values(home_person_id=into_keep))
    conn.execute(accounts.update().where(accounts.c.person_id == into_keep).values(person_id=keep))
    conn.execute(people.update().where(people.c.merged_into_id == into_keep).values(merged_into_id=keep))
    conn.execute(people.update().where(people.c.id == into_keep).values(merged_into_id=keep))
    _restage(conn, [keep, into_keep])
    return moved


def split(conn: Connection, person_id: int, account_id: int) -> int:
    """Move one account out of a person: back to the person it had before a merge, or to a new person. Returns that person's id."""
    live_person(conn, person_id)
    acct = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if acct is None:
        raise NotFoundError(f"no account {account_id}")
    if acct.person_id != person_id:
        raise ConflictError(f"account {account_id} does not belong to person {person_id}")
    others = conn.execute(select(func.count()).select_from(accounts).where(accounts.c.person_id == person_id)).scalar_one()
    if others < 2:
        raise ConflictError(f"person {person_id} has only this account; there is nothing to split")
    home: Any = None
    if acct.home_person_id is not None:
        home = conn.execute(select(people).where(people.c.id == acct.home_person_id)).first()
    if home is not None and home.merged_into_id is not None:
        target = int(home.id)
        conn.execute(people.update().where(people.c.id == target).values(merged_into_id=None))
    else:
        target = int(conn.execute(people.insert().values(
            display_name=acct.display_name or acct.handle, first_account_id=acct.id, created_at=datetime.now(UTC)
        )).inserted_primary_key[0])  # type: ignore[index]
    conn.execute(accounts.update().where(accounts.c.id == account_id).values(person_id=target, home_person_id=None))
    _restage(conn, [person_id, target])
    return target


def _restage(conn: Connection, person_ids: Sequence[int]) -> None:
    """The stage inputs of people whose accounts changed, rebuilt from their messages."""
    from goodwill.store import said_series  # it reads histories through this module

    said_series.rebuild(conn, person_ids)


def account_profiles(conn: Connection) -> list[dict[str, Any]]:
    """Every account that is not the brand's, with the raw payload of its newest stored message (where profiles show)."""
    newest = (select(messages.c.account_id, func.max(messages.c.id).label("mid"))
              .group_by(messages.c.account_id).subquery())
    rows = conn.execute(
        select(accounts.c.id, accounts.c.person_id, accounts.c.platform, accounts.c.handle, accounts.c.platform_user_id,
               messages.c.raw)
        .select_from(accounts.outerjoin(newest, newest.c.account_id == accounts.c.id)
                     .outerjoin(messages, messages.c.id == newest.c.mid))
        .where(~accounts.c.is_brand, accounts.c.person_id.is_not(None)).order_by(accounts.c.id)
    )
    return [{"account_id": r.id, "person_id": r.person_id, "platform": r.platform, "handle": r.handle,
             "platform_user_id": r.platform_user_id, "raw": r.raw if isinstance(r.raw, dict) else {}} for r in rows]


def interaction_records(conn: Connection) -> list[tuple[int, int, str, datetime]]:
    """Every interaction as (source account, target account, kind, time), for the graph scores."""
    return [(r.source_account_id, r.target_account_id, r.kind, r.created_at) for r in conn.execute(
        select(interactions.c.source_account_id, interactions.c.target_account_id, interactions.c.kind,
               interactions.c.created_at).order_by(interactions.c.id))]


def latest_message_at(conn: Connection) -> datetime | None:
    """The newest stored message's time: the workspace's 'now' for stages, so a quiet archive does not lapse everyone."""
    value: datetime | None = conn.execute(select(func.max(messages.c.created_at))).scalar()
    return value


def live_owner(conn: Connection, person_id: int) -> int:
    """The person now holding what `person_id` held: itself, or the person it was merged into (followed along)."""
    seen = {person_id}
    current = person_id
    while True:
        row = conn.execute(select(people.c.merged_into_id).where(people.c.id == current)).first()
        if row is None or row.merged_into_id is None or row.merged_into_id in seen:
            return current
        current = int(row.merged_into_id)
        seen.add(current)


def _stage_query() -> Any:
    """Only what the stage rules read of messages: time, signals, whom each replies to."""
    parent = _ALIASES["parent"]
    parent_signals = _ALIASES["parent_signals"]
    author = _ALIASES["author"]
    parent_author = _ALIASES["parent_author"]
    return (
        select(messages.c.id, messages.c.created_at, messages.c.platform, messages.c.thread_root_id,
               messages.c.account_id, messages.c.is_brand, messages.c.deleted_at, author.c.person_id,
               message_signals.c.sentiment, message_signals.c.intent,
               parent.c.is_brand.label("parent_brand"), parent.c.account_id.label("parent_account"),
               parent_author.c.person_id.label("parent_person"), parent_signals.c.intent.label("parent_intent"))
        .select_from(_WITH_PARENTS)
    )


def _stage_facts(conn: Connection, rows: Sequence[Any]) -> list[tuple[datetime | None, bool, bool]]:
    """For each row: when the brand first answered in its thread after it (asks only), whether it replies to
    the brand, and whether it helped another customer (replies to their question)."""
    asks = {(r.platform, r.thread_root_id) for r in rows if r.intent in ASKS}
    brand_in_thread = _brand_times(conn, asks)
    out = []
    for r in rows:
        answered = None
        if r.intent in ASKS:
            later = brand_in_thread.get((r.platform, r.thread_root_id), [])
            at = bisect_right(later, r.created_at)
            answered = later[at] if at < len(later) else None
        other = (r.parent_account is not None and not r.parent_brand and r.parent_account != r.account_id
                 and (r.parent_person is None or r.parent_person != r.person_id))
        out.append((answered, bool(r.parent_brand), bool(other and r.parent_intent == "question")))
    return out


def _stage_said(conn: Connection, rows: Sequence[Any]) -> list[Said]:
    """The rows as `Said`s with only what a stage reads (`answered_at` for asks only), in the rows' order."""
    return [Said(id=r.id, at=r.created_at, platform=r.platform, sentiment=r.sentiment, intent=r.intent,
                 to_brand=to_brand, helped_other=helped, answered_at=answered)
            for r, (answered, to_brand, helped) in zip(rows, _stage_facts(conn, rows), strict=True)]


def said_histories(conn: Connection, person_ids: Sequence[int], *, brand: bool = True) -> dict[int, History]:
    """What each of these people wrote, read for many people at once: only the part of their history a stage
    is judged on (time, signals, whom each message replies to, and for questions and complaints when the brand
    first answered in the thread after them), newest HISTORY_LIMIT messages each. The rest of a `Said` (text,
    mentions, the parent's text) is left empty, and `answered_at` is read for asks only: the stage reads
    nothing else, so the stages are those `history` gives (tests/test_case_stages.py checks they match).
    `brand=False` leaves out the brand's own messages (what `store.said_series` keeps)."""
    author = _ALIASES["author"]
    ids = sorted(set(person_ids))
    rows: list[Any] = []
    for i in range(0, len(ids), 900):
        where: list[Any] = [author.c.person_id.in_(ids[i:i + 900]), messages.c.deleted_at.is_(None)]
        if not brand:
            where.append(~messages.c.is_brand)
        rows += conn.execute(_stage_query().where(*where).order_by(messages.c.id.desc())).all()
    # Keep each person's newest HISTORY_LIMIT, then read the brand's times only in the threads of their asks.
    kept: dict[int, list[Any]] = {}
    for r in rows:
        mine = kept.setdefault(r.person_id, [])
        if len(mine) < HISTORY_LIMIT:
            mine.append(r)
    said = iter(_stage_said(conn, [r for mine in kept.values() for r in mine]))
    return {person: History([next(said) for _ in mine]) for person, mine in kept.items()}


def said_facts(conn: Connection, message_ids: Sequence[int]) -> list[tuple[int, int, int, Flags, bool]]:
    """(person, message id, time in microseconds since EPOCH, `SaidSeries` flags, whether it is gone) for these
    messages of people who are not the brand: gone when deleted (a message erased outright is not found)."""
    rows: Sequence[Any] = []
    if message_ids:
        rows = conn.execute(_stage_query().where(one_of(conn, messages.c.id, message_ids), ~messages.c.is_brand,
                                                 _ALIASES["author"].c.person_id.is_not(None))).all()
    facts_of = SaidSeries.facts_of
    return [(int(r.person_id), int(r.id), micros(r.created_at),
             facts_of(r.intent, r.sentiment, to_brand, helped, answered is not None), r.deleted_at is not None)
            for r, (answered, to_brand, helped) in zip(rows, _stage_facts(conn, rows), strict=True)]


def engaged_by(conn: Connection, person_ids: Sequence[int]) -> dict[int, int]:
    """How many other people's accounts engaged with each person (replied to, quoted, reposted or mentioned them)."""
    target = accounts.alias("target")
    source = accounts.alias("source")
    found: dict[int, int] = {}
    if person_ids:
        found.update((int(p), int(n)) for p, n in conn.execute(
            select(target.c.person_id, func.count(interactions.c.source_account_id.distinct()))
            .select_from(interactions.join(target, target.c.id == interactions.c.target_account_id)
                         .join(source, source.c.id == interactions.c.source_account_id))
            .where(one_of(conn, target.c.person_id, person_ids), ~source.c.is_brand,
                   source.c.person_id != target.c.person_id)
            .group_by(target.c.person_id)))
    return found

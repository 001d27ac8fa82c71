"""Erasing personal data: messages with everything derived from them, whole people, and old data by policy.

Deleting a message also deletes its signals and interactions, takes it out of
the full-text index (a trigger on SQLite, the expression index on PostgreSQL),
and fixes its thread's counts and its day's counts. Erasing a person also
removes every trace of them left in others' messages and in the audit log:
their handles, names, user ids and message ids are replaced with FORGOTTEN.
A post deleted on its platform is erased the same way (`erase_deleted`): its
replies answer its parent instead, and its id and address are replaced with
DELETED in the messages of its thread and those that quote or repost it.

What was erased stays erased: each deleted post's key, and each forgotten
person's accounts and posts, leave a digest in `erased_keys` (`digest`: a
sha256 that can confirm an id one already holds and names none), and
`erased_among` tells imports and listening which keys of a batch not to store
again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, delete, func, or_, select, update

from goodwill.store import said_series
from goodwill.store.cases import erase_for_messages
from goodwill.store.messages import by_platform
from goodwill.store.scores import forget as forget_scores
from goodwill.store.scores import forget_orphans
from goodwill.store.tables import (
    accounts,
    audit_log,
    cases,
    erased_keys,
    interactions,
    message_days,
    message_signals,
    message_topics,
    messages,
    pending_replies,
    people,
    threads,
    topic_alerts,
    topic_days,
    topics,
)
from goodwill.store.tables import workspace as workspace_table

FORGOTTEN = "[forgotten]"
DELETED = "[deleted]"
CHUNK = 500


@dataclass
class Erased:
    """What an erasure removed (counts only: what it removed is gone)."""

    people: int = 0
    accounts: int = 0
    messages: int = 0
    interactions: int = 0
    redacted: int = 0
    threads: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, int]:
        return {"people": self.people, "accounts": self.accounts, "messages": self.messages,
                "interactions": self.interactions, "redacted_elsewhere": self.redacted, "threads_removed": self.threads}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def erase_messages(conn: Connection, ids: Sequence[int], *, restage: Iterable[int] = ()) -> tuple[int, int, int]:
    """Delete these messages and what hangs on them; returns (messages, interactions, threads removed).
    The stage inputs (`said_series`) follow: the writers', and those of replies to them, of questions and
    complaints the brand's erased answers answered, and of the messages `restage` names."""
    rows = []
    for chunk in _chunks(list(ids)):
        rows += list(conn.execute(select(messages.c.id, messages.c.platform, messages.c.platform_id,
                                         messages.c.thread_root_id, messages.c.created_at, messages.c.is_brand)
                                  .where(messages.c.id.in_(chunk))))
    if not rows:
        return 0, 0, 0
    found = [r.id for r in rows]
    # Whose stage inputs change: the writers; the writers of replies to these messages (a reply's parent
    # counts) and of asks in the threads of the brand's messages among them (whether each is answered).
    writers: set[int] = set()
    others: set[int] = set(restage)
    for chunk in _chunks(found):
        writers.update(p for (p,) in conn.execute(
            select(accounts.c.person_id).select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
            .where(messages.c.id.in_(chunk), accounts.c.person_id.is_not(None)).distinct()))
    for r_chunk in _chunks(rows):
        for platform in {r.platform for r in r_chunk}:
            keys = [r.platform_id for r in r_chunk if r.platform == platform]
            roots = sorted({r.thread_root_id for r in r_chunk if r.platform == platform and r.is_brand})
            others.update(i for (i,) in conn.execute(select(messages.c.id).where(
                messages.c.platform == platform,
                or_(messages.c.reply_to_id.in_(keys), and_(messages.c.thread_root_id.in_(roots), ~messages.c.is_brand)))))
    _drop_from_topics(conn, found)
    erase_for_messages(conn, found)
    gone_interactions = 0
    for chunk in _chunks(found):
        conn.execute(delete(message_signals).where(message_signals.c.message_id.in_(chunk)))
        gone_interactions += conn.execute(delete(interactions).where(interactions.c.message_id.in_(chunk))).rowcount
        conn.execute(delete(messages).where(messages.c.id.in_(chunk)))
    days: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        n = days.setdefault((r.created_at.astimezone(UTC).date().isoformat(), r.platform), [0, 0])
        n[0] += 1
        n[1] += int(bool(r.is_brand))
    for (day, platform), (count, brand) in days.items():
        key = and_(message_days.c.day == day, message_days.c.platform == platform)
        conn.execute(update(message_days).where(key).values(messages=message_days.c.messages - count,
                                                            brand_messages=message_days.c.brand_messages - brand))
        conn.execute(delete(message_days).where(key, message_days.c.messages <= 0))
    removed = _recount_threads(conn, {(r.platform, r.thread_root_id) for r in rows},
                               {(r.platform, r.platform_id) for r in rows})
    said_series.rebuild(conn, writers)
    said_series.note_messages(conn, sorted(others - set(found)))
    return len(found), gone_interactions, removed


def _drop_from_topics(conn: Connection, ids: Sequence[int]) -> None:
    """Take the messages out of their topics: membership, the topic's and its day's counts, alert examples."""
    counts: dict[tuple[int, Any], list[int]] = {}
    for chunk in _chunks(list(ids)):
        for r in conn.execute(
            select(message_topics.c.topic_id, messages.c.created_at, message_signals.c.sentiment)
            .select_from(message_topics.join(messages, messages.c.id == message_topics.c.message_id)
                         .outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
            .where(message_topics.c.message_id.in_(chunk))
        ):
            tally = counts.setdefault((r.topic_id, r.created_at.astimezone(UTC).date()), [0, 0])
            tally[0] += 1
            tally[1] += int(r.sentiment == "negative")
        conn.execute(delete(message_topics).where(message_topics.c.message_id.in_(chunk)))
    for (topic, day), (n, negative) in counts.items():
        conn.execute(update(topics).where(topics.c.id == topic).values(size=topics.c.size - n,
                                                                      negative=topics.c.negative - negative))
        conn.execute(update(topic_days).where(topic_days.c.topic_id == topic, topic_days.c.day == day)
                     .values(messages=topic_days.c.messages - n, negative=topic_days.c.negative - negative))
    gone = set(ids)
    for alert in list(conn.execute(select(topic_alerts.c.id, topic_alerts.c.examples))):
        examples = list(alert.examples or [])
        if gone.intersection(examples):
            conn.execute(update(topic_alerts).where(topic_alerts.c.id == alert.id)
                         .values(examples=[i for i in examples if i not in gone]))


def _recount_threads(conn: Connection, roots: set[tuple[str, str]], erased: set[tuple[str, str]]) -> int:
    """Recount the threads that lost messages; remove those left empty, and re-key those whose first message went."""
    removed = 0
    for platform, root in sorted(roots):
        t = conn.execute(select(threads).where(threads.c.platform == platform, threads.c.root_platform_id == root)).first()
        if t is None:
            continue
        count, first, last = conn.execute(
            select(func.count(), func.min(messages.c.created_at), func.max(messages.c.created_at))
            .where(messages.c.platform == platform, messages.c.thread_root_id == root)
        ).one()
        if not count:
            conn.execute(delete(threads).where(threads.c.id == t.id))
            removed += 1
            continue
        brand_count = conn.execute(select(func.count()).where(
            messages.c.platform == platform, messages.c.thread_root_id == root, messages.c.is_brand)).scalar_one()
        values: dict[str, Any] = {"message_count": count, "brand_message_count": brand_count,
                                  "first_at": first, "last_at": last}
        if (platform, root) in erased:
            # The first message is gone: the thread keeps no id of it.
            new_root = f"erased-{t.id}"
            conn.execute(update(messages).where(messages.c.platform == platform, messages.c.thread_root_id == root)
                         .values(thread_root_id=new_root))
            conn.execute(update(cases).where(cases.c.platform == platform, cases.c.thread_root_id == root)
                         .values(thread_root_id=new_root))
            values |= {"root_platform_id": new_root, "root_account_id": None}
        conn.execute(update(threads).where(threads.c.id == t.id).values(**values))
    return removed


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t and len(t) >= 2}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(rf"(?<![\w.-]){re.escape(w)}(?![\w-])" for w in words), re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str], marker: str = FORGOTTEN) -> Any:
    if isinstance(value, str):
        return pattern.sub(marker, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, marker) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, pattern, marker): _scrub(v, pattern, marker) for k, v in value.items()}
    return value


def forgotten_in(text: str, handles: Iterable[str]) -> str:
    """`text` (plain or serialised JSON) with each of `handles` (with or without its "@"), as a whole word,
    replaced with FORGOTTEN: how a new message names a forgotten person."""
    pattern = _pattern([form for h in handles for form in (h.lstrip("@"), "@" + h.lstrip("@"))])
    return text if pattern is None else pattern.sub(FORGOTTEN, text)


def _mentioning(conn: Connection, columns: Sequence[Any], terms: Sequence[str]) -> Any:
    return or_(*(func.lower(cast(c, Text)).contains(t.lower(), autoescape=True) for c in columns for t in terms))


def redact(conn: Connection, terms: Sequence[str], *, marker: str = FORGOTTEN, among: Any = None,
           audit: bool = True) -> int:
    """Replace every whole-word occurrence of `terms` in stored messages (those `among` selects, if given;
    without `among`, replies held for approval too) and audit entries with `marker`; a reference to a message
    named by a term is cleared."""
    pattern = _pattern(terms)
    if pattern is None:
        return 0
    words = [t for t in terms if t and len(t) >= 2]
    changed = 0
    text_cols = (messages.c.text, messages.c.url, messages.c.reply_to_id, messages.c.quote_of_id, messages.c.repost_of_id)
    json_cols = (messages.c.mentions, messages.c.hashtags, messages.c.links, messages.c.raw)
    query = select(messages).where(_mentioning(conn, text_cols + json_cols, words))
    if among is not None:
        query = query.where(among)
    for r in list(conn.execute(query)):
        values: dict[str, Any] = {}
        for c in ("text", "url"):
            if getattr(r, c) is not None and (new := pattern.sub(marker, getattr(r, c))) != getattr(r, c):
                values[c] = new
        for c in ("reply_to_id", "quote_of_id", "repost_of_id"):
            if getattr(r, c) is not None and pattern.search(getattr(r, c)):
                values[c] = None  # a reference to an erased message
        for c in ("mentions", "hashtags", "links", "raw"):
            if (new := _scrub(getattr(r, c), pattern, marker)) != getattr(r, c):
                values[c] = new
        if values:
            conn.execute(update(messages).where(messages.c.id == r.id).values(**values))
            changed += 1
    if among is None:  # replies held for approval may name the person too
        p = pending_replies.c
        for h in list(conn.execute(select(p.id, p.text).where(_mentioning(conn, (p.text,), words)))):
            if (new := pattern.sub(marker, h.text)) != h.text:
                conn.execute(update(pending_replies).where(p.id == h.id).values(text=new))
                changed += 1
    if not audit:
        return changed
    for a in list(conn.execute(select(audit_log).where(_mentioning(conn, (audit_log.c.target, audit_log.c.details), words)))):
        conn.execute(update(audit_log).where(audit_log.c.id == a.id).values(
            target=None if a.target is None else pattern.sub(marker, a.target), details=_scrub(a.details, pattern, marker)))
        changed += 1
    return changed


POST = "post"
ACCOUNT = "account"


def digest(kind: str, platform: str, key: str) -> str:
    """The digest `erased_keys` keeps of a post (its platform id) or an account (its account key)."""
    return hashlib.sha256(f"goodwill-erased-1\x1f{kind}\x1f{platform}\x1f{key}".encode()).hexdigest()


def remember_erased(conn: Connection, kind: str, keys: Iterable[tuple[str, str]]) -> None:
    """Keep the digests of `keys` (platform, id or account key), so that they are not stored again."""
    wanted, at = {digest(kind, platform, key) for platform, key in keys}, datetime.now(UTC)
    for chunk in _chunks(sorted(wanted)):
        known = {d for (d,) in conn.execute(select(erased_keys.c.digest).where(erased_keys.c.digest.in_(chunk)))}
        fresh = [{"digest": d, "kind": kind, "erased_at": at} for d in chunk if d not in known]
        if fresh:
            conn.execute(erased_keys.insert(), fresh)


def erased_among(conn: Connection, kind: str, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of `keys` (platform, id or account key) were erased: posts deleted on their platform or
    posts and accounts of forgotten people."""
    by_digest = {digest(kind, platform, key): (platform, key) for platform, key in keys}
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(by_digest)):
        found |= {by_digest[d] for (d,) in conn.execute(select(erased_keys.c.digest).where(erased_keys.c.digest.in_(chunk)))}
    return found


def erase_deleted(conn: Connection, keys: Sequence[tuple[str, str]]) -> int:
    """Posts deleted on their platform (keys of platform, platform id): each stored one is erased with
    everything derived from it, as `erase_messages` does. Its replies answer its parent instead (the
    nearest one not deleted; none when it began its thread), and its platform id and address are
    replaced with DELETED in the rest of its thread and in the messages quoting or reposting it.
    Every key is remembered (`remember_erased`), stored or not, so the post is never stored later.
    Returns how many stored messages were erased."""
    remember_erased(conn, POST, keys)
    rows = []
    for platform, wanted in by_platform(set(keys)).items():
        for chunk in _chunks(sorted(set(wanted))):
            rows += list(conn.execute(select(messages.c.id, messages.c.platform, messages.c.platform_id,
                                             messages.c.reply_to_id, messages.c.url, messages.c.thread_root_id)
                                      .where(messages.c.platform == platform, messages.c.platform_id.in_(chunk))))
    if not rows:
        return 0
    gone = {(r.platform, r.platform_id): r for r in rows}
    answering: list[int] = []  # replies that now answer another message
    for r in rows:
        parent, seen = r.reply_to_id, {r.platform_id}
        while parent is not None and (r.platform, parent) in gone and parent not in seen:
            seen.add(parent)
            parent = gone[(r.platform, parent)].reply_to_id
        answering += [i for (i,) in conn.execute(select(messages.c.id).where(
            messages.c.platform == r.platform, messages.c.reply_to_id == r.platform_id))]
        conn.execute(update(messages).where(messages.c.platform == r.platform, messages.c.reply_to_id == r.platform_id)
                     .values(reply_to_id=parent))
    ids = [r.id for r in rows]
    for platform in {r.platform for r in rows}:
        mine = [r for r in rows if r.platform == platform]
        pids = [r.platform_id for r in mine]
        terms = pids + [r.url for r in mine if r.url]
        near = and_(messages.c.platform == platform, messages.c.id.not_in(ids), or_(
            messages.c.thread_root_id.in_(sorted({r.thread_root_id for r in mine})),
            messages.c.quote_of_id.in_(pids), messages.c.repost_of_id.in_(pids)))
        redact(conn, terms, marker=DELETED, among=near, audit=False)
    return erase_messages(conn, ids, restage=answering)[0]


def erase_person(conn: Connection, person_id: int) -> Erased:
    """Erase a person (and anyone merged into them): accounts, messages and what hangs on them, and every mention elsewhere."""
    pids = [person_id] + [p for (p,) in conn.execute(select(people.c.id).where(people.c.merged_into_id == person_id))]
    accts = list(conn.execute(select(accounts).where(or_(accounts.c.person_id.in_(pids), accounts.c.home_person_id.in_(pids)))))
    persons = list(conn.execute(select(people.c.display_name).where(people.c.id.in_(pids))))
    ids = [a.id for a in accts]
    done = Erased(people=len(pids), accounts=len(ids))
    mine: list[int] = []
    theirs: list[str] = []
    posts: list[tuple[str, str]] = []
    for chunk in _chunks(ids):
        for m in conn.execute(select(messages.c.id, messages.c.platform, messages.c.platform_id, messages.c.url)
                              .where(messages.c.account_id.in_(chunk))):
            mine.append(m.id)
            posts.append((m.platform, m.platform_id))
            theirs += [m.platform_id] + ([m.url] if m.url else [])
    remember_erased(conn, POST, posts)
    remember_erased(conn, ACCOUNT, [(a.platform, a.account_key) for a in accts])
    done.messages, done.interactions, done.threads = erase_messages(conn, mine)
    for chunk in _chunks(ids):
        done.interactions += conn.execute(delete(interactions).where(or_(
            interactions.c.source_account_id.in_(chunk), interactions.c.target_account_id.in_(chunk)))).rowcount
        conn.execute(update(threads).where(threads.c.root_account_id.in_(chunk)).values(root_account_id=None))
    terms = [*theirs]
    for a in accts:
        terms += [a.handle, "@" + a.handle, a.account_key, a.display_name or "", a.platform_user_id or ""]
    terms += [p.display_name or "" for p in persons]
    done.redacted = redact(conn, terms)
    for chunk in _chunks(ids):
        conn.execute(update(people).where(people.c.first_account_id.in_(chunk)).values(first_account_id=None))
        conn.execute(delete(accounts).where(accounts.c.id.in_(chunk)))
    conn.execute(update(accounts).where(accounts.c.home_person_id.in_(pids)).values(home_person_id=None))
    forget_scores(conn, pids)
    conn.execute(delete(people).where(people.c.id.in_(pids)))
    said_series.forget_gone_people(conn)
    return done


def retention_days(conn: Connection) -> int | None:
    value = conn.execute(select(workspace_table.c.retention_days).where(workspace_table.c.id == 1)).scalar()
    return None if value is None else int(value)


def set_retention_days(conn: Connection, days: int | None) -> None:
    conn.execute(update(workspace_table).where(workspace_table.c.id == 1).values(retention_days=days))


def erase_older_than(conn: Connection, cutoff: datetime, batch: int = 5000) -> Erased:
    """Delete messages not written by the brand from before `cutoff`, then the accounts and people left with
    none (and their scores)."""
    done = Erased()
    while True:
        ids = [i for (i,) in conn.execute(select(messages.c.id).where(messages.c.created_at < cutoff, ~messages.c.is_brand)
                                          .order_by(messages.c.id).limit(batch))]
        if not ids:
            break
        n, i, t = erase_messages(conn, ids)
        done.messages += n
        done.interactions += i
        done.threads += t
    has_message = select(messages.c.id).where(messages.c.account_id == accounts.c.id).exists()
    empty = [a for (a,) in conn.execute(select(accounts.c.id).where(~accounts.c.is_brand, ~has_message))]
    for chunk in _chunks(empty):
        done.interactions += conn.execute(delete(interactions).where(or_(
            interactions.c.source_account_id.in_(chunk), interactions.c.target_account_id.in_(chunk)))).rowcount
        conn.execute(update(threads).where(threads.c.root_account_id.in_(chunk)).values(root_account_id=None))
        conn.execute(update(people).where(people.c.first_account_id.in_(chunk)).values(first_account_id=None))
        done.accounts += conn.execute(delete(accounts).where(accounts.c.id.in_(chunk))).rowcount
    has_account = select(accounts.c.id).where(accounts.c.person_id == people.c.id).exists()
    done.people = conn.execute(delete(people).where(~has_account)).rowcount
    forget_orphans(conn)
    said_series.forget_gone_people(conn)
    conn.execute(update(accounts).where(accounts.c.home_person_id.is_not(None),
                                        ~select(people.c.id).where(people.c.id == accounts.c.home_person_id).exists())
                 .values(home_person_id=None))
    return done


def erase_blanked(conn: Connection) -> int:
    """Delete the rows that versions before deleted posts were deleted kept blanked (`deleted_at` set), as a
    deletion seen now would; returns how many."""
    done = 0
    while True:
        keys = [(p, i) for p, i in conn.execute(select(messages.c.platform, messages.c.platform_id)
                                                .where(messages.c.deleted_at.is_not(None)).limit(CHUNK))]
        if not keys:
            return done
        done += erase_deleted(conn, keys)

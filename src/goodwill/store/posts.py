"""The brand's own posts in the store: drafts, their schedule, and the claim
that makes each go out once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from goodwill.errors import ConflictError, NotFoundError
from goodwill.store.tables import accounts, interactions, message_signals, messages, posts


def add_post(conn: Connection, **values: Any) -> int:
    """Store a new post (`values` are its columns); returns its id."""
    new_id = conn.execute(posts.insert().values(attempts=0, **values)).inserted_primary_key[0]  # type: ignore[index]
    return int(new_id)


def get_post(conn: Connection, post_id: int) -> dict[str, Any]:
    row = conn.execute(select(posts).where(posts.c.id == post_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no post {post_id}")
    return dict(row)


def list_posts(conn: Connection, *, statuses: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Posts by their time (drafts without one last), then id."""
    query = select(posts)
    if statuses:
        query = query.where(posts.c.status.in_(statuses))
    rows = conn.execute(query.order_by(posts.c.scheduled_at.is_(None), posts.c.scheduled_at, posts.c.id)).mappings()
    return [dict(r) for r in rows]


def set_status(conn: Connection, post_id: int, status: str, *, expect: tuple[str, ...], **values: Any) -> dict[str, Any]:
    """Move post `post_id` to `status` when it is in one of `expect` (a ConflictError otherwise)."""
    post = get_post(conn, post_id)
    if post["status"] not in expect:
        raise ConflictError(f"post {post_id} is {post['status']}; only a post that is {' or '.join(expect)} can be")
    done = conn.execute(
        update(posts).where(posts.c.id == post_id, posts.c.status == post["status"]).values(status=status, **values)
    ).rowcount
    if done != 1:
        raise ConflictError(f"post {post_id} changed while being updated; try again")
    return get_post(conn, post_id)


def due_ids(conn: Connection, now: datetime, reclaim_after: timedelta) -> list[int]:
    """Scheduled posts whose time has come, and posts claimed longer than `reclaim_after`
    ago and never recorded as published (their publisher stopped mid-way)."""
    stale = now - reclaim_after
    rows = conn.execute(
        select(posts.c.id).where(or_(
            and_(posts.c.status == "scheduled", posts.c.scheduled_at <= now),
            and_(posts.c.status == "publishing", posts.c.claimed_at <= stale),
        )).order_by(posts.c.scheduled_at, posts.c.id)
    )
    return [int(r.id) for r in rows]


def claim(conn: Connection, post_id: int, token: str, now: datetime, reclaim_after: timedelta) -> dict[str, Any] | None:
    """Claim post `post_id` for publishing with `token` (status publishing), when it is still
    due or its earlier claim went stale; None when another publisher holds it or it is done."""
    stale = now - reclaim_after
    done = conn.execute(
        update(posts).where(posts.c.id == post_id, or_(
            and_(posts.c.status == "scheduled", posts.c.scheduled_at <= now),
            and_(posts.c.status == "publishing", posts.c.claimed_at <= stale),
        )).values(status="publishing", claim_token=token, claimed_at=now, attempts=posts.c.attempts + 1)
    ).rowcount
    return get_post(conn, post_id) if done == 1 else None


def finish(conn: Connection, post_id: int, token: str, **values: Any) -> bool:
    """Record the outcome of claim `token` (status and what the platform said); False when the claim was lost."""
    done = conn.execute(
        update(posts).where(posts.c.id == post_id, posts.c.claim_token == token, posts.c.status == "publishing")
        .values(**values)
    ).rowcount
    return done == 1


def accounts_named(conn: Connection, handle: str) -> list[int]:
    """The accounts whose handle is `handle` (without case; `name` also matches `name@host`)."""
    wanted = handle.casefold().lstrip("@")
    rows = conn.execute(select(accounts.c.id, accounts.c.handle).where(
        or_(func.lower(accounts.c.handle) == wanted, func.lower(accounts.c.handle).like(wanted + "@%"))))
    return [int(r.id) for r in rows]


def brand_accounts(conn: Connection) -> list[int]:
    return [int(r.id) for r in conn.execute(select(accounts.c.id).where(accounts.c.is_brand.is_(True)))]


def network_of(conn: Connection, influencer: list[int], exclude: list[int]) -> list[int]:
    """The accounts that interacted with any of `influencer`'s accounts, or that they interacted with."""
    toward = select(interactions.c.source_account_id.label("a")).where(interactions.c.target_account_id.in_(influencer))
    back = select(interactions.c.target_account_id.label("a")).where(interactions.c.source_account_id.in_(influencer))
    found = {int(r.a) for r in conn.execute(toward.union(back))}
    return sorted(found - set(influencer) - set(exclude))


def messages_toward(
    conn: Connection, people: list[int], targets: list[int], start: datetime, end: datetime,
) -> list[tuple[int, int, int, datetime, float | None]]:
    """(message id, writer, target account, time, positive minus negative sentiment) of `people`'s
    messages in [start, end) that interact with any of `targets`, once per message and target."""
    if not people or not targets:
        return []
    score = (message_signals.c.sentiment_positive - message_signals.c.sentiment_negative).label("score")
    rows = conn.execute(
        select(interactions.c.message_id, interactions.c.source_account_id, interactions.c.target_account_id,
               messages.c.created_at, score)
        .distinct()
        .join(messages, messages.c.id == interactions.c.message_id)
        .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
        .where(interactions.c.source_account_id.in_(people), interactions.c.target_account_id.in_(targets),
               messages.c.created_at >= start, messages.c.created_at < end)
    )
    return [(int(r.message_id), int(r.source_account_id), int(r.target_account_id), r.created_at,
             None if r.score is None else float(r.score)) for r in rows]

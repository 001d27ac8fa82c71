"""The brand's own posts in the store: drafts, their schedule, and the claim
that makes each go out once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from goodwill.errors import ConflictError, NotFoundError
from goodwill.store.tables import posts


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

"""The /posts page: the publishing plan by day and channel with its warnings, drafts, and collaborations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from goodwill.errors import ConflictError, FieldError, NotFoundError
from goodwill.service import posts
from goodwill.web.deps import PageActor, PathId, StoreDep, no_nul
from goodwill.web.pages.routes import Csrf, back, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])


def by_day(plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scheduled posts grouped by day, then by channel."""
    days: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for p in plan:
        if p["scheduled_at"] and p["status"] in ("scheduled", "publishing", "published"):
            days.setdefault(p["scheduled_at"][:10], {}).setdefault(p["channel"], []).append(p)
    return [{"day": d, "channels": sorted(c.items())} for d, c in sorted(days.items())]


@router.get("/posts")
def posts_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    plan = posts.plan(store, actor)
    return render(request, "posts.html", actor, plan=plan, days=by_day(plan["posts"]),
                  drafts=[p for p in plan["posts"] if p["status"] in ("draft", "failed")],
                  collaborations=posts.collaborations(store, actor))


@router.post("/posts", dependencies=[Csrf])
def posts_draft(
    request: Request, store: StoreDep, actor: PageActor,
    text: Annotated[str, Form(max_length=posts.MAX_TEXT)],
    channel: Annotated[str, Form(max_length=200)],
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        post = posts.draft(store, actor, text, channel, at=posts.parse_at(at) if at.strip() else None)
    except (FieldError, NotFoundError) as exc:
        return back(request, "/posts", str(exc), "error")
    return back(request, "/posts", f"Post {post['id']} {post['status']}: reads as {post['reading']['kind']} "
                                   f"({post['reading']['reason']}); {len(post['tone'])} tone flags.")


@router.post("/posts/{post_id}/cancel", dependencies=[Csrf])
def posts_cancel(request: Request, store: StoreDep, actor: PageActor, post_id: PathId) -> Response:
    try:
        posts.cancel(store, actor, post_id)
    except (ConflictError, NotFoundError) as exc:
        return back(request, "/posts", str(exc), "error")
    return back(request, "/posts", f"Post {post_id} cancelled.")

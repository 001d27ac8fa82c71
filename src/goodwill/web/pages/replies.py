"""The pages of replies: saved replies and the tone check of a draft (on the replies page and a thread's page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from goodwill.domain.team import Actor
from goodwill.errors import ConflictError, FieldError, NotFoundError
from goodwill.service import conversations, saved_replies, tone
from goodwill.web.deps import PageActor, PathId, StoreDep, no_nul
from goodwill.web.pages.routes import Csrf, back, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])
Draft = Annotated[str, Form(max_length=tone.MAX_DRAFT)]


def replies_page(request: Request, store: StoreDep, actor: Actor, status_code: int = 200, **context: Any) -> Response:
    return render(request, "replies.html", actor, status_code, saved=saved_replies.list_saved(store, actor),
                  platforms=tone.PLATFORMS, **context)


def answered_message(thread: dict[str, Any]) -> dict[str, Any] | None:
    """The message a reply on a thread's page answers: its latest from someone other than the brand."""
    others = [m for m in thread["messages"] if not m["is_brand"]]
    return others[-1] if others else None


@router.get("/replies")
def replies(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return replies_page(request, store, actor)


@router.post("/replies/check", dependencies=[Csrf])
def replies_check(request: Request, store: StoreDep, actor: PageActor, text: Draft,
                  platform: Annotated[str, Form(max_length=20)] = "") -> Response:
    try:
        result = tone.tone_check(store, actor, text, platform=platform or None)
    except FieldError as exc:
        return replies_page(request, store, actor, 422, draft=text, platform=platform, problem=str(exc))
    return replies_page(request, store, actor, draft=text, platform=platform, result=result)


@router.post("/replies/saved", dependencies=[Csrf])
def saved_add(request: Request, store: StoreDep, actor: PageActor, title: Annotated[str, Form(max_length=200)],
              body: Draft, tags: Annotated[str, Form(max_length=2000)] = "") -> Response:
    try:
        row = saved_replies.add_saved(store, actor, title, body, tags.replace(",", " ").split())
    except (FieldError, ConflictError) as exc:
        return back(request, "/replies", str(exc), "error")
    n = len(row["flags"])
    note = f" with {n} tone flag{'s' if n != 1 else ''}: see below" if n else ""
    return back(request, "/replies", f"Saved “{row['title']}”{note}.", "error" if n else "ok")


@router.post("/replies/saved/{reply_id}/remove", dependencies=[Csrf])
def saved_remove(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId) -> Response:
    try:
        row = saved_replies.remove_saved(store, actor, reply_id)
    except NotFoundError as exc:
        return back(request, "/replies", str(exc), "error")
    return back(request, "/replies", f"Removed “{row['title']}”.")


@router.post("/threads/{thread_id}/tone-check", dependencies=[Csrf])
def thread_check(request: Request, store: StoreDep, actor: PageActor, thread_id: PathId, text: Draft) -> Response:
    thread = conversations.thread(store, actor, thread_id)
    answered = answered_message(thread)
    context: dict[str, Any] = {"thread": thread, "draft": text, "saved": saved_replies.list_saved(store, actor)}
    try:
        platform = thread["platform"] if thread["platform"] in tone.PLATFORMS else None
        context["tone"] = tone.tone_check(store, actor, text, message_id=answered["id"] if answered else None,
                                          platform=platform)
    except FieldError as exc:
        return render(request, "thread.html", actor, 422, problem=str(exc), **context)
    return render(request, "thread.html", actor, **context)

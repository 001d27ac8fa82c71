"""The API of the brand's own posts, under /api/v1."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import Field

from goodwill.service import posts
from goodwill.web.api.routes import Strict
from goodwill.web.deps import ApiActor, PathId, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])


class PostDraft(Strict):
    text: str = Field(min_length=1, max_length=posts.MAX_TEXT, description="The post's text.")
    channel: str = Field(min_length=1, max_length=200, description="The source to publish through.")
    at: str | None = Field(default=None, max_length=40, description="Schedule it for this time (ISO 8601; UTC without an offset).")
    collaboration: Literal["sponsored", "pitched"] | None = None
    influencer: str | None = Field(default=None, max_length=200, description="The influencer's handle, for a collaboration.")


class PostSchedule(Strict):
    at: str = Field(min_length=1, max_length=40, description="When it goes out (ISO 8601; UTC without an offset).")


@router.get("/posts", summary="The publishing plan: every post with its reading and tone flags, and the plan's warnings")
def get_posts(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return posts.plan(store, actor)


@router.post("/posts", status_code=201, summary="Draft a post for a channel (read as give or take, tone-checked); "
                                                "with `at`, scheduled")
def add_post(store: StoreDep, actor: ApiActor, body: PostDraft) -> dict[str, Any]:
    at = posts.parse_at(body.at) if body.at else None
    return posts.draft(store, actor, body.text, body.channel, at=at, collaboration=body.collaboration,
                       influencer=body.influencer)


@router.get("/posts/collaborations", summary="Sponsored and pitched posts: the influencer's network toward the "
                                             "influencer and the brand, before and after")
def get_collaborations(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"collaborations": posts.collaborations(store, actor)}


@router.get("/posts/{post_id}", summary="One post")
def get_post(store: StoreDep, actor: ApiActor, post_id: PathId) -> dict[str, Any]:
    return posts.get(store, actor, post_id)


@router.post("/posts/{post_id}/schedule", summary="Schedule a draft, or move a scheduled post")
def schedule_post(store: StoreDep, actor: ApiActor, post_id: PathId, body: PostSchedule) -> dict[str, Any]:
    return posts.schedule(store, actor, post_id, posts.parse_at(body.at))


@router.post("/posts/{post_id}/cancel", summary="Cancel a draft or a scheduled post")
def cancel_post(store: StoreDep, actor: ApiActor, post_id: PathId) -> dict[str, Any]:
    return posts.cancel(store, actor, post_id)

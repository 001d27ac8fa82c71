"""The API of the tone check and saved replies, under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from goodwill.service import saved_replies, tone
from goodwill.web.api.routes import Strict
from goodwill.web.deps import MAX_ID, ApiActor, PathId, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])


class ToneCheckRequest(Strict):
    text: str = Field(min_length=1, max_length=tone.MAX_DRAFT, description="The draft reply.")
    message_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                   description="The stored message it answers: its question, its platform.")
    platform: str | None = Field(default=None, max_length=20, description=", ".join(tone.PLATFORMS))


class SavedReplyCreate(Strict):
    title: str = Field(min_length=1, max_length=saved_replies.MAX_TITLE)
    body: str = Field(min_length=1, max_length=tone.MAX_DRAFT)
    tags: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=saved_replies.MAX_TAGS)


@router.post("/tone-check", summary="Check a draft reply's tone; flags with why and a fix (advice only)")
def tone_check(store: StoreDep, actor: ApiActor, body: ToneCheckRequest) -> dict[str, Any]:
    return tone.tone_check(store, actor, body.text, message_id=body.message_id, platform=body.platform)


@router.get("/saved-replies", summary="Saved replies by title, each with its tone flags")
def list_saved(
    store: StoreDep, actor: ApiActor, tag: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    return {"items": saved_replies.list_saved(store, actor, tag=tag)}


@router.post("/saved-replies", status_code=201, summary="Save a reply; it is tone-checked and saved either way")
def add_saved(store: StoreDep, actor: ApiActor, body: SavedReplyCreate) -> dict[str, Any]:
    return saved_replies.add_saved(store, actor, body.title, body.body, body.tags)


@router.delete("/saved-replies/{reply_id}", summary="Remove a saved reply")
def remove_saved(store: StoreDep, actor: ApiActor, reply_id: PathId) -> dict[str, Any]:
    return saved_replies.remove_saved(store, actor, reply_id)

"""The JSON API under /api/v1: the same resources the pages show, for integrations."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from goodwill.domain.team import Role
from goodwill.errors import NotFoundError
from goodwill.service import conversations, team
from goodwill.store.browse import ThreadFilter
from goodwill.web.deps import ApiActor, StoreDep

router = APIRouter(prefix="/api/v1", tags=["api"])

Answered = Literal["yes", "no"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=team.MIN_PASSWORD, max_length=1024)
    role: Role = Role.AGENT


class UserUpdate(Strict):
    disabled: bool | None = None
    role: Role | None = None
    password: str | None = Field(default=None, min_length=team.MIN_PASSWORD, max_length=1024)


class SettingsUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = Field(default=None, max_length=500)
    competitors: list[str] | None = Field(default=None, max_length=500)


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


@router.get("/health", summary="Is the server up (no sign-in needed)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", summary="The user the token belongs to")
def me(actor: ApiActor) -> dict[str, Any]:
    return {"id": actor.user_id, "username": actor.name, "role": str(actor.role)}


@router.get("/overview", summary="Volumes by day and platform, thread counts, latest unanswered threads")
def overview(store: StoreDep, actor: ApiActor, days: Annotated[int, Query(ge=1, le=366)] = 14) -> dict[str, Any]:
    return conversations.overview(store, actor, days=days)


@router.get("/conversations", summary="Threads, latest activity first, filtered and paged by cursor")
def list_conversations(
    store: StoreDep,
    actor: ApiActor,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    since: date | None = None,
    until: date | None = None,
    answered: Answered | None = None,
    q: Annotated[str | None, Query(max_length=400)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=conversations.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    filters = ThreadFilter(
        platform=platform or None, since=since, until=until,
        answered=None if answered is None else answered == "yes", q=q or None,
    )
    return conversations.conversations(store, actor, filters, cursor=cursor, limit=limit)


@router.get("/threads/{thread_id}", summary="One thread, every message in order with its author")
def get_thread(store: StoreDep, actor: ApiActor, thread_id: int) -> dict[str, Any]:
    return conversations.thread(store, actor, thread_id)


@router.get("/people/{person_id}", summary="A person: accounts, messages (newest first, paged), interactions")
def get_person(
    store: StoreDep, actor: ApiActor, person_id: int, before: int | None = None,
    limit: Annotated[int, Query(ge=1, le=conversations.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    return conversations.person(store, actor, person_id, before=before, limit=limit)


@router.get("/settings", summary="The workspace: name, brand accounts, keywords, competitors")
def get_settings(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return team.get_settings(store, actor)


@router.patch("/settings", summary="Change the workspace's name, keywords or competitors (manager)")
def patch_settings(store: StoreDep, actor: ApiActor, body: SettingsUpdate) -> dict[str, Any]:
    return team.update_settings(store, actor, name=body.name, keywords=body.keywords, competitors=body.competitors)


@router.get("/users", summary="Every user (admin)")
def list_users(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": team.list_users(store, actor)}


@router.post("/users", status_code=201, summary="Add a user (admin)")
def add_user(store: StoreDep, actor: ApiActor, body: UserCreate) -> dict[str, Any]:
    return team.add_user(store, actor, body.username, body.password, body.role)


@router.patch("/users/{username}", summary="Disable or enable a user, change their role or password (admin)")
def patch_user(store: StoreDep, actor: ApiActor, username: str, body: UserUpdate) -> dict[str, Any]:
    team.require(actor, Role.ADMIN)
    result: dict[str, Any] | None = None
    if body.password is not None:
        team.reset_password(store, actor, username, body.password)
    if body.role is not None:
        result = team.set_role(store, actor, username, body.role)
    if body.disabled is not None:
        result = team.set_disabled(store, actor, username, body.disabled)
    if result is None:
        result = next((u for u in team.list_users(store, actor) if u["username"].lower() == username.lower()), None)
        if result is None:
            raise NotFoundError(f"no user named {username!r}")
    return result


@router.get("/tokens", summary="Your API tokens (never the tokens themselves)")
def list_tokens(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": team.list_tokens(store, actor)}


@router.post("/tokens", status_code=201, summary="Create an API token for yourself; it is shown only in this reply")
def create_token(store: StoreDep, actor: ApiActor, body: TokenCreate) -> dict[str, Any]:
    token, info = team.create_token(store, actor, body.name)
    return {**info, "token": token}


@router.delete("/tokens/{token_id}", summary="Revoke one of your tokens (admins: anybody's)")
def revoke_token(store: StoreDep, actor: ApiActor, token_id: int) -> dict[str, Any]:
    return team.revoke_token(store, actor, token_id)


@router.get("/audit", summary="The audit log, newest first, paged with `before` (admin)")
def read_audit(
    store: StoreDep, actor: ApiActor, before: int | None = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    return team.read_audit(store, actor, before=before, limit=limit, action=action)


@router.get("/audit/export", summary="The whole audit log as CSV or JSON lines (admin)")
def export_audit(store: StoreDep, actor: ApiActor, format: Literal["csv", "jsonl"] = "jsonl") -> StreamingResponse:
    return audit_download(team.export_audit(store, actor), format)


def audit_download(entries: Iterator[dict[str, Any]], format: str) -> StreamingResponse:
    """Stream audit entries as a CSV or JSONL download. The first entry is read
    before the response starts, so a refusal is still an error status."""
    first = next(entries, None)

    def lines() -> Iterator[bytes]:
        if format == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(team.AUDIT_COLUMNS)
            for entry in itertools.chain([first] if first else [], entries):
                writer.writerow(team.audit_csv_row(entry))
                if buf.tell() > 1 << 16:
                    yield buf.getvalue().encode()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue().encode()
        else:
            if first is not None:
                yield orjson.dumps(first) + b"\n"
            for entry in entries:
                yield orjson.dumps(entry) + b"\n"

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        lines(), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="goodwill-audit.{format}"'},
    )

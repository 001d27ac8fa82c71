"""The API of cases (the inbox), under /api/v1/cases: the same operations as `goodwill cases`."""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from goodwill.service import approval, cases, casework
from goodwill.web.api.routes import Strict
from goodwill.web.deps import ApiActor, PathId, StoreDep, known_query, refreshes_priorities, sends_to_a_platform

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

Tag = Annotated[str, Field(min_length=1, max_length=60)]


class CaseChange(Strict):
    assignee: str | None = Field(default=None, min_length=1, max_length=80,
                                 description="Give it to this user (an agent may take it; giving it to others needs a manager).")
    unassign: bool = Field(default=False, description="Take it off whoever has it.")
    team: str | None = Field(default=None, max_length=100, description="The team responsible (empty: none).")
    tags: list[Tag] | None = Field(default=None, max_length=50, description="Its tags, replacing the old ones.")
    status: str | None = Field(default=None, max_length=20, description="new, open, waiting, resolved or closed.")
    public: bool | None = Field(default=None, description="With status resolved: whether it was resolved in public.")


class NoteCreate(Strict):
    text: str = Field(min_length=1, max_length=10_000)


class CaseReply(Strict):
    text: str = Field(min_length=1, max_length=10_000)
    send: bool = Field(default=False, description="Publish it; without it, a dry run.")
    seen: int | None = Field(default=None, ge=0, le=2**63 - 1,
                             description="The case's `version` the reply was written on: sending is refused (409 "
                                         "reply_crossed) when someone else replied or moved the case since.")


class PolicyChange(Strict):
    teams: list[Tag] = Field(default_factory=list, max_length=100,
                             description="Teams whose agents' replies need a manager's approval.")
    tags: list[Tag] = Field(default_factory=list, max_length=100,
                            description="Case tags whose agents' replies need a manager's approval.")


class HeldEdit(Strict):
    text: str = Field(min_length=1, max_length=10_000, description="The reply's new text.")
    seen: int | None = Field(default=None, ge=0, le=2**63 - 1,
                             description="The case's `version` its author read: refused (409 reply_crossed) when "
                                         "someone else replied or moved the case since.")


class Decline(Strict):
    reason: str = Field(min_length=1, max_length=approval.MAX_REASON, description="Why: the reply's author reads it.")


class Presence(Strict):
    typing: bool = Field(default=False, description="Whether the user is typing a reply or note.")
    leaving: bool = Field(default=False, description="The user closed the case: forget their presence now.")


@router.get("/cases", summary="Cases, most urgent first, each with its priority and the reason in words")
def list_cases(
    request: Request, store: StoreDep, actor: ApiActor,
    status: Annotated[str | None, Query(max_length=100, description="new, open, waiting, resolved, closed "
                                        "(comma-separated), active (the default) or all")] = None,
    team: Annotated[str | None, Query(max_length=100)] = None,
    assignee: Annotated[str | None, Query(max_length=80, description="a user name, or none for unassigned")] = None,
    awaiting_approval: Annotated[bool, Query(description="only cases with a reply awaiting a manager's approval")] = False,
    band: Annotated[str | None, Query(max_length=20, description="only this priority band: emergency, high, "
                                      "normal or low")] = None,
    limit: Annotated[int, Query(ge=1, le=cases.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="the `next_cursor` of the page before: "
                                        "the cases after it")] = None,
) -> dict[str, Any]:
    """A page of cases; `next_cursor` is where the next page starts (null on the last page)."""
    found = cases.list_cases_counted(store, actor, status=status, team=team, assignee=assignee,
                                     awaiting_approval=awaiting_approval, band=band, limit=limit, cursor=cursor,
                                     refresh=refreshes_priorities(request))
    return {"items": found["items"], "next_cursor": found["next_cursor"]}


@router.get("/cases/approval-policy", summary="Which teams' and tags' cases hold agents' replies for a manager's approval")
def get_policy(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return approval.show_policy(store, actor)


@router.put("/cases/approval-policy", summary="Replace the approval policy (managers)")
def put_policy(store: StoreDep, actor: ApiActor, body: PolicyChange) -> dict[str, Any]:
    return approval.set_policy(store, actor, teams=body.teams, tags=body.tags)


@router.get("/cases/approvals", summary="Replies held for a manager's approval, the longest waiting first")
def list_held(
    store: StoreDep, actor: ApiActor,
    status: Annotated[str, Query(max_length=20, description="pending (the default), sent, declined, withdrawn or all")] = "pending",
    limit: Annotated[int, Query(ge=1, le=approval.MAX_PAGE)] = 100,
) -> dict[str, Any]:
    return {"items": approval.list_held(store, actor, status=status, limit=limit)}


@router.get("/cases/approvals/{reply_id}", summary="One held reply")
def get_held(store: StoreDep, actor: ApiActor, reply_id: PathId) -> dict[str, Any]:
    return approval.get_held(store, actor, reply_id)


@router.post("/cases/approvals/{reply_id}/approve",
             summary="Approve a held reply (managers): it is sent through the platform's connector")
@sends_to_a_platform
def approve(request: Request, store: StoreDep, actor: ApiActor, reply_id: PathId) -> dict[str, Any]:
    return approval.approve(store, actor, reply_id, environ=dict(os.environ), settings=request.app.state.settings)


@router.post("/cases/approvals/{reply_id}/decline", summary="Decline a held reply (managers), with the reason its author sees")
def decline(store: StoreDep, actor: ApiActor, reply_id: PathId, body: Decline) -> dict[str, Any]:
    return approval.decline(store, actor, reply_id, body.reason)


@router.patch("/cases/approvals/{reply_id}", summary="Edit your reply while it awaits approval")
def edit_held(store: StoreDep, actor: ApiActor, reply_id: PathId, body: HeldEdit) -> dict[str, Any]:
    return approval.edit(store, actor, reply_id, body.text, seen=body.seen)


@router.post("/cases/approvals/{reply_id}/release",
             summary="Release a held reply whose sending was interrupted (managers): it awaits approval again")
def release(store: StoreDep, actor: ApiActor, reply_id: PathId) -> dict[str, Any]:
    """Only a reply `interrupted` (being sent for 10 minutes or more: its process stopped before the platform
    answered); look on the platform first, it may have been published."""
    return approval.release(store, actor, reply_id)


@router.post("/cases/approvals/{reply_id}/withdraw", summary="Withdraw your reply while it awaits approval")
def withdraw(store: StoreDep, actor: ApiActor, reply_id: PathId) -> dict[str, Any]:
    return approval.withdraw(store, actor, reply_id)


@router.get("/cases/{case_id}", summary="One case: why it matters, its messages, events and internal notes")
def get_case(store: StoreDep, actor: ApiActor, case_id: PathId) -> dict[str, Any]:
    return cases.get_case(store, actor, case_id)


@router.patch("/cases/{case_id}", summary="Assign a case (user, team, tags) and/or move its status")
def patch_case(store: StoreDep, actor: ApiActor, case_id: PathId, body: CaseChange) -> dict[str, Any]:
    result: dict[str, Any] | None = None
    if body.assignee is not None or body.unassign or body.team is not None or body.tags is not None:
        result = cases.assign(store, actor, case_id, assignee=body.assignee, unassign=body.unassign, team=body.team,
                              tags=body.tags)
    if body.status is not None:
        result = cases.set_status(store, actor, case_id, body.status, public=body.public)
    if result is None:
        result = cases.assign(store, actor, case_id)  # says what a change needs
    return result


@router.post("/cases/{case_id}/notes", status_code=201, summary="Add an internal note to a case")
def add_note(store: StoreDep, actor: ApiActor, case_id: PathId, body: NoteCreate) -> dict[str, Any]:
    return cases.add_note(store, actor, case_id, body.text)


@router.post("/cases/{case_id}/reply", summary="Reply in public to the case's newest customer message (dry run unless send)")
@sends_to_a_platform
def reply(request: Request, store: StoreDep, actor: ApiActor, case_id: PathId, body: CaseReply) -> dict[str, Any]:
    return cases.reply(store, actor, case_id, body.text, send=body.send, environ=dict(os.environ),
                       settings=request.app.state.settings, seen=body.seen)


@router.post("/cases/{case_id}/presence", summary="Say you are viewing or typing in a case; who else is, and its version")
def presence(store: StoreDep, actor: ApiActor, case_id: PathId, body: Presence) -> dict[str, Any]:
    return casework.heartbeat(store, actor, case_id, typing=body.typing, leaving=body.leaving)


class CaseOpen(Strict):
    message_id: int = Field(ge=1, le=2**63 - 1, description="The customer message to open it from.")


@router.post("/cases", status_code=201, summary="Open a case by hand from a customer's message, whatever its signals say")
def open_case(store: StoreDep, actor: ApiActor, body: CaseOpen) -> dict[str, Any]:
    return cases.open_case(store, actor, body.message_id)

"""The API of advocates, surprise-and-delight gestures and their budget, under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from goodwill.service import advocacy
from goodwill.web.api.routes import Strict
from goodwill.web.deps import MAX_ID, ApiActor, PathId, QueryId, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

From = Annotated[str | None, Query(alias="from", max_length=40, description="Start of the period (date or time, UTC).")]
To = Annotated[str | None, Query(alias="to", max_length=40, description="End of the period, not included.")]
Limit = Annotated[int, Query(ge=1, le=advocacy.MAX_PAGE)]
Month = Annotated[str | None, Query(max_length=7, description="The month, like 2026-11; default: this month.")]


class GestureCreate(Strict):
    person_id: int = Field(ge=1, le=MAX_ID)
    kind: str = Field(min_length=1, max_length=40, description=", ".join(advocacy.KINDS))
    reason: str = Field(min_length=1, max_length=advocacy.MAX_REASON)
    cost: str = Field(default="0", max_length=20, description="Like 12.50; 0 for a thank-you.")
    currency: str | None = Field(default=None, max_length=3, description="Three letters; default: the budget's.")


class GestureDecision(Strict):
    note: str | None = Field(default=None, max_length=advocacy.MAX_REASON)


class BudgetUpdate(Strict):
    period: str | None = Field(default=None, max_length=7, description="The month, like 2026-11; default: this month.")
    amount: str = Field(max_length=20, description="The month's budget, like 300.")
    agent_limit: str = Field(max_length=20, description="Agents may give up to this per gesture without approval.")
    currency: str = Field(max_length=3)


@router.get("/advocates", summary="People who recommend, defend, answer for or praise the brand, best first, with evidence")
def list_advocates(store: StoreDep, actor: ApiActor, start: From = None, end: To = None, limit: Limit = 50) -> dict[str, Any]:
    return advocacy.list_advocates(store, actor, start=advocacy.moment("from", start), end=advocacy.moment("to", end),
                                   limit=limit)


@router.get("/gestures", summary="Gestures newest first, each with who approved it and what followed it")
def list_gestures(store: StoreDep, actor: ApiActor, person: QueryId = None,
                  status: Annotated[str | None, Query(max_length=20)] = None, before: QueryId = None,
                  limit: Limit = 50) -> dict[str, Any]:
    return advocacy.list_gestures(store, actor, person_id=person, status=status, before=before, limit=limit)


@router.get("/gestures/suggestions", summary="Whom to thank or surprise and why, best first")
def suggestions(store: StoreDep, actor: ApiActor, start: From = None, end: To = None, limit: Limit = 20) -> dict[str, Any]:
    return advocacy.suggestions(store, actor, start=advocacy.moment("from", start), end=advocacy.moment("to", end),
                                limit=limit)


@router.post("/gestures", status_code=201, summary="Log a gesture; above the agent limit it waits for a manager")
def log_gesture(store: StoreDep, actor: ApiActor, body: GestureCreate) -> dict[str, Any]:
    return advocacy.log_gesture(store, actor, body.person_id, kind=body.kind, reason=body.reason, cost=body.cost,
                                currency=body.currency)


@router.post("/gestures/{gesture_id}/approve", summary="Approve a pending gesture (manager)")
def approve(store: StoreDep, actor: ApiActor, gesture_id: PathId, body: GestureDecision) -> dict[str, Any]:
    return advocacy.approve_gesture(store, actor, gesture_id, note=body.note)


@router.post("/gestures/{gesture_id}/decline", summary="Decline a pending gesture (manager)")
def decline(store: StoreDep, actor: ApiActor, gesture_id: PathId, body: GestureDecision) -> dict[str, Any]:
    return advocacy.decline_gesture(store, actor, gesture_id, note=body.note)


@router.get("/budget", summary="A month's gesture budget: spent, waiting, left, the agent limit")
def get_budget(store: StoreDep, actor: ApiActor, period: Month = None) -> dict[str, Any]:
    return advocacy.show_budget(store, actor, period=period)


@router.put("/budget", summary="Set a month's gesture budget and the agent limit (manager)")
def put_budget(store: StoreDep, actor: ApiActor, body: BudgetUpdate) -> dict[str, Any]:
    return advocacy.set_budget(store, actor, amount=body.amount, agent_limit=body.agent_limit, currency=body.currency,
                               period=body.period)

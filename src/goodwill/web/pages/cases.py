"""The case list page (most urgent first, with each priority's reason and its SLA) and a plain page per case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from goodwill.service import cases
from goodwill.web.deps import PageActor, PathId, StoreDep, no_nul
from goodwill.web.pages.routes import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])
STATUS_CHOICES = ("active", "new", "open", "waiting", "resolved", "closed", "all")


@router.get("/cases")
def cases_page(
    request: Request, store: StoreDep, actor: PageActor,
    status: Annotated[str, Query(max_length=20)] = "active",
    assignee: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    chosen = status if status in STATUS_CHOICES else "active"
    items = cases.list_cases(store, actor, status=chosen, assignee=assignee or None, limit=100)
    return render(request, "cases.html", actor, items=items, status=chosen, choices=STATUS_CHOICES)


@router.get("/cases/{case_id}")
def case_page(request: Request, store: StoreDep, actor: PageActor, case_id: PathId) -> Response:
    return render(request, "case.html", actor, case=cases.get_case(store, actor, case_id))

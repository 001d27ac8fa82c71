"""The advocates page (advocates with their evidence, whom to thank, the budget, gestures waiting for approval and
the gesture log with what followed) and the gesture forms of the person page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from goodwill.errors import ConflictError, FieldError, NotFoundError, PermissionDeniedError
from goodwill.service import advocacy
from goodwill.web.deps import PageActor, PathId, StoreDep, no_nul
from goodwill.web.pages.routes import Csrf, _parse_date, back, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])
REFUSED = (ConflictError, FieldError, NotFoundError, PermissionDeniedError)


def _midnight(day: date | None, *, after: bool = False) -> datetime | None:
    """A day of the period form as the UTC midnight that starts it (`after`: the midnight that ends it)."""
    if day is None:
        return None
    return datetime.combine(day, time(), tzinfo=UTC) + (timedelta(days=1) if after else timedelta())


@router.get("/advocates")
def advocates_page(
    request: Request, store: StoreDep, actor: PageActor,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """The advocates of the days from..to (both included; default the 30 days up to the newest message)."""
    first = _midnight(_parse_date(start, "from"))
    until = _midnight(_parse_date(end, "to"), after=True)
    return render(
        request, "advocates.html", actor,
        advocates=advocacy.list_advocates(store, actor, start=first, end=until, limit=50),
        suggestions=advocacy.suggestions(store, actor, start=first, end=until, limit=10),
        start=start or "", end=end or "",
        budget=advocacy.show_budget(store, actor),
        pending=advocacy.list_gestures(store, actor, status="pending", limit=50),
        gestures=advocacy.list_gestures(store, actor, limit=50),
        kinds=advocacy.KINDS,
    )


@router.post("/people/{person_id}/gestures", dependencies=[Csrf])
def log_gesture(request: Request, store: StoreDep, actor: PageActor, person_id: PathId,
                kind: Annotated[str, Form(max_length=40)], reason: Annotated[str, Form(max_length=advocacy.MAX_REASON)],
                cost: Annotated[str, Form(max_length=20)] = "0",
                currency: Annotated[str, Form(max_length=3)] = "",
                next: Annotated[str, Form(max_length=20)] = "person") -> Response:
    url = "/advocates" if next == "advocates" else f"/people/{person_id}"
    try:
        g = advocacy.log_gesture(store, actor, person_id, kind=kind, reason=reason, cost=cost or "0",
                                 currency=currency or None)
    except REFUSED as exc:
        return back(request, url, str(exc), "error")
    return back(request, url, f"Gesture {g['id']} logged: {g['status']} ({g['note']}).")


@router.post("/gestures/{gesture_id}/decide", dependencies=[Csrf])
def decide(request: Request, store: StoreDep, actor: PageActor, gesture_id: PathId,
           decision: Annotated[str, Form(max_length=10)],
           note: Annotated[str, Form(max_length=advocacy.MAX_REASON)] = "") -> Response:
    act = advocacy.approve_gesture if decision == "approve" else advocacy.decline_gesture
    try:
        g = act(store, actor, gesture_id, note=note.strip() or None)
    except REFUSED as exc:
        return back(request, "/advocates", str(exc), "error")
    return back(request, "/advocates", f"Gesture {g['id']} {g['status']}.")


@router.post("/advocates/budget", dependencies=[Csrf])
def set_budget(request: Request, store: StoreDep, actor: PageActor,
               amount: Annotated[str, Form(max_length=20)], agent_limit: Annotated[str, Form(max_length=20)],
               currency: Annotated[str, Form(max_length=3)],
               period: Annotated[str, Form(max_length=7)] = "") -> Response:
    try:
        data = advocacy.set_budget(store, actor, amount=amount, agent_limit=agent_limit, currency=currency,
                                   period=period or None)
    except REFUSED as exc:
        return back(request, "/advocates", str(exc), "error")
    return back(request, "/advocates", f"Budget for {data['period']} set: {data['words']}.")

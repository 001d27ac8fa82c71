"""The case list page (most urgent first, with each priority's reason and its SLA) and the page an agent
works a case on: the thread with its signals, who the person is, suggested articles and saved replies,
notes, assignment, status, a tone-checked draft that is sent through the platform's connector, and who
else is viewing or typing (the page's script beats `/cases/{id}/presence`). Every form works without script."""

from __future__ import annotations

import os
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response

from goodwill.domain.team import Actor
from goodwill.errors import (
    ConflictError,
    ConnectorError,
    FieldError,
    GoodwillError,
    NotFoundError,
    PermissionDeniedError,
)
from goodwill.service import approval, cases, casework, knowledge, people, saved_replies, tone
from goodwill.web.deps import PageActor, PathId, StoreDep, no_nul, refreshes_priorities, sends_to_a_platform
from goodwill.web.pages.routes import Csrf, back, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])
STATUS_CHOICES = ("active", "new", "open", "waiting", "resolved", "closed", "all")
MOVES = ("open", "waiting", "resolved", "closed")
BANDS = ("emergency", "high", "normal", "low")
PAGE = 50
Draft = Annotated[str, Form(max_length=tone.MAX_DRAFT)]


@router.get("/cases")
def cases_page(
    request: Request, store: StoreDep, actor: PageActor,
    status: Annotated[str, Query(max_length=20)] = "active",
    team: Annotated[str | None, Query(max_length=100)] = None,
    assignee: Annotated[str | None, Query(max_length=80)] = None,
    band: Annotated[str | None, Query(max_length=20)] = None,
    sla: Annotated[str | None, Query(max_length=20)] = None,
    approval: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Cases most urgent first, the top one marked, a page at a time; filters on status, team, assignee (a
    name, `me` or `none`), priority band, SLA (`near`: breached or due soon) and approval (`awaiting`: a reply
    awaits a manager's approval)."""
    chosen = status if status in STATUS_CHOICES else "active"
    who = actor.name if (assignee or "").strip() == "me" else (assignee or "").strip() or None
    narrowed = sla == "near"
    after = None if narrowed else cursor or None
    next_cursor = None
    try:
        # The SLA is judged on the listed cases, so that filter reads the first MAX_PAGE (one page, no next);
        # without it the page reads the PAGE it shows (of the band, when one is chosen), counts the rest up to
        # MAX_PAGE on the first page, and links to the next.
        found = cases.list_cases_counted(store, actor, status=chosen, team=(team or "").strip() or None, assignee=who,
                                         awaiting_approval=approval == "awaiting",
                                         band=band if band in BANDS else None,
                                         limit=cases.MAX_PAGE if narrowed else PAGE,
                                         count_upto=0 if after else cases.MAX_PAGE, cursor=after,
                                         refresh=refreshes_priorities(request))
        items, total, problem = found["items"], found["total"], None
        next_cursor = None if narrowed else found["next_cursor"]
    except FieldError as exc:
        items, total, problem = [], 0, str(exc)
    if sla == "near":
        items = [c for c in items if c["sla_breached"] or c["sla_near"]]
    if narrowed:
        total = len(items)
    params = {k: v for k, v in {"status": status, "team": team, "assignee": assignee, "band": band, "sla": sla,
                                "approval": approval}.items() if v}
    return render(request, "cases.html", actor, items=items[:PAGE], status=chosen, choices=STATUS_CHOICES,
                  bands=BANDS, band=band if band in BANDS else "", team=team or "", assignee=assignee or "",
                  sla=sla == "near", awaiting=approval == "awaiting", shown=min(len(items), PAGE), total=total,
                  problem=problem, later=after is not None, first_url="/cases?" + urlencode(params),
                  next_url="/cases?" + urlencode({**params, "cursor": next_cursor}) if next_cursor else None)


def _platform(case: dict[str, Any]) -> str | None:
    return case["platform"] if case["platform"] in tone.PLATFORMS else None


def _answered(case: dict[str, Any]) -> int | None:
    said = [m for m in case["messages"] if not m["is_brand"] and not m["deleted"]]
    return said[-1]["id"] if said else None


def _case_page(request: Request, store: StoreDep, actor: Actor, case_id: int, status_code: int = 200,
               **context: Any) -> Response:
    case = cases.get_case(store, actor, case_id)
    person = None
    if case["person_id"] is not None:
        try:
            person = people.person(store, actor, case["person_id"], limit=5)
        except NotFoundError:  # erased since the case opened
            person = None
    suggested = knowledge.suggest_for_case(store, actor, case_id)["items"]
    pos = [c["id"] for c in cases.list_cases(store, actor, limit=100, refresh=refreshes_priorities(request))]
    at = pos.index(case_id) if case_id in pos else -1
    around = {"prev": pos[at - 1] if at > 0 else None,
              "next": pos[at + 1] if 0 <= at < len(pos) - 1 else (pos[0] if at == -1 and pos else None)}
    context.setdefault("draft", "")
    return render(request, "case.html", actor, status_code, case=case, person=person, suggested=suggested,
                  saved=saved_replies.list_saved(store, actor), moves=MOVES, around=around,
                  seen=context.pop("seen", case["version"]), **context)


@router.get("/cases/{case_id}")
def case_page(request: Request, store: StoreDep, actor: PageActor, case_id: PathId) -> Response:
    if actor.user_id is not None:  # opening the page counts as viewing it, with or without the page's script
        casework.heartbeat(store, actor, case_id)
    return _case_page(request, store, actor, case_id)


@router.post("/cases/{case_id}/note", dependencies=[Csrf])
def case_note(request: Request, store: StoreDep, actor: PageActor, case_id: PathId,
              text: Annotated[str, Form(max_length=10_000)]) -> Response:
    try:
        cases.add_note(store, actor, case_id, text)
    except FieldError as exc:
        return back(request, f"/cases/{case_id}", str(exc), "error")
    return back(request, f"/cases/{case_id}", "Note added (internal, never published).")


@router.post("/cases/{case_id}/assign", dependencies=[Csrf])
def case_assign(request: Request, store: StoreDep, actor: PageActor, case_id: PathId,
                assignee: Annotated[str, Form(max_length=80)] = "me") -> Response:
    name = actor.name if assignee.strip() in ("", "me") else assignee.strip()
    try:
        cases.assign(store, actor, case_id, assignee=name)
    except (FieldError, PermissionDeniedError) as exc:
        return back(request, f"/cases/{case_id}", str(exc), "error")
    return back(request, f"/cases/{case_id}", f"Assigned to {name}.")


@router.post("/cases/{case_id}/status", dependencies=[Csrf])
def case_status(request: Request, store: StoreDep, actor: PageActor, case_id: PathId,
                status: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        case = cases.set_status(store, actor, case_id, status)
    except (FieldError, ConflictError) as exc:
        return back(request, f"/cases/{case_id}", str(exc), "error")
    return back(request, f"/cases/{case_id}", f"Case {case_id} is {case['status']}.")


@router.post("/cases/{case_id}/reply", dependencies=[Csrf])
@sends_to_a_platform
def case_reply(request: Request, store: StoreDep, actor: PageActor, case_id: PathId, text: Draft,
               seen: Annotated[int, Form(ge=0, le=2**63 - 1)] = 0,
               action: Annotated[str, Form(max_length=10)] = "check") -> Response:
    """Check the draft's tone, or send it (tone flags are advice: sending anyway is recorded as an override)."""
    case = cases.get_case(store, actor, case_id)
    if action != "send":
        try:
            result = tone.tone_check(store, actor, text, message_id=_answered(case), platform=_platform(case))
        except FieldError as exc:
            return _case_page(request, store, actor, case_id, 422, draft=text, seen=seen, problem=str(exc))
        return _case_page(request, store, actor, case_id, draft=text, seen=seen, tone=result)
    try:
        done = cases.reply(store, actor, case_id, text, send=True, seen=seen, environ=dict(os.environ),
                           settings=request.app.state.settings)
    except ConflictError as exc:  # crossed another reply: keep the draft, show what landed
        return _case_page(request, store, actor, case_id, 409, draft=text, seen=seen, problem=str(exc))
    except (FieldError, ConnectorError) as exc:
        return _case_page(request, store, actor, case_id, exc.status, draft=text, seen=seen, problem=str(exc))
    if done["held"] is not None:
        return back(request, f"/cases/{case_id}", f"Held for a manager's approval ({done['approval']}): nothing was "
                    "published yet. You may edit or withdraw it while it waits.")
    after = done["case"]["first_response_minutes"]
    flags = len(done["reply"]["tone"])
    said = f"Sent on {done['reply']['platform']}" + (f", despite {flags} tone flag{'s' if flags != 1 else ''} (recorded)"
                                                     if flags else "")
    if after is not None:
        said += f"; first response after {after} min"
    return back(request, f"/cases/{case_id}", said + ".")


@router.post("/cases/{case_id}/tone", dependencies=[Csrf])
def case_tone(store: StoreDep, actor: PageActor, case_id: PathId, text: Draft) -> Response:
    """The draft's tone check as JSON, for the page's check on a pause in typing."""
    case = cases.get_case(store, actor, case_id)
    try:
        return JSONResponse(tone.tone_check(store, actor, text, message_id=_answered(case), platform=_platform(case)))
    except GoodwillError as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=exc.status)


@router.post("/cases/{case_id}/presence", dependencies=[Csrf])
def case_presence(store: StoreDep, actor: PageActor, case_id: PathId,
                  typing: Annotated[str, Form(max_length=5)] = "",
                  leaving: Annotated[str, Form(max_length=5)] = "") -> Response:
    """A heartbeat of the case's page: who else is viewing or typing, and the case's version now."""
    return JSONResponse(casework.heartbeat(store, actor, case_id, typing=typing == "1", leaving=leaving == "1"))



# -- replies held for a manager's approval ---------------------------------------------------


@router.get("/approvals")
def approvals_page(request: Request, store: StoreDep, actor: PageActor,
                   status: Annotated[str, Query(max_length=20)] = "pending") -> Response:
    """Replies awaiting a manager's approval (or those sent, declined or withdrawn), and the policy."""
    chosen = status if status in ("pending", "all", *approval.STATUSES) else "pending"
    return render(request, "approvals.html", actor, items=approval.list_held(store, actor, status=chosen),
                  status=chosen, choices=("pending", "sent", "declined", "withdrawn", "all"),
                  policy=approval.show_policy(store, actor))


def _listed(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


@router.post("/approvals/policy", dependencies=[Csrf])
def approvals_policy(request: Request, store: StoreDep, actor: PageActor,
                     teams: Annotated[str, Form(max_length=2000)] = "",
                     tags: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Replace the policy from two comma-separated lists (managers)."""
    try:
        done = approval.set_policy(store, actor, teams=_listed(teams), tags=_listed(tags))
    except (FieldError, PermissionDeniedError) as exc:
        return back(request, "/approvals", str(exc), "error")
    return back(request, "/approvals", done["words"][0].upper() + done["words"][1:] + ".")


def _return_to(held: dict[str, Any], where: str) -> str:
    return "/approvals" if where == "approvals" else f"/cases/{held['case']}"


Where = Annotated[str, Form(max_length=20)]


@router.post("/approvals/{reply_id}/approve", dependencies=[Csrf])
@sends_to_a_platform
def approvals_approve(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId,
                      where: Where = "case") -> Response:
    held = approval.get_held(store, actor, reply_id)
    try:
        done = approval.approve(store, actor, reply_id, environ=dict(os.environ), settings=request.app.state.settings)
    except (ConflictError, FieldError, ConnectorError, PermissionDeniedError) as exc:
        return back(request, _return_to(held, where), str(exc), "error")
    after = done["case"]["first_response_minutes"]
    said = f"Approved {held['author']}'s reply: sent on {done['reply']['platform']}"
    if after is not None:
        said += f"; first response after {after} min"
    return back(request, _return_to(held, where), said + ".")


@router.post("/approvals/{reply_id}/decline", dependencies=[Csrf])
def approvals_decline(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId,
                      reason: Annotated[str, Form(max_length=approval.MAX_REASON)] = "",
                      where: Where = "case") -> Response:
    held = approval.get_held(store, actor, reply_id)
    try:
        approval.decline(store, actor, reply_id, reason)
    except (ConflictError, FieldError, PermissionDeniedError) as exc:
        return back(request, _return_to(held, where), str(exc), "error")
    return back(request, _return_to(held, where), f"Declined {held['author']}'s reply; they see why.")


@router.post("/approvals/{reply_id}/edit", dependencies=[Csrf])
def approvals_edit(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId, text: Draft,
                   seen: Annotated[int | None, Form(ge=0, le=2**63 - 1)] = None) -> Response:
    held = approval.get_held(store, actor, reply_id)
    try:
        approval.edit(store, actor, reply_id, text, seen=seen)
    except (ConflictError, FieldError, PermissionDeniedError) as exc:
        return back(request, _return_to(held, "case"), str(exc), "error")
    return back(request, _return_to(held, "case"), "Your held reply is changed; it still awaits approval.")


@router.post("/approvals/{reply_id}/release", dependencies=[Csrf])
def approvals_release(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId,
                      where: Where = "case") -> Response:
    held = approval.get_held(store, actor, reply_id)
    try:
        approval.release(store, actor, reply_id)
    except (ConflictError, PermissionDeniedError) as exc:
        return back(request, _return_to(held, where), str(exc), "error")
    return back(request, _return_to(held, where), f"{held['author']}'s reply awaits approval again. Look on "
                f"{held['platform']} before approving it: the interrupted send may have published it.")


@router.post("/approvals/{reply_id}/withdraw", dependencies=[Csrf])
def approvals_withdraw(request: Request, store: StoreDep, actor: PageActor, reply_id: PathId) -> Response:
    held = approval.get_held(store, actor, reply_id)
    try:
        approval.withdraw(store, actor, reply_id)
    except (ConflictError, PermissionDeniedError) as exc:
        return back(request, _return_to(held, "case"), str(exc), "error")
    return back(request, _return_to(held, "case"), "Your held reply is withdrawn; it will not be sent.")


@router.get("/team")
def team_page(request: Request, store: StoreDep, actor: PageActor,
              days: Annotated[int, Query(ge=1, le=3660)] = 30) -> Response:
    """Team metrics: open cases by age, response and resolution percentiles, SLA attainment, per agent and team."""
    return render(request, "team.html", actor, m=casework.team_metrics(store, actor, days=days))

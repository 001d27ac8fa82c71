"""Server-rendered pages. Each route: read the input, call one service, render a template."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from goodwill.domain.signals import INTENTS, SENTIMENTS, URGENCIES, SignalFilter
from goodwill.domain.team import Actor, Origin, Role
from goodwill.domain.threads import ThreadFilter
from goodwill.errors import AuthenticationError, ConflictError, FieldError, NotFoundError, TooManyRequestsError
from goodwill.service import audience, audit, conversations, privacy, saved_replies, team
from goodwill.service import people as people_service
from goodwill.service import routing as routing_service
from goodwill.service import search as search_service
from goodwill.service import topics as topic_service
from goodwill.service.workspace import Store
from goodwill.web.api.routes import FIRST_DAY, LAST_DAY, audit_download
from goodwill.web.deps import PageActor, PathId, QueryId, StoreDep, client_address, no_nul, signal_filter
from goodwill.web.security import CSRF_FIELD, LoginLimiter, PasswordChecks, check_csrf, csrf_token

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])

#: The choices of the signal filter menus.
SIGNAL_CHOICES = {"sentiment": SENTIMENTS, "intent": INTENTS, "urgency": URGENCIES}


async def csrf_checked(request: Request) -> None:
    """Every form post must carry the session's CSRF token, and no field may hold a NUL character."""
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    for name, value in form.multi_items():
        if isinstance(value, str) and "\x00" in value:
            raise FieldError(name, "contains a NUL character")


Csrf = Depends(csrf_checked)


def render(request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any) -> Response:
    flash = request.session.pop("flash", None)
    response: Response = request.app.state.templates.TemplateResponse(
        request, template,
        {"actor": actor, "csrf": csrf_token(request), "flash": flash, "Role": Role, **context},
        status_code=status_code,
    )
    return response


def back(request: Request, url: str, message: str, kind: str = "ok") -> RedirectResponse:
    request.session["flash"] = {"kind": kind, "text": message}
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never `//elsewhere` or a full URL.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", None, next=_safe_next(next), username="")


@router.post("/login", dependencies=[Csrf])
async def login(
    request: Request, store: StoreDep,
    username: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = client_address(request)
    limiter: LoginLimiter = request.app.state.limiter
    checks: PasswordChecks = request.app.state.password_checks
    try:
        limiter.reserve(username, address)  # counted before the password is checked, so a burst cannot all be checked
        signed = await checks.run(
            address, lambda: team.authenticate(store, username, password, origin=Origin.WEB, address=address)
        )
    except (AuthenticationError, TooManyRequestsError) as exc:
        # The sign-in form again, with the reason (and Retry-After when it is a limit).
        request.session["flash"] = {"kind": "error", "text": str(exc)}
        response = render(request, "login.html", None, status_code=exc.status, next=_safe_next(next), username=username)
        if isinstance(exc, TooManyRequestsError):
            response.headers.update(exc.headers())
        return response
    limiter.succeeded(username, address)
    request.session.clear()  # a new session (and CSRF token) on sign-in
    request.session.update({"uid": signed.actor.user_id, "sv": signed.session_version})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, store: StoreDep, actor: PageActor) -> Response:
    team.sign_out(store, actor)  # every cookie of this user's sessions stops working, saved copies too
    request.session.clear()
    return back(request, "/login", "You are signed out.")


@router.get("/")
def overview(request: Request, store: StoreDep, actor: PageActor) -> Response:
    data = conversations.overview(store, actor)
    platforms = sorted(data["by_platform"])
    peak = max((sum(day.values()) for day in data["by_day"].values()), default=0)
    return render(request, "overview.html", actor, data=data, platforms=platforms, peak=peak)


@router.get("/topics")
def topics_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    from goodwill.web.pages.charts import trend

    found = topic_service.topic_trend(store, actor)
    alerts = topic_service.alerts(store, actor, limit=20)
    every_day = [d["day"] for t in found for d in t["days"]]
    charts = {}
    if every_day:
        first, last = min(every_day), max(every_day)
        for t in found:
            charts[t["id"]] = trend(t["days"], first, last, {a["day"] for a in alerts if a["topic_id"] == t["id"]})
    voice = topic_service.voice(store, actor)
    return render(request, "topics.html", actor, topics=found, charts=charts, alerts=alerts, voice=voice,
                  computed_at=topic_service.computed_at(store, actor))


@router.get("/influencers")
def influencers_page(
    request: Request, store: StoreDep, actor: PageActor, topic: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    chosen = topic or None
    return render(request, "influencers.html", actor, rows=audience.influencers(store, actor, topic=chosen, top=50),
                  topic=chosen, topics=topic_service.topics(store, actor), scores_as_of=audience.scores_as_of(store, actor))


@router.get("/communities")
def communities_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return render(request, "communities.html", actor, communities=audience.communities(store, actor))


def _parse_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FieldError(field, f"use a day from {FIRST_DAY} to {LAST_DAY}")
    return day


@router.get("/conversations")
def conversation_list(
    request: Request, store: StoreDep, actor: PageActor,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    answered: Annotated[str | None, Query(max_length=3)] = None,
    q: Annotated[str | None, Query(max_length=400)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    signals: SignalFilter = Depends(signal_filter),  # noqa: B008
) -> Response:
    if answered not in (None, "", "yes", "no"):
        raise FieldError("answered", "choose yes, no or leave it empty")
    filters = ThreadFilter(
        platform=platform or None, since=_parse_date(since, "since"), until=_parse_date(until, "until"),
        answered=None if not answered else answered == "yes", q=q or None, signals=signals,
    )
    page = conversations.conversations(store, actor, filters, cursor=cursor or None, limit=50)
    params = {k: v for k, v in {"platform": platform, "since": since, "until": until, "answered": answered, "q": q,
                                **_signal_params(signals)}.items() if v}
    next_url = "/conversations?" + urlencode({**params, "cursor": page["next_cursor"]}) if page["next_cursor"] else None
    return render(
        request, "conversations.html", actor, page=page, params=params, next_url=next_url, first_page=not cursor,
        platforms=_platforms(request, store, actor), choices=SIGNAL_CHOICES,
    )


def _signal_params(signals: SignalFilter) -> dict[str, str | None]:
    """A signal filter as the query parameters that chose it."""
    yes_no = None if signals.needs_response is None else "yes" if signals.needs_response else "no"
    return {"sentiment": signals.sentiment, "intent": signals.intent, "needs_response": yes_no,
            "urgency": signals.urgency, "aspect": signals.aspect}


@router.get("/search")
def search_page(
    request: Request, store: StoreDep, actor: PageActor,
    q: Annotated[str | None, Query(max_length=400)] = None,
    newest: Annotated[str | None, Query(max_length=3)] = None,
    signals: SignalFilter = Depends(signal_filter),  # noqa: B008
) -> Response:
    """Messages by full text with their signals, filtered by them."""
    results = search_service.search_messages(store, actor, q, limit=50, newest_first=newest == "yes",
                                             signals=signals) if q and q.strip() else None
    params = {k: v for k, v in {"q": q, "newest": newest, **_signal_params(signals)}.items() if v}
    return render(request, "search.html", actor, results=results, params=params, choices=SIGNAL_CHOICES)


PLATFORMS_TTL = 60.0


def _platforms(request: Request, store: StoreDep, actor: Actor) -> list[str]:
    """The filter menu's platforms, remembered for a minute by the app."""
    now = time.monotonic()
    cached: tuple[float, list[str]] | None = getattr(request.app.state, "platforms", None)
    if cached is None or now - cached[0] > PLATFORMS_TTL:
        cached = (now, conversations.known_platforms(store, actor))
        request.app.state.platforms = cached
    else:
        team.require(actor, Role.AGENT)
    return cached[1]


@router.get("/threads/{thread_id}")
def thread(request: Request, store: StoreDep, actor: PageActor, thread_id: PathId) -> Response:
    return render(request, "thread.html", actor, thread=conversations.thread(store, actor, thread_id),
                  saved=saved_replies.list_saved(store, actor))


@router.get("/people")
def people_page(request: Request, store: StoreDep, actor: PageActor,
                stage: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    data = people_service.list_people(store, actor, stage=stage or None)
    return render(request, "people.html", actor, people=data, stage=stage or "", stages=people_service.STAGES)


@router.get("/people/{person_id}")
def person(request: Request, store: StoreDep, actor: PageActor, person_id: PathId, before: QueryId = None) -> Response:
    from goodwill.service import advocacy

    return render(request, "person.html", actor, person=people_service.person(store, actor, person_id, before=before),
                  gestures=advocacy.list_gestures(store, actor, person_id=person_id, limit=20), kinds=advocacy.KINDS)


@router.post("/people/{person_id}/merge", dependencies=[Csrf])
def person_merge(request: Request, store: StoreDep, actor: PageActor, person_id: PathId,
                 other: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        other_id = int(other.strip().lstrip("#"))
        if not 1 <= other_id < 2**63:
            raise ValueError
    except ValueError:
        return back(request, f"/people/{person_id}", "Give the id of the person to merge (a number).", "error")
    try:
        people_service.merge(store, actor, person_id, other_id)
    except (ConflictError, NotFoundError) as exc:
        return back(request, f"/people/{person_id}", str(exc), "error")
    return back(request, f"/people/{person_id}", f"Person {other_id} merged into this person.")


@router.post("/people/{person_id}/split", dependencies=[Csrf])
def person_split(request: Request, store: StoreDep, actor: PageActor, person_id: PathId,
                 account: Annotated[int, Form(ge=1, lt=2**63)]) -> Response:
    try:
        done = people_service.split(store, actor, person_id, account)
    except (ConflictError, NotFoundError) as exc:
        return back(request, f"/people/{person_id}", str(exc), "error")
    return back(request, f"/people/{done['to_person']}", "Account split off into this person.")


@router.post("/people/{person_id}/forget", dependencies=[Csrf])
def person_forget(request: Request, store: StoreDep, actor: PageActor, person_id: PathId,
                  confirm: Annotated[str, Form(max_length=20)] = "") -> Response:
    if confirm != "forget":
        return back(request, f"/people/{person_id}", "Type forget to confirm erasing this person.", "error")
    privacy.forget(store, actor, person_id)
    return back(request, "/people", "The person was forgotten: everything about them is erased.")


# -- routing rules -----------------------------------------------------------------

RULE_FIELDS = ("name", "position", "intents", "stages", "keywords", "topics", "languages", "platforms", "min_priority",
               "team", "assign", "assignee", "tags", "sla", "days")


async def _rule_form(request: Request) -> dict[str, Any]:
    """The rule form's fields as typed, lists as lists (checkboxes), for showing them again."""
    form = await request.form()
    out: dict[str, Any] = {}
    for name in RULE_FIELDS:
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        if any(len(v) > 2000 for v in values) or len(values) > 50:
            raise FieldError(name, "too long")
        out[name] = values if name in ("intents", "stages") else (values[0].strip() if values else "")
    return out


def _rule_spec(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Conditions and actions from the form; empty fields are left out."""
    cond: dict[str, Any] = {"intents": form["intents"], "stages": form["stages"]}
    for name in ("keywords", "topics", "languages", "platforms"):
        cond[name] = _lines(form[name])
    if form["min_priority"]:
        try:
            cond["min_priority"] = float(form["min_priority"])
        except ValueError:
            raise FieldError("min_priority", f"{form['min_priority']!r} is not a number") from None
    cond = {k: v for k, v in cond.items() if v not in ([], None)}
    strategy = form["assign"] or "none"
    acts = {"team": form["team"] or None, "strategy": strategy,
            "assignee": form["assignee"] or None if strategy == "fixed" else None,
            "tags": _lines(form["tags"]), "sla": form["sla"] or None}
    return cond, acts


def _whole(value: str, field: str, default: int | None) -> int | None:
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise FieldError(field, f"{value!r} is not a whole number") from None


def _blank_rule() -> dict[str, Any]:
    return {name: [] if name in ("intents", "stages") else "" for name in RULE_FIELDS} | {"days": "7"}


def _form_of(rule: Mapping[str, Any]) -> dict[str, Any]:
    c, a = rule["conditions"], rule["actions"]
    return {
        "name": rule["name"], "position": str(rule["position"]), "intents": c.get("intents", []),
        "stages": c.get("stages", []), **{k: ", ".join(c.get(k, [])) for k in ("keywords", "topics", "languages", "platforms")},
        "min_priority": "" if c.get("min_priority") is None else f"{c['min_priority']:g}", "team": a["team"] or "",
        "assign": a["strategy"], "assignee": a["assignee"] or "", "tags": ", ".join(a["tags"]), "sla": a["sla"] or "",
        "days": "7",
    }


def _rules_page(request: Request, store: StoreDep, actor: Actor, *, form: dict[str, Any], rule_id: int | None = None,
                tried: dict[str, Any] | None = None, error: str | None = None, status_code: int = 200) -> Response:
    history = routing_service.rule_history(store, actor, rule_id) if rule_id is not None else None
    return render(
        request, "rules.html", actor, status_code=status_code, rules=routing_service.list_rules(store, actor),
        teams=routing_service.list_teams(store, actor), policies=routing_service.list_policies(store, actor),
        intents=INTENTS, stages=people_service.STAGES, form=form, rule_id=rule_id, history=history, tried=tried,
        error=error,
    )


@router.get("/rules")
def rules_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return _rules_page(request, store, actor, form=_blank_rule())


@router.get("/rules/{rule_id}")
def rule_page(request: Request, store: StoreDep, actor: PageActor, rule_id: PathId) -> Response:
    history = routing_service.rule_history(store, actor, rule_id)
    return _rules_page(request, store, actor, form=_form_of(history[-1]), rule_id=rule_id)


async def _rule_post(request: Request, store: Store, actor: Actor, rule_id: int | None) -> Response:
    form = await _rule_form(request)
    action = (await request.form()).get("do")
    here = "/rules" if rule_id is None else f"/rules/{rule_id}"
    try:
        if action == "remove" and rule_id is not None:
            routing_service.remove_rule(store, actor, rule_id)
            return back(request, "/rules", f"Rule #{rule_id} removed; its versions are kept for the cases they routed.")
        cond, acts = _rule_spec(form)
        days = _whole(form["days"], "days", 7) or 7
        tried = routing_service.try_rule(store, actor, conditions=cond, days=days)
        if action == "try":
            return _rules_page(request, store, actor, form=form, rule_id=rule_id, tried=tried)
        if action != "save":
            raise FieldError("do", "choose try, save or remove")
        position = _whole(form["position"], "position", None)
        if rule_id is None:
            rule = routing_service.add_rule(store, actor, form["name"], conditions=cond, actions=acts, position=position)
            return back(request, f"/rules/{rule['id']}", f"Rule #{rule['id']} added: {tried['words']}.")
        edited = routing_service.edit_rule(store, actor, rule_id, name=form["name"], position=position,
                                           conditions=_cleared(cond, routing_service.CONDITION_FIELDS),
                                           actions=_cleared(acts, routing_service.ACTION_FIELDS))
        said = f"now version {edited['version']}" if edited["changed"] else "unchanged"
        return back(request, here, f"Rule #{rule_id} {said}: {tried['words']}.")
    except (FieldError, NotFoundError, ConflictError) as exc:
        return _rules_page(request, store, actor, form=form, rule_id=rule_id, error=str(exc), status_code=exc.status)


def _cleared(given: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The form shows every field, so a field left empty clears it."""
    return {k: given.get(k) for k in keys}


@router.post("/rules", dependencies=[Csrf])
async def rules_add(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return await _rule_post(request, store, actor, None)


@router.post("/rules/{rule_id}", dependencies=[Csrf])
async def rule_change(request: Request, store: StoreDep, actor: PageActor, rule_id: PathId) -> Response:
    return await _rule_post(request, store, actor, rule_id)


@router.get("/settings")
def settings_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    team.require(actor, Role.MANAGER)
    return render(request, "settings.html", actor, ws=team.get_settings(store, actor))


def _lines(value: str) -> list[str]:
    return [line for line in (v.strip() for v in value.replace(",", "\n").splitlines()) if line]


@router.post("/settings", dependencies=[Csrf])
def settings_save(
    request: Request, store: StoreDep, actor: PageActor,
    name: Annotated[str, Form(max_length=200)], keywords: Annotated[str, Form(max_length=100_000)] = "",
    competitors: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    try:
        team.update_settings(store, actor, name=name, keywords=_lines(keywords), competitors=_lines(competitors))
    except FieldError as exc:
        return back(request, "/settings", str(exc), "error")
    return back(request, "/settings", "Settings saved.")


@router.get("/users")
def users_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return render(request, "users.html", actor, users=team.list_users(store, actor), roles=list(Role))


@router.post("/users", dependencies=[Csrf])
def users_add(
    request: Request, store: StoreDep, actor: PageActor,
    username: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        team.add_user(store, actor, username, password, role)
    except (FieldError, ConflictError) as exc:
        return back(request, "/users", str(exc), "error")
    return back(request, "/users", f"Added {username.strip()}.")


@router.post("/users/{username}/{change}", dependencies=[Csrf])
def users_change(
    request: Request, store: StoreDep, actor: PageActor, username: str, change: str,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    role: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    try:
        if change == "disable":
            team.set_disabled(store, actor, username, True)
        elif change == "enable":
            team.set_disabled(store, actor, username, False)
        elif change == "password":
            team.reset_password(store, actor, username, password or "")
        elif change == "role":
            team.update_user(store, actor, username, role=role or "")
        else:
            raise FieldError("change", f"{change!r} is not a change this page makes")
    except (FieldError, ConflictError) as exc:
        return back(request, "/users", str(exc), "error")
    return back(request, "/users", f"{username}: {change} done.")


@router.get("/tokens")
def tokens_page(request: Request, store: StoreDep, actor: PageActor) -> Response:
    return render(request, "tokens.html", actor, tokens=team.list_tokens(store, actor), new_token=None)


@router.post("/tokens/new", dependencies=[Csrf])
def tokens_create(request: Request, store: StoreDep, actor: PageActor, name: Annotated[str, Form(max_length=200)]) -> Response:
    try:
        token, _info = team.create_token(store, actor, name)
    except FieldError as exc:
        return back(request, "/tokens", str(exc), "error")
    # Shown once, in this response only: never kept in the session cookie, never cached.
    response = render(request, "tokens.html", actor, tokens=team.list_tokens(store, actor),
                      new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke", dependencies=[Csrf])
def tokens_revoke(request: Request, store: StoreDep, actor: PageActor, token_id: PathId) -> Response:
    team.revoke_token(store, actor, token_id)
    return back(request, "/tokens", f"Token {token_id} revoked.")


@router.get("/audit")
def audit_page(
    request: Request, store: StoreDep, actor: PageActor, before: QueryId = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    page = audit.read_audit(store, actor, before=before, limit=50, action=action or None)
    return render(request, "audit.html", actor, page=page, action=action or "")


@router.get("/audit/export.{fmt}")
def audit_export(store: StoreDep, actor: PageActor, fmt: str) -> Response:
    if fmt not in ("csv", "jsonl"):
        raise FieldError("format", "csv or jsonl")
    return audit_download(audit.export_audit(store, actor), fmt)

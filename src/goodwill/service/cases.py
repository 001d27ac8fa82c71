"""Cases: conversations that need the brand, opened from the signals and worked by the team.

A case opens for a thread when a customer's message in it needs the brand
(needs a response, asks a question, complains, or is urgent) and the brand
has not answered it yet; on import, while listening, when signals are
backfilled (`goodwill enrich`), or by hand (`open_case`). Later customer
messages in the thread join it; a customer writing again after it was
resolved or closed re-opens it; the brand's reply in the thread (imported,
heard while listening, or sent with `reply`) records the first response and
moves the case to waiting. Each case holds the parts of its priority
(`goodwill.inbox.priority`); the number is worked out again when waiting
longer raises it, before any list is read.

Every change a person makes needs the agent role (assigning a case to
someone else, the manager role), is recorded as a case event and audited in
the same transaction. Cases opened and updated by arriving messages are
recorded as events under the actor that stored the messages, with one audit
entry (`case.sync`) per batch that changed any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.config import Settings
from goodwill.domain.cases import (
    ACTIVE,
    DONE,
    STATUSES,
    CaseStatus,
    EventKind,
    check_transition,
    parse_status,
)
from goodwill.domain.routing import SlaPolicy
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import ConflictError, FieldError, NotFoundError
from goodwill.inbox.priority import BANDS, Factors, Priority, band_of, opening_score, prioritise, reason_now
from goodwill.ingest.writer import NewMessagesHook
from goodwill.people import stage_from
from goodwill.service import approval, casework, routing
from goodwill.service.audit import iso, record, require
from goodwill.store import Connection, Store, said_series
from goodwill.store import cases as case_store
from goodwill.store import casework as casework_store
from goodwill.store import routing as routing_store
from goodwill.store.kept import KeptRows
from goodwill.store.people import engaged_by
from goodwill.store.users import find_user
from goodwill.understand.rules import urgency_phrases

CASE_ROLE = Role.AGENT
#: Assigning a case to someone other than yourself.
ASSIGN_OTHERS_ROLE = Role.MANAGER
MAX_PAGE = 500
ASKS = ("question", "complaint")
#: Default first-response time per priority band, until routing rules and SLA policies say otherwise.
DEFAULT_SLA = {"emergency": timedelta(minutes=30), "high": timedelta(hours=1), "normal": timedelta(hours=4),
               "low": timedelta(hours=24)}
ACTIVE_STATUSES = tuple(s.value for s in ACTIVE)


def system_actor(name: str) -> Actor:
    """The actor cases opened by arriving messages are recorded under (`import`, `listener`, ...)."""
    return Actor(user_id=None, name=name, role=Role.MANAGER, origin=Origin.CLI, address="local")


# -- what a message says ---------------------------------------------------------


def needs_the_brand(row: Any) -> bool:
    """Whether a customer message opens a case: it needs a response, asks a question, complains, or is urgent."""
    return bool(row.needs_response) or row.intent in ASKS or row.urgency == "high"


def asks_again(row: Any) -> bool:
    """Whether a customer's follow-up in a thread the brand has answered opens a case: only a new question,
    a negative complaint, or an urgent message (not a thank-you the models took as needing a response)."""
    return bool(row.urgency == "high" or row.intent == "question" or (row.intent == "complaint" and row.sentiment == "negative"))


def reopens(row: Any) -> bool:
    """Whether a customer message re-opens a finished case: anything but a thank-you or an acknowledgement
    (no response needed, not a question or complaint, not negative, not urgent)."""
    return needs_the_brand(row) or row.sentiment == "negative"


def factors_of(row: Any, person: tuple[str | None, str | None, int] = (None, None, 0)) -> Factors:
    emergency: tuple[tuple[str, str], ...] = ()
    if row.urgency == "high":
        emergency = tuple((kind, words) for kind, words in urgency_phrases(row.text or ""))[:4]
    stage, stage_reason, engaged = person
    return Factors(urgency=row.urgency or "low", intent=row.intent or "other", sentiment=row.sentiment or "neutral",
                   needs_response=bool(row.needs_response), emergency=emergency, stage=stage, stage_reason=stage_reason,
                   engaged_by=engaged)


def _factors(case: Mapping[str, Any]) -> Factors:
    known = case.get("_factors")  # set with the factors, so a batch builds them once per case
    if known is not None:
        return known  # type: ignore[no-any-return]
    return Factors(urgency=case["urgency"], intent=case["intent"], sentiment=case["sentiment"],
                   needs_response=bool(case["needs_response"]),
                   emergency=tuple((str(k), str(w)) for k, w in case["emergency"] or ()),
                   stage=case["stage"], stage_reason=case["stage_reason"], engaged_by=int(case["engaged_by"] or 0))


def _set_factors(case: dict[str, Any], f: Factors) -> None:
    case.update(urgency=f.urgency, intent=f.intent, sentiment=f.sentiment, needs_response=f.needs_response,
                emergency=[list(e) for e in f.emergency], stage=f.stage, stage_reason=f.stage_reason,
                engaged_by=f.engaged_by, _factors=f)


def _set_priority(case: dict[str, Any], now: datetime) -> Priority:
    waiting = case["waiting_since"] if case["status"] in ACTIVE_STATUSES else None
    p = prioritise(_factors(case), waiting, now)
    case.update(priority=p.score, priority_band=p.band, priority_reason=p.reason,
                priority_next_at=p.next_change_at if case["status"] in ACTIVE_STATUSES else None)
    return p


# -- routing: where a new case goes ---------------------------------------------


@dataclass
class Routing:
    """Who a new case goes to and how soon it must be answered."""

    team: str | None = None
    assignee_id: int | None = None
    tags: list[str] = field(default_factory=list)
    sla_policy: str | None = None
    sla_due_at: datetime | None = None


def default_routing(case: Mapping[str, Any]) -> Routing:
    """No team or assignee; the first response due by the default time of the case's band when the customer
    wrote (before any waiting counted) after they wrote."""
    band = band_of(opening_score(_factors(case)))
    return Routing(sla_policy=f"default {band}", sla_due_at=case["opened_at"] + DEFAULT_SLA[band])


def _opening_priority(case: Mapping[str, Any]) -> int:
    """The case's priority when its customer wrote, before any waiting counted (what routing and SLA bands read)."""
    return opening_score(_factors(case))


def route_new_cases(conn: Connection, new_cases: Sequence[dict[str, Any]]) -> list[Routing]:
    """The one place a new case's team, assignee, tags and SLA are decided, for a batch of stored new cases:
    the routing rules and SLA policies (`goodwill.service.routing`), or without any, `default_routing`."""
    from goodwill.domain.routing import Facts

    if not routing_store.current_rules(conn) and not routing_store.policies(conn):
        return [default_routing(c) for c in new_cases]
    router = routing.Router(conn, case_store.open_by_assignee(conn, ACTIVE_STATUSES))
    topics = routing_store.topic_labels(conn, [int(c["first_message_id"]) for c in new_cases])
    out = []
    for case in new_cases:
        priority = _opening_priority(case)
        facts = Facts(text=case["_text"], platform=case["platform"], language=case["_language"], intent=case["intent"],
                      topic=topics.get(int(case["first_message_id"])), stage=case["stage"], priority=float(priority))
        decision = router.decide(facts, case_id=case["id"])
        due = router.first_response_due(decision, case["opened_at"])
        default = default_routing(case)
        out.append(Routing(team=decision.team, assignee_id=decision.assignee_id, tags=list(decision.tags),
                           sla_policy=decision.sla if due is not None else default.sla_policy,
                           sla_due_at=due if due is not None else default.sla_due_at))
    router.finish()
    return out


def _store_new_cases(conn: Connection, new: Mapping[tuple[str, str], dict[str, Any]]) -> None:
    """Insert new cases (filling in their ids), routed: by default before they are written, by the
    routing rules after (a rule's decision is recorded against the case's id)."""
    fresh = list(new.values())
    if not fresh:
        return
    ruled = bool(routing_store.current_rules(conn) or routing_store.policies(conn))
    if not ruled:
        _apply_routing(conn, fresh)
    ids = case_store.insert_cases(conn, fresh)
    for key, case in new.items():
        case["id"] = ids[key]
    if ruled:
        _apply_routing(conn, fresh)
        case_store.update_cases(conn, fresh)


def _apply_routing(conn: Connection, new_cases: list[dict[str, Any]]) -> None:
    for case, route in zip(new_cases, route_new_cases(conn, new_cases), strict=True):
        case.update(team=route.team, assignee_id=route.assignee_id, tags=list(route.tags),
                    sla_policy=route.sla_policy, sla_due_at=route.sla_due_at)
        if case["status"] == CaseStatus.NEW and route.assignee_id is not None:
            case["status"] = CaseStatus.OPEN.value


# -- arriving messages ------------------------------------------------------------


@dataclass
class Sync:
    """What one batch of arriving messages did to cases."""

    opened: int = 0
    joined: int = 0
    reopened: int = 0
    replies: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[int, int, bool]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.joined or self.reopened or self.replies)


def _person_factors(conn: Connection, rows: Sequence[Any]) -> dict[int, tuple[str | None, str | None, int]]:
    """Each writer's stage (as of their newest message here) and how many people engage with them."""
    latest: dict[int, datetime] = {}
    for r in rows:
        if r.person_id is not None and not r.is_brand:
            latest[r.person_id] = max(latest.get(r.person_id, r.created_at), r.created_at)
    if not latest:
        return {}
    people = sorted(latest)
    series = said_series.read(conn, people)  # one row per writer, kept as messages arrive
    engaged = engaged_by(conn, people)
    out: dict[int, tuple[str | None, str | None, int]] = {}
    for person in people:
        h = series.get(person)
        s = stage_from(h, latest[person]) if h is not None else None
        out[person] = (s.stage.value if s else None, s.reason if s else None, engaged.get(person, 0))
    return out


def _new_case(r: Any, f: Factors, now: datetime) -> dict[str, Any]:
    case: dict[str, Any] = {
        "id": None, "platform": r.platform, "thread_root_id": r.thread_root_id, "status": CaseStatus.NEW.value,
        "first_message_id": r.id, "person_id": r.person_id, "opened_at": r.created_at, "created_at": now,
        "updated_at": now, "last_customer_at": r.created_at, "waiting_since": r.created_at, "team": None,
        "assignee_id": None, "tags": [], "sla_policy": None, "sla_due_at": None, "first_response_at": None,
        "first_response_message_id": None, "resolved_at": None, "resolved_public": None, "reopened": 0,
        "_text": r.text or "", "_language": r.language,  # for routing, not stored with the case
    }
    _set_factors(case, f)
    return case


def _event(case: dict[str, Any], kind: EventKind, actor: Actor, at: datetime, message_id: int | None = None,
           **details: Any) -> dict[str, Any]:
    return {"case": case, "at": at, "kind": kind.value, "actor_id": actor.user_id, "actor_name": actor.name,
            "message_id": message_id, "details": details}


def _as_the_case(case: dict[str, Any], r: Any, f: Factors) -> Factors:
    """The factors message `r` brings to `case`: all of them from the case's own person; from anyone else in the
    thread what they said, with the case's person's stage and reach kept (the case is about its person)."""
    if r.person_id == case["person_id"]:
        return f
    own = _factors(case)
    return replace(f, stage=own.stage, stage_reason=own.stage_reason, engaged_by=own.engaged_by)


def _customer_joins(case: dict[str, Any], r: Any, f: Factors, actor: Actor, sync: Sync) -> None:
    case["last_customer_at"] = max(case["last_customer_at"], r.created_at)
    f = _as_the_case(case, r, f)
    if case["status"] in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        if r.created_at >= (case["resolved_at"] or case["updated_at"]) and reopens(r):
            case.update(status=CaseStatus.OPEN.value, reopened=case["reopened"] + 1, waiting_since=r.created_at,
                        resolved_at=None, resolved_public=None)
            _set_factors(case, f)
            sync.reopened += 1
            sync.events.append(_event(case, EventKind.REOPENED, actor, r.created_at, r.id))
            return
        sync.joined += 1
        sync.events.append(_event(case, EventKind.JOINED, actor, r.created_at, r.id))
        return
    _set_factors(case, _factors(case).joined(f))
    if case["waiting_since"] is None:
        case["waiting_since"] = r.created_at
    if case["status"] == CaseStatus.WAITING:
        case["status"] = CaseStatus.OPEN.value
    sync.joined += 1
    sync.events.append(_event(case, EventKind.JOINED, actor, r.created_at, r.id))


def _brand_replies(case: dict[str, Any], r: Any, actor: Actor, sync: Sync) -> None:
    sync.replies += 1
    sync.events.append(_event(case, EventKind.REPLY, actor, r.created_at, r.id))
    if case["status"] not in ACTIVE_STATUSES:
        return
    if case["first_response_at"] is None and r.created_at >= case["opened_at"]:
        case.update(first_response_at=r.created_at, first_response_message_id=r.id)
    if case["waiting_since"] is not None and r.created_at >= case["waiting_since"]:
        case.update(waiting_since=None, status=CaseStatus.WAITING.value)


def sync_messages(conn: Connection, message_ids: Sequence[int], actor: Actor, *, now: datetime | None = None) -> Sync:
    """Open, join, re-open and answer cases for stored messages (new ones, or ones whose signals just arrived),
    inside the caller's transaction. Idempotent: a message already in a case changes nothing."""
    now = now or datetime.now(UTC)
    sync = Sync()
    rows = case_store.incoming(conn, message_ids)
    if not rows:
        return sync
    # A root that has just joined a parent's thread takes its case along.
    moves = [(r.platform, r.platform_id, r.thread_root_id) for r in rows if r.platform_id != r.thread_root_id]
    if moves:
        case_store.repoint(conn, moves)
    keys = {(r.platform, r.thread_root_id) for r in rows}
    existing = case_store.by_threads(conn, keys)
    answered = case_store.last_brand_at(conn, keys - existing.keys())
    for r in rows:  # the brand's messages of this batch count as answers too, whenever written
        key = (r.platform, r.thread_root_id)
        if r.is_brand and key not in existing:
            answered[key] = max(answered.get(key, r.created_at), r.created_at)
    # The writers' stage and influence count where their message opens or re-opens a case; a message that
    # joins one keeps the case's.
    persons = _person_factors(conn, [r for r in rows if not r.is_brand and needs_the_brand(r)
                                     and ((r.platform, r.thread_root_id) not in existing
                                          or existing[(r.platform, r.thread_root_id)]["status"] not in ACTIVE_STATUSES)])
    touched: dict[tuple[str, str], dict[str, Any]] = {}
    new: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:  # oldest first
        key = (r.platform, r.thread_root_id)
        case = touched.get(key) or existing.get(key)
        if r.is_brand:
            if case is None:
                continue
            _brand_replies(case, r, actor, sync)
        else:
            if r.intent is None and case is None:
                continue  # no signals yet: `goodwill enrich` brings it back here
            if case is None:
                if not needs_the_brand(r):
                    continue
                # Opened only when the brand has not answered it (nor anything after it) already; after an
                # answer, only by a new question, a negative complaint or something urgent.
                if key in answered and (answered[key] >= r.created_at or not asks_again(r)):
                    continue
                f = factors_of(r, persons.get(r.person_id, (None, None, 0)))
                case = _new_case(r, f, now)
                new[key] = case
                sync.opened += 1
                sync.events.append(_event(case, EventKind.OPENED, actor, r.created_at, r.id))
            else:
                _customer_joins(case, r, factors_of(r, persons.get(r.person_id, (None, None, 0))), actor, sync)
        touched[key] = case
        sync.links.append((r.id, -1, bool(r.is_brand)))
        sync.events[-1]["link"] = len(sync.links) - 1
    if not touched:
        return sync
    for case in touched.values():
        case["updated_at"] = now
        _set_priority(case, now)
    _store_new_cases(conn, new)
    case_store.update_cases(conn, [c for k, c in touched.items() if k not in new])
    by_link = {e["link"]: e["case"]["id"] for e in sync.events if "link" in e}
    case_store.link_messages(conn, [(m, by_link[i], b) for i, (m, _, b) in enumerate(sync.links)])
    for e in sync.events:
        e["case_id"] = e["case"]["id"]
    case_store.add_events(conn, sync.events)
    if sync.changed:
        record(conn, actor, "case.sync", None, opened=sync.opened, joined=sync.joined, reopened=sync.reopened,
               replies=sync.replies)
    return sync


def on_new_messages(actor: Actor) -> NewMessagesHook:
    """The hook the import, listening, reply and demo paths give the ingest writer: cases follow each batch."""
    def hook(conn: Connection, message_ids: list[int]) -> None:
        sync_messages(conn, message_ids, actor)
    return hook


# -- reading ----------------------------------------------------------------------


def refresh_priorities(conn: Connection, now: datetime) -> int:
    """Work out again the priority of open cases that waiting longer has raised. Returns how many changed."""
    due = case_store.due_for_priority(conn, ACTIVE_STATUSES, now)
    for case in due:
        _set_priority(case, now)
    case_store.update_cases(conn, due)
    return len(due)


def reprioritise(store: Store, *, now: datetime | None = None) -> int:
    """`refresh_priorities` in a transaction of its own: what the web server runs every
    GOODWILL_REPRIORITISE_EVERY seconds, so its case lists read without writing. Returns how many changed."""
    with store.begin() as conn:
        return refresh_priorities(conn, now or datetime.now(UTC))


def _steady(c: Mapping[str, Any]) -> dict[str, Any]:
    """What `_public` shows of a case row that does not depend on the time now, the SLA policies, escalations
    or held replies (those keys hold placeholders, so the public dict keeps one order of keys)."""
    waiting = c["waiting_since"] if c["status"] in ACTIVE_STATUSES else None
    return {
        "id": c["id"],
        "status": c["status"],
        "priority": c["priority"],
        "band": c["priority_band"],
        "reason": None,
        "platform": c["platform"],
        "platform_id": c["first_platform_id"],
        "message_id": c["first_message_id"],
        "thread_root_id": c["thread_root_id"],
        "author": c["author"],
        "person_id": c["person_id"],
        "text": c["first_text"],
        "url": c["first_url"],
        "opened_at": iso(c["opened_at"]),
        "last_customer_at": iso(c["last_customer_at"]),
        "waiting_since": iso(waiting),
        "sla_policy": c["sla_policy"],
        "sla_due_at": iso(c["sla_due_at"]),
        "sla_breached": None,
        "sla_near": None,
        "sla": None,
        "escalations": None,
        "assignee": c["assignee"],
        "team": c["team"],
        "tags": list(c["tags"] or []),
        "first_response_at": iso(c["first_response_at"]),
        "first_response_minutes": None if c["first_response_at"] is None
        else round((c["first_response_at"] - c["opened_at"]).total_seconds() / 60),
        "resolved_at": iso(c["resolved_at"]),
        "resolved_public": c["resolved_public"],
        "reopened": c["reopened"],
        "awaiting_approval": None,
        "factors": {"urgency": c["urgency"], "intent": c["intent"], "sentiment": c["sentiment"],
                    "needs_response": bool(c["needs_response"]), "emergency": [list(e) for e in c["emergency"] or ()],
                    "stage": c["stage"], "stage_reason": c["stage_reason"], "engaged_by": c["engaged_by"]},
    }


#: `_steady` of listed rows, under the row's identity. The store hands out the same (kept) dict for a row
#: that has not changed, and a changed row is a new dict; each entry holds its row, so the identity it is
#: kept under is never taken by another row while it is kept. Its lists and dicts (tags, factors) are shared
#: by every list that shows the row: read, never changed.
_STEADY: KeptRows[int, tuple[Mapping[str, Any], dict[str, Any]]] = KeptRows(4096)


def _kept_steady(c: Mapping[str, Any]) -> dict[str, Any]:
    found = _STEADY.get(id(c))
    if found is not None and found[0] is c:
        return found[1]
    steady = _steady(c)
    _STEADY.put(id(c), (c, steady))
    return steady


def _escalations(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The escalations of the listed rows that had any (their `escalation_count`), by case."""
    escalated = [int(r["id"]) for r in rows if r["escalation_count"]]
    return routing.escalations_of(conn, escalated) if escalated else {}


def _public(c: Mapping[str, Any], now: datetime, policies: Mapping[str, SlaPolicy] | None = None,
            escalations: Sequence[Mapping[str, Any]] = (), steady: dict[str, Any] | None = None) -> dict[str, Any]:
    """A case as the services show it (a listed row); `steady`: the row's `_steady` when the caller has it already."""
    due = c["sla_due_at"]
    active = c["status"] in ACTIVE_STATUSES
    waiting = c["waiting_since"] if active else None
    breached = due is not None and c["first_response_at"] is None and due <= now
    near = bool(due is not None and c["first_response_at"] is None and not breached and due - now <= timedelta(minutes=30))
    sla = routing.sla_view(policies, c, now) if active and policies else None
    if sla is not None:  # a policy of the workspace: its business hours and near-breach share decide
        breached, near = sla["state"] == "breached", sla["state"] == "near breach"
    out = dict(_steady(c) if steady is None else steady)
    out.update(reason=reason_now(c["priority_reason"], waiting, now), sla_breached=breached, sla_near=near, sla=sla,
               escalations=list(escalations), awaiting_approval=c["held_replies"])
    return out


def _statuses(status: str | None) -> list[str]:
    if status is None or status.strip().lower() in ("", "active"):
        return list(ACTIVE_STATUSES)
    if status.strip().lower() == "all":
        return list(STATUSES)
    return [parse_status(part).value for part in status.split(",")]


def list_cases(store: Store, actor: Actor, *, status: str | None = None, team: str | None = None,
               assignee: str | None = None, awaiting_approval: bool = False, limit: int = 50,
               refresh: bool = True, now: datetime | None = None) -> list[dict[str, Any]]:
    """Cases most urgent first: by default the active ones (new, open, waiting); `status` names one or more
    (comma-separated), `active` or `all`; `team` a team (case ignored; an unknown one is an error);
    `assignee` a user name, or `none` for unassigned cases; `awaiting_approval`: only cases with a reply
    held for a manager's approval; `refresh`: work out first the priorities waiting longer has raised (a write),
    or (False, where `reprioritise` runs regularly) read them as stored."""
    items: list[dict[str, Any]] = list_cases_counted(store, actor, status=status, team=team, assignee=assignee,
                                                     awaiting_approval=awaiting_approval, limit=limit,
                                                     refresh=refresh, now=now)["items"]
    return items


def _band_range(band: str) -> case_store.Band:
    """A priority band's priority range by name: from its lowest score up to the next band's (a case's band is
    `band_of` its priority, so the range holds exactly the band's cases)."""
    names = [name for name, _ in BANDS]
    if band not in names:
        raise FieldError("band", f"use one of {', '.join(names)}")
    at = names.index(band)
    lowest = None if at == len(BANDS) - 1 else BANDS[at][1]  # the lowest band also takes any score below it
    below = None if at == 0 else BANDS[at - 1][1]
    return lowest, below


def list_cases_counted(store: Store, actor: Actor, *, status: str | None = None, team: str | None = None,
                       assignee: str | None = None, awaiting_approval: bool = False, band: str | None = None,
                       limit: int = 50, count_upto: int = 0, cursor: str | None = None, refresh: bool = True,
                       now: datetime | None = None) -> dict[str, Any]:
    """`list_cases` as `items`, with `total`: how many cases match, counted up to `count_upto` (at least
    as many as listed), so a page can say it shows the first of more without reading them all; `band`:
    only cases of that priority band (emergency, high, normal or low); `next_cursor`: where the next page
    starts (None when no case follows), and `cursor` such a place: the cases after it (counting then starts
    there too)."""
    require(actor, CASE_ROLE)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"use 1-{MAX_PAGE}")
    banded = None if band is None else _band_range(band)
    after = None if cursor is None else case_store.decode_after(cursor)
    statuses = _statuses(status)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        if refresh:
            refresh_priorities(conn, now)
        assignee_id, unassigned = None, False
        if assignee is not None and assignee.strip().lower() == "none":
            unassigned = True
        elif assignee is not None:
            user = find_user(conn, assignee)
            if user is None:
                raise FieldError("assignee", f"no user {assignee!r}")
            assignee_id = user.id
        if team is not None and not routing_store.known_team(conn, team):
            raise FieldError("team", f"no team {team!r} (`goodwill teams list` shows teams)")
        rows = case_store.list_cases(conn, statuses=statuses, team=team, assignee_id=assignee_id,
                                     unassigned=unassigned, awaiting=awaiting_approval, band=banded, after=after,
                                     limit=limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        total = len(rows)
        if count_upto > total and more:
            total = case_store.count_cases(conn, statuses=statuses, team=team, assignee_id=assignee_id,
                                           unassigned=unassigned, awaiting=awaiting_approval, band=banded,
                                           after=after, upto=count_upto)
        policies = routing.policies_by_name(conn)
        escalated = _escalations(conn, rows)
    last = rows[-1] if more else None
    return {"items": [_public(r, now, policies, escalated.get(int(r["id"]), ()), _kept_steady(r)) for r in rows],
            "total": total,
            "next_cursor": None if last is None else case_store.encode_after(last["priority"], last["opened_at"],
                                                                             last["id"])}


def get_case(store: Store, actor: Actor, case_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """One case with its messages, events and internal notes."""
    require(actor, CASE_ROLE)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        refresh_priorities(conn, now)
        row = case_store.listed(conn, case_id)
        data = _public(row, now, routing.policies_by_name(conn), _escalations(conn, [row]).get(case_id, ()))
        data["routing"] = routing.route_of(conn, case_id)
        data["messages"] = [
            {"id": m["id"], "platform_id": m["platform_id"], "at": iso(m["created_at"]), "author": m["author"],
             "is_brand": bool(m["is_brand"]), "text": m["text"], "url": m["url"], "deleted": m["deleted_at"] is not None,
             "intent": m["intent"], "sentiment": m["sentiment"], "urgency": m["urgency"],
             "needs_response": m["needs_response"]}
            for m in case_store.thread(conn, case_id)]
        data["events"] = [{"at": iso(e["at"]), "kind": e["kind"], "actor": e["actor_name"], "message_id": e["message_id"],
                           "details": e["details"]} for e in case_store.events(conn, case_id)]
        data["notes"] = [{"id": n["id"], "at": iso(n["created_at"]), "author": n["author_name"], "text": n["text"]}
                         for n in case_store.notes(conn, case_id)]
        data["version"] = casework_store.version(conn, case_id)
        data["others"] = casework.present(conn, actor, case_id, now)
        data["approval"] = approval.case_reason(conn, row)
        data["held_replies"] = approval.of_case(conn, case_id)
    return data


def version(store: Store, actor: Actor, case_id: int) -> int:
    """The case's version now (the id of its newest event): what a reply passes as `seen`."""
    require(actor, CASE_ROLE)
    with store.begin() as conn:
        case_store.get(conn, case_id)
        return casework_store.version(conn, case_id)


def count_active(store: Store) -> dict[str, int]:
    """Cases by status (for `status`)."""
    with store.begin() as conn:
        return case_store.count_by_status(conn)


# -- changes by people --------------------------------------------------------------


def _load(conn: Connection, case_id: int) -> dict[str, Any]:
    return case_store.get(conn, case_id)


def _write(conn: Connection, case: dict[str, Any], actor: Actor, kind: EventKind, now: datetime,
           message_id: int | None = None, **details: Any) -> None:
    case["updated_at"] = now
    _set_priority(case, now)
    case_store.update_cases(conn, [case])
    case_store.add_events(conn, [{"case_id": case["id"], "at": now, "kind": kind.value, "actor_id": actor.user_id,
                                  "actor_name": actor.name, "message_id": message_id, "details": details}])
    record(conn, actor, f"case.{kind.value}", f"case {case['id']}", **details)


def open_case(store: Store, actor: Actor, message_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Open a case by hand from a stored customer message, whatever its signals say; a message of a thread that
    has a case joins it (re-opening it if it was finished)."""
    require(actor, CASE_ROLE)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        found = case_store.of_message(conn, message_id)
        if found is not None:
            raise ConflictError(f"message {message_id} is in case {found} already")
        rows = case_store.incoming(conn, [message_id])
        if not rows:
            raise NotFoundError(f"no message {message_id} that could open a case (`goodwill search` shows messages' ids)")
        r = rows[0]
        if r.is_brand:
            raise ConflictError(f"message {message_id} is the brand's own; cases open from customers' messages")
        key = (r.platform, r.thread_root_id)
        case = case_store.by_threads(conn, [key]).get(key)
        f = factors_of(r, _person_factors(conn, [r]).get(r.person_id, (None, None, 0)))
        sync = Sync()
        if case is None:
            case = _new_case(r, f, now)
            _set_priority(case, now)
            _store_new_cases(conn, {key: case})
            kind = EventKind.OPENED
        else:
            _customer_joins(case, r, f, actor, sync)
            if case["status"] in (CaseStatus.RESOLVED, CaseStatus.CLOSED):  # a thank-you: re-open it anyway, by hand
                case.update(status=CaseStatus.OPEN.value, reopened=case["reopened"] + 1, waiting_since=r.created_at,
                            resolved_at=None, resolved_public=None)
            case["updated_at"] = now
            _set_priority(case, now)
            case_store.update_cases(conn, [case])
            kind = EventKind.JOINED
        case_store.link_messages(conn, [(r.id, case["id"], False)])
        case_store.add_events(conn, [{"case_id": case["id"], "at": now, "kind": kind.value, "actor_id": actor.user_id,
                                      "actor_name": actor.name, "message_id": r.id, "details": {"by_hand": True}}])
        record(conn, actor, "case.open", f"case {case['id']}", message=message_id, joined=kind is EventKind.JOINED)
        case_id = int(case["id"])
    return get_case(store, actor, case_id, now=now)


def assign(store: Store, actor: Actor, case_id: int, *, assignee: str | None = None, unassign: bool = False,
           team: str | None = None, tags: list[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Give a case to a user (yourself as an agent; anyone as a manager), a team, or new tags. A new case
    someone takes becomes open."""
    require(actor, CASE_ROLE)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        case = _load(conn, case_id)
        details: dict[str, Any] = {}
        if assignee is not None or unassign:
            user_id = None
            if assignee is not None:
                user = find_user(conn, assignee)
                if user is None or user.disabled:
                    raise FieldError("assignee", f"no enabled user {assignee!r}")
                user_id = user.id
                details["assignee"] = user.username
            else:
                details["assignee"] = None
            if user_id != actor.user_id or (user_id is None and case["assignee_id"] not in (None, actor.user_id)):
                require(actor, ASSIGN_OTHERS_ROLE)
            case["assignee_id"] = user_id
        if team is not None:
            case["team"] = team.strip() or None
            details["team"] = case["team"]
        if tags is not None:
            case["tags"] = sorted({t.strip() for t in tags if t.strip()})
            details["tags"] = case["tags"]
        if not details:
            raise FieldError("assignee", "say what to change: an assignee, a team or tags")
        if case["status"] == CaseStatus.NEW and case["assignee_id"] is not None:
            case["status"] = CaseStatus.OPEN.value
        _write(conn, case, actor, EventKind.ASSIGNED, now, **details)
    return get_case(store, actor, case_id, now=now)


def add_note(store: Store, actor: Actor, case_id: int, text: str, *, now: datetime | None = None) -> dict[str, Any]:
    """An internal note on a case (never published)."""
    require(actor, CASE_ROLE)
    if not text.strip():
        raise FieldError("text", "the note is empty")
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        case = _load(conn, case_id)
        note_id = case_store.add_note(conn, case_id, actor.user_id, actor.name, text.strip(), now)
        _write(conn, case, actor, EventKind.NOTE, now, note=note_id)
    return {"id": note_id, "case": case_id, "author": actor.name, "at": iso(now), "text": text.strip()}


def set_status(store: Store, actor: Actor, case_id: int, status: str, *, public: bool | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """Move a case (see `goodwill.domain.cases.TRANSITIONS`). Resolving records whether it was resolved in
    public (by default: whether the brand replied in the thread); re-opening a finished case counts."""
    require(actor, CASE_ROLE)
    new = parse_status(status)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        case = _load(conn, case_id)
        old = CaseStatus(case["status"])
        check_transition(case_id, old, new)
        kind = EventKind.STATUS
        case["status"] = new.value
        if new is CaseStatus.RESOLVED:
            case.update(resolved_at=now, resolved_public=case["first_response_at"] is not None if public is None else public)
        elif new is CaseStatus.OPEN and old in DONE:
            case.update(reopened=case["reopened"] + 1, resolved_at=None, resolved_public=None, waiting_since=now)
            kind = EventKind.REOPENED
        elif new is CaseStatus.WAITING:
            case["waiting_since"] = None
        elif new is CaseStatus.OPEN and case["waiting_since"] is None:
            case["waiting_since"] = now
        _write(conn, case, actor, kind, now, old=old.value, new=new.value,
               **({"public": case["resolved_public"]} if new is CaseStatus.RESOLVED else {}))
    return get_case(store, actor, case_id, now=now)


def reply(store: Store, actor: Actor, case_id: int, text: str, *, send: bool, environ: Mapping[str, str],
          settings: Settings | None = None, secrets: Path | None = None, seen: int | None = None,
          now: datetime | None = None, **options: Any) -> dict[str, Any]:
    """Reply in public to the case's newest customer message through `goodwill.service.replies` (a dry run
    unless `send`); a sent reply joins the thread and the case records its first response.

    An agent's reply in a case whose replies need a manager's approval (`goodwill.service.approval`) is not
    sent but held: the result's `held` is the reply awaiting approval (None when it went out or was a dry
    run), and `approval` says why it waits (None when it needs no approval).

    :param seen: the case's `version` its author read; a reply sent after someone else replied (or wrote a
        reply that awaits approval) or moved the case since is refused (`casework.check_not_crossed`)"""
    from goodwill.service import replies

    require(actor, CASE_ROLE)
    with store.begin() as conn:
        case = case_store.get(conn, case_id)
        if send and seen is not None:
            casework.check_not_crossed(conn, actor, case_id, seen)
        target = case_store.latest_customer_message(conn, case_id)
        why = approval.needs_approval(conn, actor, case)
    if target is None:
        raise ConflictError(f"case {case_id} has no customer message left to reply to")
    if why is None:
        plan = replies.reply(store, actor, target, text, send=send, environ=environ, settings=settings,
                             secrets=secrets, **options)
        return {"case": get_case(store, actor, case_id), "reply": plan.as_dict(), "held": None, "approval": None}
    # Held for a manager's approval: shown as a dry run would be, then kept instead of sent.
    plan = replies.reply(store, actor, target, text, send=False, environ=environ, settings=settings, secrets=secrets,
                         **options)
    held = None
    if send:
        with store.begin() as conn:
            if seen is not None:
                casework.check_not_crossed(conn, actor, case_id, seen)
            held = approval.hold(conn, actor, case_id, target, text, plan.tone, why, now or datetime.now(UTC))
    return {"case": get_case(store, actor, case_id), "reply": plan.as_dict(), "held": held, "approval": why}

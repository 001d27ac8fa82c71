"""Advocates and surprise-and-delight gestures.

Advocates are worked out when asked for, from the stored messages and their
signals, by the pure rules in `goodwill.advocacy.advocates` (docs/advocacy.md).
Reading needs the agent role; logging a gesture the agent role; approving or
declining one and setting a budget the manager role. Every change is audited
in its transaction (people named by id only). What followed a gesture is
computed when read, from stored data alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from goodwill.advocacy.advocates import Advocate, Brand, find_advocates, reason
from goodwill.advocacy.gestures import (
    KINDS,
    OUTCOME_WINDOW,
    Budget,
    Status,
    amount,
    approval,
    decide,
    money,
    outcome,
    parse_currency,
    parse_kind,
    parse_money,
    period_of,
    suggest,
)
from goodwill.domain.team import Actor, Role
from goodwill.domain.timeparse import parse_time
from goodwill.errors import ConflictError, FieldError
from goodwill.service.audit import iso, now, record, require
from goodwill.store import Store
from goodwill.store import advocacy as advocacy_store
from goodwill.store import people as people_store
from goodwill.store.audit import Tx
from goodwill.store.workspace import load_workspace

#: The period advocates are looked for in when none is given: the 30 days before now.
DEFAULT_PERIOD = timedelta(days=30)
MAX_PAGE = 200
MAX_REASON = 2000
STATUSES = tuple(s.value for s in Status)
T = TypeVar("T")

__all__ = [
    "DEFAULT_PERIOD", "KINDS", "MAX_PAGE", "MAX_REASON", "STATUSES", "advocates", "approve_gesture", "given_between", "decline_gesture", "list_advocates", "list_gestures",
    "log_gesture", "moment", "set_budget", "show_budget", "suggestions",
]


def _brand(conn: Tx) -> Brand:
    ws = load_workspace(conn)
    return Brand(handles=ws.brand_accounts, keywords=ws.keywords)


def advocates(conn: Tx, start: datetime, end: datetime) -> list[Advocate]:
    """The advocates from `start` up to (not including) `end`, best first, each with the messages that show it.

    Read-only and without a role check: for other services (the relationship-health report) inside their
    own transaction."""
    return find_advocates(people_store.said_between(conn, start, end), _brand(conn), start, end)


def moment(name: str, value: str | None) -> datetime | None:
    """A --from / --to value (ISO date or time, UTC unless it says otherwise) as a datetime; FieldError names `name`."""
    if value is None or not value.strip():
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise FieldError(name, str(exc)) from None


def _reader(actor: Actor, limit: int) -> None:
    require(actor, Role.AGENT)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")


def _window(conn: Tx, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """`end` defaults to just after the newest stored message (an archive is read as of its end); `start` to 30 days before."""
    if end is None:
        newest = people_store.latest_message_at(conn)
        end = (newest + timedelta(seconds=1)) if newest is not None else datetime.now(UTC)
    if start is None:
        start = end - DEFAULT_PERIOD
    if start >= end:
        raise FieldError("from", "must be before --to")
    return start, end


def _period_words(start: datetime, end: datetime) -> str:
    days = round((end - start).total_seconds() / 86400)
    return "this month" if days == 30 else f"in {days} days" if days != 1 else "in one day"


def _advocate_dict(a: Advocate, who: dict[str, Any], period: str, threads: dict[int, int]) -> dict[str, Any]:
    data = a.to_dict()
    data["reason"] = reason(a.counts, a.negative, period=period)
    for e in data["evidence"]:
        e["at"] = iso(e["at"])
        e["thread_id"] = threads.get(e["message_id"])
    data["evidence"].reverse()  # newest first
    return {"person_id": a.person_id, "display_name": who.get("display_name"), "accounts": who.get("accounts", []),
            **{k: v for k, v in data.items() if k != "person_id"}}


def list_advocates(store: Store, actor: Actor, *, start: datetime | None = None, end: datetime | None = None,
                   limit: int = 50) -> dict[str, Any]:
    """The advocates of a period (default: the 30 days up to the newest message), best first, with their evidence."""
    _reader(actor, limit)
    with store.begin() as conn:
        start, end = _window(conn, start, end)
        found = advocates(conn, start, end)
        named = people_store.describe(conn, [a.person_id for a in found[:limit]])
        threads = advocacy_store.thread_ids(conn, [e.message_id for a in found[:limit] for e in a.evidence])
    period = _period_words(start, end)
    return {"from": iso(start), "to": iso(end), "total": len(found),
            "untagged": sum(1 for a in found if a.untagged),
            "items": [_advocate_dict(a, named.get(a.person_id, {}), period, threads) for a in found[:limit]]}


# --- gestures and budgets ---------------------------------------------------------------------------------------

def _field(name: str, parse: Callable[[str], T], value: str) -> T:
    try:
        return parse(value)
    except ValueError as exc:
        raise FieldError(name, str(exc)) from None


def _budget(conn: Tx, period: str) -> Budget | None:
    row = advocacy_store.budget(conn, period)
    return None if row is None else Budget(period, row["currency"], row["amount_cents"], row["agent_limit_cents"])


def _gesture_dict(conn: Tx, row: dict[str, Any], brand: Brand, data_until: datetime | None) -> dict[str, Any]:
    data = {
        "id": row["id"], "person_id": row["person_id"], "display_name": row["display_name"], "kind": row["kind"],
        "reason": row["reason"], "cost": amount(row["cost_cents"]),
        "cost_cents": row["cost_cents"], "currency": row["currency"], "period": row["period"], "status": row["status"],
        "logged_by": row["logged_by"], "logged_at": iso(row["logged_at"]), "decided_by": row["decided_by"],
        "decided_at": iso(row["decided_at"]), "note": row["note"], "outcome": None,
    }
    if row["status"] != Status.DECLINED and data_until is not None:
        owner = people_store.live_owner(conn, row["person_id"])
        ids = [a["id"] for a in people_store.person_accounts(conn, owner)]
        at = row["logged_at"]
        end = min(at + OUTCOME_WINDOW, data_until)
        found = outcome(people_store.history(conn, ids).said, brand, at, data_until,
                        shares=advocacy_store.shares(conn, ids), newcomers=advocacy_store.newcomers(conn, ids, at, end))
        data["outcome"] = found.to_dict()
    return data


def log_gesture(store: Store, actor: Actor, person_id: int, *, kind: str, reason: str, cost: str = "0",
                currency: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Log a gesture given to a person (agent role): approved at once, waiting for a manager, or refused by the
    budget rules (ConflictError, nothing written)."""
    require(actor, Role.AGENT)
    what = _field("kind", parse_kind, kind)
    why = reason.strip()
    if not why:
        raise FieldError("reason", "say why the person is given this gesture")
    if len(why) > MAX_REASON:
        raise FieldError("reason", f"at most {MAX_REASON} characters")
    cents = _field("cost", parse_money, cost)
    code = _field("currency", parse_currency, currency) if currency else None
    when = at or now()
    period = period_of(when)
    with store.begin() as conn:
        people_store.live_person(conn, person_id)
        plan = _budget(conn, period)
        code = code or (plan.currency if plan else "")
        if cents and not code:
            raise FieldError("currency", "give the currency of the cost (there is no budget to take it from)")
        spent = advocacy_store.spending(conn, period)["approved_cents"]
        decision = decide(cents, code, plan, spent, manager=actor.can(Role.MANAGER), period=period)
        if decision.status is None:
            raise ConflictError(f"gesture refused: {decision.why}")
        approved = decision.status is Status.APPROVED
        gesture_id = advocacy_store.insert_gesture(
            conn, person_id=person_id, kind=what.value, reason=why, cost_cents=cents, currency=code, period=period,
            status=decision.status.value, logged_by=actor.name, logged_by_id=actor.user_id, logged_at=when,
            decided_by=actor.name if approved else None, decided_by_id=actor.user_id if approved else None,
            decided_at=when if approved else None, note=decision.why)
        record(conn, actor, "gesture.log", f"person:{person_id}", gesture=gesture_id, kind=what.value,
               cost_cents=cents, currency=code, status=decision.status.value)
        row = advocacy_store.gesture(conn, gesture_id)
        return _gesture_dict(conn, row, _brand(conn), people_store.latest_message_at(conn))


def _decide(store: Store, actor: Actor, gesture_id: int, approve: bool, note: str | None) -> dict[str, Any]:
    require(actor, Role.MANAGER)
    if note is not None and len(note) > MAX_REASON:
        raise FieldError("note", f"at most {MAX_REASON} characters")
    with store.begin() as conn:
        row = advocacy_store.gesture(conn, gesture_id)
        if row["status"] != Status.PENDING:
            raise ConflictError(f"gesture {gesture_id} is {row['status']}, not waiting for approval")
        status = Status.DECLINED
        why = note or "declined by a manager"
        if approve:
            spent = advocacy_store.spending(conn, row["period"])["approved_cents"]
            decision = approval(row["cost_cents"], _budget(conn, row["period"]), spent, row["period"])
            if decision.status is None:
                raise ConflictError(f"cannot approve gesture {gesture_id}: {decision.why}")
            status, why = Status.APPROVED, note or decision.why
        advocacy_store.decide(conn, gesture_id, status.value, actor.name, actor.user_id, now(), why)
        record(conn, actor, f"gesture.{'approve' if approve else 'decline'}", f"person:{row['person_id']}",
               gesture=gesture_id, cost_cents=row["cost_cents"], currency=row["currency"])
        return _gesture_dict(conn, advocacy_store.gesture(conn, gesture_id), _brand(conn),
                             people_store.latest_message_at(conn))


def approve_gesture(store: Store, actor: Actor, gesture_id: int, *, note: str | None = None) -> dict[str, Any]:
    """Approve a gesture waiting for a manager (manager role), if the month's budget still covers it."""
    return _decide(store, actor, gesture_id, True, note)


def decline_gesture(store: Store, actor: Actor, gesture_id: int, *, note: str | None = None) -> dict[str, Any]:
    """Decline a gesture waiting for a manager (manager role)."""
    return _decide(store, actor, gesture_id, False, note)


def list_gestures(store: Store, actor: Actor, *, person_id: int | None = None, status: str | None = None,
                  before: int | None = None, limit: int = 50) -> dict[str, Any]:
    """Gestures newest first, each with what followed it; `person_id` and `status` narrow the list."""
    _reader(actor, limit)
    if status is not None and status not in STATUSES:
        raise FieldError("status", f"choose one of {', '.join(STATUSES)}")
    with store.begin() as conn:
        ids = None
        if person_id is not None:
            people_store.live_person(conn, person_id)
            ids = advocacy_store.merged_into(conn, person_id)
        rows = advocacy_store.list_gestures(conn, person_ids=ids, status=status, before=before, limit=limit + 1)
        brand, until = _brand(conn), people_store.latest_message_at(conn)
        items = [_gesture_dict(conn, r, brand, until) for r in rows[:limit]]
    return {"items": items, "next_before": items[-1]["id"] if len(rows) > limit else None}


def given_between(conn: Tx, start: datetime, end: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """The gestures logged from `start` up to `end`, newest first, each with what followed it.

    Read-only and without a role check: for other services (the relationship-health report) inside their
    own transaction."""
    rows = advocacy_store.list_gestures(conn, limit=limit, logged_between=(start, end))
    brand, until = _brand(conn), people_store.latest_message_at(conn)
    return [_gesture_dict(conn, r, brand, until) for r in rows]


def suggestions(store: Store, actor: Actor, *, start: datetime | None = None, end: datetime | None = None,
                limit: int = 20) -> dict[str, Any]:
    """Whom to thank or surprise and why, best first: the period's advocates not given a gesture in the last 30 days."""
    _reader(actor, limit)
    with store.begin() as conn:
        start, end = _window(conn, start, end)
        found = advocates(conn, start, end)
        picked = suggest(found, advocacy_store.last_gestures(conn), end)[:limit]
        named = people_store.describe(conn, [s.advocate.person_id for s in picked])
        threads = advocacy_store.thread_ids(conn, [e.message_id for s in picked for e in s.advocate.evidence])
    period = _period_words(start, end)
    items = []
    for s in picked:
        data = _advocate_dict(s.advocate, named.get(s.advocate.person_id, {}), period, threads)
        items.append({**data, "suggested_kind": s.kind.value, "last_gesture_at": iso(s.last_gesture_at)})
    return {"from": iso(start), "to": iso(end), "advocates": len(found), "items": items}


def _period(value: str | None) -> str:
    if value is None:
        return period_of(now())
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
        raise FieldError("period", f"{value!r} is not a month; write it like 2026-11")
    return value.strip()


def set_budget(store: Store, actor: Actor, *, amount: str, agent_limit: str, currency: str,
               period: str | None = None) -> dict[str, Any]:
    """Set the surprise-and-delight budget of a month (manager role) and the cost up to which agents need no approval."""
    require(actor, Role.MANAGER)
    month = _period(period)
    cents = _field("amount", parse_money, amount)
    limit = _field("agent_limit", parse_money, agent_limit)
    code = _field("currency", parse_currency, currency)
    if limit > cents:
        raise FieldError("agent_limit", f"{money(limit, code)} is more than the budget of {money(cents, code)}")
    with store.begin() as conn:
        if advocacy_store.spending(conn, month)["approved_cents"] and (old := _budget(conn, month)) and old.currency != code:
            raise ConflictError(f"gestures in {old.currency} are already approved in {month}; keep that currency")
        before = advocacy_store.set_budget(conn, month, code, cents, limit, actor.name, now())
        record(conn, actor, "budget.set", f"budget:{month}", currency=code, amount_cents=cents,
               agent_limit_cents=limit, previous_cents=None if before is None else before["amount_cents"])
        return _budget_dict(conn, month)


def _budget_dict(conn: Tx, month: str) -> dict[str, Any]:
    plan = advocacy_store.budget(conn, month)
    spent = advocacy_store.spending(conn, month)
    if plan is None:
        return {"period": month, "budget": None, **spent,
                "words": f"no budget for {month}: only gestures that cost nothing can be logged"}
    code = plan["currency"]
    left = plan["amount_cents"] - spent["approved_cents"]
    return {"period": month, "currency": code, "amount_cents": plan["amount_cents"],
            "agent_limit_cents": plan["agent_limit_cents"], "remaining_cents": left, "set_by": plan["set_by"],
            "set_at": iso(plan["set_at"]), **spent,
            "words": (f"{money(spent['approved_cents'], code)} of {money(plan['amount_cents'], code)} spent, "
                      f"{money(left, code)} left; {spent['pending']} waiting for approval "
                      f"({money(spent['pending_cents'], code)}); agents may give up to "
                      f"{money(plan['agent_limit_cents'], code)} without approval")}


def show_budget(store: Store, actor: Actor, *, period: str | None = None) -> dict[str, Any]:
    """A month's budget (default: this month): amount, agent limit, spent, waiting and left."""
    require(actor, Role.AGENT)
    month = _period(period)
    with store.begin() as conn:
        return _budget_dict(conn, month)


def seed_demo(store: Store, actor: Actor) -> dict[str, Any]:
    """The demo's gestures, following from its data: a budget for each month the messages reach into; a
    thank-you and a small gift, 30 days before the newest message, for the two best advocates of the 30 days
    before that (so their outcomes have a month to show); and a gift above the agent limit, logged by an agent
    and waiting for a manager, for the best advocate of the last 30 days not yet thanked."""
    with store.begin() as conn:
        newest = people_store.latest_message_at(conn)
    if newest is None:
        return {"gestures": 0}
    midway = newest - DEFAULT_PERIOD
    for month in sorted({period_of(midway), period_of(newest), period_of(now())}):
        set_budget(store, actor, amount="200", agent_limit="25", currency="EUR", period=month)
    with store.begin() as conn:
        earlier = advocates(conn, midway - DEFAULT_PERIOD, midway)
    period = "in the 30 days before the gesture"
    logged = 0
    for a, (kind, cost) in zip(earlier, (("thank-you", "0"), ("gift", "20")), strict=False):
        log_gesture(store, actor, a.person_id, kind=kind, cost=cost, reason=reason(a.counts, a.negative, period=period),
                    at=midway)
        logged += 1
    agent = Actor(None, "demo agent", Role.AGENT, actor.origin, actor.address)
    for s in suggestions(store, actor, limit=1)["items"]:
        log_gesture(store, agent, s["person_id"], kind="gift", cost="40", reason=s["reason"], at=newest)
        logged += 1
    return {"gestures": logged}

"""Working a case together: who else is viewing or typing in it, and replies that would cross.

Presence is a heartbeat: the case page (or any client) calls `heartbeat`
every few seconds while a case is open, saying whether its user is typing;
a heartbeat counts for `PRESENCE_TTL`. The rows live in the store, so
several server processes agree. Heartbeats are not audited (they change
nothing anyone relies on, and would fill the log); they still need the agent role.

A reply carries the case's version its author read (`version`, the id of
the case's newest event). `check_not_crossed` refuses it when, since then,
someone else replied in the thread, moved the case's status or the customer's
case was re-opened, and the refusal shows what landed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.domain.cases import EventKind
from goodwill.domain.team import Actor, Role
from goodwill.errors import CrossedReplyError, FieldError
from goodwill.service.audit import iso, require
from goodwill.store import Connection, Store
from goodwill.store import approval as approval_store
from goodwill.store import cases as case_store
from goodwill.store import casework as casework_store

#: How long one heartbeat says someone is there.
PRESENCE_TTL = timedelta(seconds=30)
#: Events that make a reply written before them cross: another reply (sent, or held for a manager's approval
#: while it still waits), a status change, a re-opening.
CROSSING = (EventKind.REPLY.value, EventKind.HELD.value, EventKind.STATUS.value, EventKind.REOPENED.value)


def _others(conn: Connection, actor: Actor, case_id: int, now: datetime) -> list[dict[str, Any]]:
    return [{"user": p["user_name"], "typing": bool(p["typing"]), "seen_at": iso(p["seen_at"])}
            for p in casework_store.present(conn, case_id, now - PRESENCE_TTL) if p["user_id"] != actor.user_id]


def heartbeat(store: Store, actor: Actor, case_id: int, *, typing: bool = False, leaving: bool = False,
              now: datetime | None = None) -> dict[str, Any]:
    """Say that `actor` is viewing (or typing in) a case; returns who else is there and the case's version,
    so a page can tell its agent the case changed under them."""
    require(actor, Role.AGENT)
    if actor.user_id is None:
        raise FieldError("user", "presence needs a signed-in user")
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        case_store.get(conn, case_id)
        if leaving:
            casework_store.leave(conn, case_id, actor.user_id)
        else:
            casework_store.beat(conn, case_id, actor.user_id, actor.name, typing, now)
        casework_store.forget_before(conn, now - 10 * PRESENCE_TTL)
        return {"case": case_id, "version": casework_store.version(conn, case_id),
                "others": _others(conn, actor, case_id, now)}


def present(conn: Connection, actor: Actor, case_id: int, now: datetime) -> list[dict[str, Any]]:
    """Who else is viewing or typing in a case now (for the case's page and JSON)."""
    return _others(conn, actor, case_id, now)


def _short(text: str | None) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= 200 else one[:199] + "…"


def _said(event: dict[str, Any]) -> str:
    when = (iso(event["at"]) or "")[:16].replace("T", " ")
    if event["kind"] == EventKind.REPLY.value:
        return f"{event['actor_name']} replied at {when}: “{_short(event['text'])}”"
    if event["kind"] == EventKind.HELD.value:
        return (f"{event['actor_name']} wrote a reply at {when} that awaits a manager's approval: "
                f"“{_short(event['held_text'])}”")
    if event["kind"] == EventKind.REOPENED.value:
        return f"the case was re-opened at {when} by {event['actor_name']}"
    details = event["details"] or {}
    return f"{event['actor_name']} moved it from {details.get('old', '?')} to {details.get('new', '?')} at {when}"


def check_not_crossed(conn: Connection, actor: Actor, case_id: int, seen: int) -> None:
    """Refuse a reply written on version `seen` of a case when someone else has since replied or moved it.

    :raises CrossedReplyError: naming what landed, with the other reply's words."""
    landed = [e for e in casework_store.events_since(conn, case_id, seen, CROSSING)
              if e["actor_id"] is None or e["actor_id"] != actor.user_id]
    held = [e for e in landed if e["kind"] == EventKind.HELD.value]
    if held:  # a held reply crosses while it still waits (a sent one crosses by its own reply event)
        texts = approval_store.texts_of(conn, [int((e["details"] or {}).get("reply", 0)) for e in held])
        for e in held:
            found = texts.get(int((e["details"] or {}).get("reply", 0)))
            e["held_text"] = found["text"] if found else None
            e["standing"] = found is not None and found["status"] in approval_store.STANDING
        landed = [e for e in landed if e["kind"] != EventKind.HELD.value or e["standing"]]
    if landed:
        said = "; ".join(_said(e) for e in landed[-3:])
        raise CrossedReplyError(
            f"case {case_id} changed after you opened it: {said}. Your reply was not sent; read the case again "
            "and send it if it still fits")


def team_metrics(store: Store, actor: Actor, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Open cases by age, first-response and resolution time percentiles and SLA attainment of the cases
    opened in the last `days` days, for everyone, per agent and per team (`goodwill.metrics.team`)."""
    from goodwill.metrics import team

    require(actor, Role.AGENT)
    if not 1 <= days <= 3660:
        raise FieldError("days", "use 1-3660")
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    with store.begin() as conn:
        rows = casework_store.case_times(conn, since, team.ACTIVE)
    data = team.team_metrics([team.CaseTimes(**r) for r in rows], now, since)
    return {**data, "days": days, "since": iso(since), "now": iso(now)}

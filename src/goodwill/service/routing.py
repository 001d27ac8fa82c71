"""Routing rules, teams and SLA policies: manage them, try a rule on past messages, route a new case.

Changing rules, teams and policies needs the manager role and is audited in
the same transaction (`rule.add`, `rule.edit`, `rule.remove`, `team.add`,
`team.remove`, `team.member`, `team.available`, `sla.set`, `sla.remove`).
Reading them, and trying a rule, needs an agent; an agent may also say whether
they themselves are available.

A rule is versioned: editing it stores a new version and retires the old one,
removing it retires its current version. Cases keep the version that routed
them (`case_routes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.domain.people import SaidSeries
from goodwill.domain.routing import Agent, Decision, Escalation, Facts, Rule, SlaPolicy, Strategy
from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError, NotFoundError, PermissionDeniedError
from goodwill.inbox import routing as rules_core
from goodwill.inbox import sla as sla_core
from goodwill.people import STAGES, stage_from
from goodwill.service.audit import iso, record, require
from goodwill.store import Store, said_series
from goodwill.store import cases as case_store
from goodwill.store import people as people_store
from goodwill.store import routing as stored
from goodwill.store import users as users_store
from goodwill.store.audit import Tx

__all__ = [
    "ACTION_FIELDS", "CONDITION_FIELDS", "ESCALATE_ROLE", "ROUTING_ROLE", "add_rule", "Router", "escalate", "escalate_in", "sla_view", "add_team", "decide", "edit_rule", "join_team", "leave_team", "list_policies",
    "find_rule", "list_rules", "list_teams", "policy_due", "remove_policy", "remove_rule", "remove_team", "rule_history",
    "set_available", "set_policy", "try_rule",
]

CONDITION_FIELDS = rules_core.CONDITION_FIELDS
ACTION_FIELDS = rules_core.ACTION_FIELDS
#: The role that runs escalation by hand.
ESCALATE_ROLE = Role.MANAGER
#: Case statuses in which a case is on the clock (cases' ACTIVE).
ON_THE_CLOCK = ("new", "open", "waiting")
#: The role that changes rules, teams and SLA policies.
ROUTING_ROLE = Role.MANAGER
MAX_NAME = 200
#: The most customer messages a rule is tried on at once.
TRY_LIMIT = 200_000
MAX_TRY_DAYS = 366


def _now() -> datetime:
    return datetime.now(UTC)


# -- rules ---------------------------------------------------------------------------


def _rule(row: stored.RuleRow) -> Rule:
    return Rule(
        rule_id=row.rule_id, version=row.version, name=row.name, position=row.position,
        conditions=rules_core.parse_conditions(row.conditions), actions=rules_core.parse_actions(row.actions),
        version_id=row.id, created_at=row.created_at, created_by=row.created_by,
    )


def _rule_dict(row: stored.RuleRow, routed: Mapping[int, int] | None = None) -> dict[str, Any]:
    rule = _rule(row)
    out = {
        "id": row.rule_id, "version": row.version, "version_id": row.id, "name": row.name, "position": row.position,
        "conditions": rules_core.conditions_dict(rule.conditions), "actions": rules_core.actions_dict(rule.actions),
        "summary": rules_core.describe(rule.conditions), "created_at": iso(row.created_at),
        "created_by": row.created_by, "retired_at": iso(row.retired_at),
    }
    if routed is not None:
        out["cases_routed"] = routed.get(row.id, 0)
    return out


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise FieldError("name", f"give a name of 1 to {MAX_NAME} characters")
    return " ".join(value.split())


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise FieldError("position", "give a whole number from 0 to 1000000 (rules run from the lowest up)")
    return value


def _check_refs(conn: Tx, actions: dict[str, Any]) -> None:
    """The team, user and policy a rule names must exist, so a typo fails now and not on the next case."""
    if actions.get("team"):
        try:
            stored.team_id(conn, actions["team"])
        except NotFoundError as exc:
            raise FieldError("team", str(exc)) from None
    if actions.get("assignee") and users_store.find_user(conn, actions["assignee"]) is None:
        raise FieldError("assignee", f"no user named {actions['assignee']!r}")
    if actions.get("sla"):
        try:
            stored.policy(conn, actions["sla"])
        except NotFoundError as exc:
            raise FieldError("sla", str(exc)) from None


def _checked(conditions: Mapping[str, Any], actions: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Conditions and actions parsed, checked and back as the plain data that is stored."""
    c = rules_core.parse_conditions(conditions, stages=STAGES)
    a = rules_core.parse_actions(actions)
    return rules_core.conditions_dict(c), rules_core.actions_dict(a)


def list_rules(store: Store, actor: Actor, *, history: bool = False) -> list[dict[str, Any]]:
    """The rules in force in routing order (with `history`, every version of every rule), each with
    how many cases it routed."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        routed = stored.cases_by_rule_version(conn)
        rows = stored.current_rules(conn)
        if history:
            ids = sorted({r.rule_id for r in rows} | set(_all_rule_ids(conn)))
            return [_rule_dict(v, routed) for i in ids for v in stored.versions(conn, i)]
        return [_rule_dict(r, routed) for r in rows]


def _all_rule_ids(conn: Tx) -> list[int]:
    return list(range(1, stored.next_rule_id(conn)))


def rule_history(store: Store, actor: Actor, rule_id: int) -> list[dict[str, Any]]:
    """Every version of one rule, oldest first."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        routed = stored.cases_by_rule_version(conn)
        return [_rule_dict(v, routed) for v in stored.versions(conn, rule_id)]


def find_rule(store: Store, actor: Actor, ref: str) -> dict[str, Any]:
    """The rule in force that `ref` names: its number (`3` or `#3`) or its name (case ignored).

    :raises NotFoundError: naming `ref`, when no rule in force has that number or name
    :raises FieldError: when several rules share the name (their numbers are given)"""
    require(actor, Role.AGENT)
    wanted = " ".join(str(ref).split())
    with store.begin() as conn:
        routed = stored.cases_by_rule_version(conn)
        rules = stored.current_rules(conn)
        number = wanted.removeprefix("#")
        if number.isdigit():
            return _rule_dict(stored.versions(conn, int(number))[-1], routed)
        named = [r for r in rules if r.name.lower() == wanted.lower()]
        if len(named) > 1:
            raise FieldError("rule", f"{len(named)} rules are named {wanted!r} (#"
                             + ", #".join(str(r.rule_id) for r in named) + "); give its number")
        if not named:
            raise NotFoundError(f"no rule numbered or named {wanted!r} (`goodwill rules list` shows the rules)")
        return _rule_dict(named[0], routed)


def add_rule(
    store: Store, actor: Actor, name: str, *, conditions: Mapping[str, Any], actions: Mapping[str, Any],
    position: int | None = None,
) -> dict[str, Any]:
    """Add a rule at `position` (default: after the last one)."""
    require(actor, ROUTING_ROLE)
    name = _name(name)
    cond, act = _checked(conditions, actions)
    at = _now()
    with store.begin() as conn:
        _check_refs(conn, act)
        rule_id = stored.next_rule_id(conn)
        pos = stored.next_position(conn) if position is None else _position(position)
        stored.insert_version(conn, rule_id=rule_id, version=1, name=name, position=pos, conditions=cond,
                              actions=act, at=at, by=actor.name)
        record(conn, actor, "rule.add", f"rule:{rule_id}", version=1, name=name, position=pos, conditions=cond,
               actions=act)
        return _rule_dict(stored.current(conn, rule_id))


def _merged(old: Mapping[str, Any], changes: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(old)
    for key, value in (changes or {}).items():
        if value is None or value == []:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def edit_rule(
    store: Store, actor: Actor, rule_id: int, *, name: str | None = None, position: int | None = None,
    conditions: Mapping[str, Any] | None = None, actions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Change a rule: a new version with the changes, the old one retired. In `conditions` and `actions`
    a key given replaces that field and a key set to None (or []) clears it; fields not given stay.
    Nothing changes (no version, no audit entry) when the result equals the current version."""
    require(actor, ROUTING_ROLE)
    at = _now()
    with store.begin() as conn:
        old = stored.current(conn, rule_id)
        new_name = old.name if name is None else _name(name)
        pos = old.position if position is None else _position(position)
        cond, act = _checked(_merged(old.conditions, conditions), _merged(old.actions, actions))
        if (new_name, pos, cond, act) == (old.name, old.position, old.conditions, old.actions):
            return {**_rule_dict(old), "changed": False}
        _check_refs(conn, act)
        stored.retire(conn, old.id, at)
        stored.insert_version(conn, rule_id=rule_id, version=old.version + 1, name=new_name, position=pos,
                              conditions=cond, actions=act, at=at, by=actor.name)
        record(conn, actor, "rule.edit", f"rule:{rule_id}", version=old.version + 1, name=new_name, position=pos,
               conditions=cond, actions=act)
        return {**_rule_dict(stored.current(conn, rule_id)), "changed": True}


def remove_rule(store: Store, actor: Actor, rule_id: int) -> dict[str, Any]:
    """Take a rule out of routing; its versions stay for the cases they routed."""
    require(actor, ROUTING_ROLE)
    at = _now()
    with store.begin() as conn:
        old = stored.current(conn, rule_id)
        stored.retire(conn, old.id, at)
        record(conn, actor, "rule.remove", f"rule:{rule_id}", version=old.version, name=old.name)
        return {"id": rule_id, "version": old.version, "removed_at": iso(at)}


def _stages(conn: Tx, person_ids: set[int], at: datetime) -> dict[int, str]:
    """Each person's stage at `at`, from the stage inputs the store keeps (one row per person); a person with
    no messages is new, as their history would say."""
    series = said_series.read(conn, person_ids)
    return {pid: stage_from(series.get(pid, SaidSeries()), at).stage.value
            for pid in person_ids if people_store.person_accounts(conn, pid)}


def try_rule(
    store: Store, actor: Actor, *, conditions: Mapping[str, Any], days: int = 7, until: datetime | None = None,
    examples: int = 5,
) -> dict[str, Any]:
    """How many past conversations a rule's conditions would have matched, storing nothing.

    Looked at: each conversation's first customer message that needed an answer in the `days` days up
    to `until` (default: the newest customer message, so an imported archive is judged as of its end).
    """
    require(actor, Role.AGENT)
    if not 1 <= days <= MAX_TRY_DAYS:
        raise FieldError("days", f"give 1 to {MAX_TRY_DAYS} days")
    cond = rules_core.parse_conditions(conditions, stages=STAGES)
    with store.begin() as conn:
        end = until or stored.latest_customer_message_at(conn) or _now()
        since = end - timedelta(days=days)
        past = stored.customer_messages(conn, since, end, limit=TRY_LIMIT)
        first: dict[tuple[str, str], stored.PastMessage] = {}
        for m in past:
            if m.needs_response:
                first.setdefault((m.platform, m.thread_root_id), m)
        stages = _stages(conn, {m.person_id for m in first.values() if m.person_id is not None}, end) \
            if cond.stages else {}
    matched: list[dict[str, Any]] = []
    for m in first.values():
        facts = Facts(text=m.text, platform=m.platform, language=m.language, intent=m.intent, topic=m.topic,
                      stage=stages.get(m.person_id) if m.person_id is not None else None)
        why = rules_core.match(cond, facts)
        if why is not None:
            matched.append({"message_id": m.id, "platform": m.platform, "at": iso(m.created_at),
                            "text": m.text[:200], "reason": why})
    notes = []
    if cond.min_priority is not None:
        notes.append("priority is only known for opened cases, so a priority condition matches none of these")
    if len(past) >= TRY_LIMIT:
        notes.append(f"only the first {TRY_LIMIT:,} customer messages of the period were looked at")
    n, total = len(matched), len(first)
    words = (f"this rule would have matched {n:,} of {total:,} conversation{'s' if total != 1 else ''} "
             f"needing an answer in the {days} day{'s' if days != 1 else ''} to {end:%Y-%m-%d %H:%M} UTC")
    return {"matched": n, "looked_at": total, "days": days, "since": iso(since), "until": iso(end),
            "summary": rules_core.describe(cond), "words": words, "notes": notes, "examples": matched[:examples]}


# -- routing a new case ----------------------------------------------------------------


class Router:
    """Routes a batch of new cases in the caller's transaction, reading the rules, teams, round-robin turns
    and SLA policies once: `decide` for each case, then `finish` to keep the turns and the decisions.
    `open_cases` counts each user's open cases (for least-loaded); the cases given out are added to it."""

    def __init__(self, conn: Tx, open_cases: Mapping[int, int] | None = None) -> None:
        self.conn = conn
        self.rules = [_rule(r) for r in stored.current_rules(conn)]
        self.members = stored.members(conn)
        self.turns = stored.last_assigned(conn)
        self.policies = stored.policies(conn)
        self.by_name = {p.name: p for p in self.policies}
        self.load = dict(open_cases or {})
        self.moved: set[str] = set()
        self.routes: list[tuple[int, Decision]] = []

    def _agents(self) -> dict[str, list[Agent]]:
        out: dict[str, list[Agent]] = {}
        for m in self.members:
            out.setdefault(m.team, []).append(Agent(m.user_id, m.username, available=m.available and not m.disabled,
                                                    open_cases=self.load.get(m.user_id, 0)))
        return out

    def decide(self, facts: Facts, *, case_id: int | None = None, move_cursor: bool | None = None) -> Decision:
        """One case's decision (a rule without an SLA policy: the policy of the priority band). A round-robin
        pick takes the team's turn (by default only for a case that is given, whose decision is kept)."""
        decision = rules_core.route(self.rules, facts, members=self._agents(), last_assigned=self.turns)
        policy = self.by_name.get(decision.sla or "") or sla_core.policy_for(facts.priority, self.policies)
        if policy is not None and decision.sla != policy.name:
            decision = replace(decision, sla=policy.name, reason=f"{decision.reason}; SLA {policy.name} "
                               f"(priority band from {policy.min_priority:g})")
        if decision.assignee_id is not None and (case_id is not None if move_cursor is None else move_cursor):
            self.load[decision.assignee_id] = self.load.get(decision.assignee_id, 0) + 1
            if decision.team and decision.rule is not None and decision.rule.actions.strategy is Strategy.ROUND_ROBIN:
                self.turns[decision.team] = decision.assignee_id
                self.moved.add(decision.team)
        if case_id is not None:
            self.routes.append((case_id, decision))
        return decision

    def first_response_due(self, decision: Decision, opened_at: datetime) -> datetime | None:
        """When the first response is due under the decision's SLA policy (None without one)."""
        p = self.by_name.get(decision.sla or "")
        return None if p is None else sla_core.due_at(opened_at, p.first_response_minutes, p)

    def finish(self, at: datetime | None = None) -> None:
        """Keep the teams' round-robin turns and each given case's decision."""
        for team in self.moved:
            stored.set_last_assigned(self.conn, team, self.turns[team])
        for case_id, decision in self.routes:
            record_route(self.conn, case_id, decision, at=at)
        self.moved.clear()
        self.routes.clear()


def decide(
    conn: Tx, facts: Facts, *, case_id: int | None = None, open_cases: Mapping[int, int] | None = None,
    at: datetime | None = None, move_cursor: bool | None = None,
) -> Decision:
    """Route one new case inside the caller's transaction (see `Router`): the first matching rule decides team,
    assignee, tags and SLA policy. A round-robin pick takes the team's turn (unless `move_cursor` is False; by
    default only when the case is given); with `case_id` the decision is recorded."""
    router = Router(conn, open_cases)
    decision = router.decide(facts, case_id=case_id, move_cursor=move_cursor)
    router.finish(at)
    return decision


def record_route(conn: Tx, case_id: int, decision: Decision, *, at: datetime | None = None) -> None:
    """Keep how a case was routed: the rule version, team, policy and reason."""
    stored.save_route(conn, case_id, rule_version_id=decision.rule.version_id if decision.rule else None,
                      team=decision.team, sla=decision.sla, reason=decision.reason, at=at or _now())


def sla_targets(conn: Tx, policy_name: str | None, start: datetime) -> dict[str, Any] | None:
    """A case's first-response and resolution due times under the named policy, from `start`."""
    if not policy_name:
        return None
    try:
        p = stored.policy(conn, policy_name)
    except NotFoundError:
        return None
    return {"policy": p.name, "first_response_due": sla_core.due_at(start, p.first_response_minutes, p),
            "resolution_due": sla_core.due_at(start, p.resolution_minutes, p)}


# -- teams ---------------------------------------------------------------------------


def _user_id(conn: Tx, username: str, field: str = "user") -> int:
    row = users_store.find_user(conn, username)
    if row is None:
        raise NotFoundError(f"no user named {username!r} (see `goodwill users list`)")
    if field == "manager" and Role(row.role) is Role.AGENT:
        raise FieldError("manager", f"{row.username} is an agent; a team's manager needs the manager or admin role")
    return row.id


def list_teams(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Every team with its manager and members (name, role, available)."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        found = stored.list_teams(conn)
        by_team: dict[int, list[dict[str, Any]]] = {}
        for m in stored.members(conn):
            by_team.setdefault(m.team_id, []).append(
                {"user": m.username, "role": m.role, "available": m.available and not m.disabled})
    return [{"name": t["name"], "manager": t["manager"], "members": by_team.get(t["id"], [])} for t in found]


def add_team(store: Store, actor: Actor, name: str, *, manager: str | None = None) -> dict[str, Any]:
    require(actor, ROUTING_ROLE)
    name = _name(name)
    with store.begin() as conn:
        manager_id = None if manager is None else _user_id(conn, manager, "manager")
        stored.add_team(conn, name, manager_id, _now())
        record(conn, actor, "team.add", f"team:{name}", manager=manager)
    return {"name": name, "manager": manager, "members": []}


def set_team_manager(store: Store, actor: Actor, team: str, manager: str | None) -> None:
    require(actor, ROUTING_ROLE)
    with store.begin() as conn:
        tid = stored.team_id(conn, team)
        stored.set_manager(conn, tid, None if manager is None else _user_id(conn, manager, "manager"))
        record(conn, actor, "team.manager", f"team:{team}", manager=manager)


def remove_team(store: Store, actor: Actor, name: str) -> None:
    require(actor, ROUTING_ROLE)
    with store.begin() as conn:
        stored.remove_team(conn, stored.team_id(conn, name))
        record(conn, actor, "team.remove", f"team:{name}")


def join_team(store: Store, actor: Actor, team: str, user: str, *, available: bool = True) -> bool:
    """Add a user to a team (or set their availability in it); True when they joined."""
    require(actor, ROUTING_ROLE)
    with store.begin() as conn:
        joined = stored.set_member(conn, stored.team_id(conn, team), _user_id(conn, user), available)
        record(conn, actor, "team.member", f"team:{team}", user=user, joined=joined, available=available)
    return joined


def leave_team(store: Store, actor: Actor, team: str, user: str) -> None:
    require(actor, ROUTING_ROLE)
    with store.begin() as conn:
        if not stored.remove_member(conn, stored.team_id(conn, team), _user_id(conn, user)):
            raise NotFoundError(f"{user} is not in team {team}")
        record(conn, actor, "team.member", f"team:{team}", user=user, left=True)


def set_available(store: Store, actor: Actor, user: str, available: bool) -> int:
    """Say whether a user takes new cases, in every team they are in. Agents may set their own."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        uid = _user_id(conn, user)
        if uid != actor.user_id and not actor.can(ROUTING_ROLE):
            raise PermissionDeniedError(f"{actor.name} may set only their own availability; others' need a manager")
        teams = stored.set_available(conn, uid, available)
        if not teams:
            raise NotFoundError(f"{user} is in no team (see `goodwill teams join`)")
        record(conn, actor, "team.available", f"user:{user}", available=available, teams=teams)
    return teams


# -- SLA policies --------------------------------------------------------------------


def _policy_dict(p: SlaPolicy) -> dict[str, Any]:
    return {
        "name": p.name, "min_priority": p.min_priority, "first_response_minutes": p.first_response_minutes,
        "resolution_minutes": p.resolution_minutes, "timezone": p.timezone, "hours": sla_core.hours_text(p.hours),
        "holidays": [d.isoformat() for d in p.holidays], "near_breach": p.near_breach, "escalate": p.escalate.value,
        "escalate_to": p.escalate_to,
    }


def list_policies(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Every SLA policy, lowest priority band first, hours in words."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return [_policy_dict(p) for p in stored.policies(conn)]


def set_policy(
    store: Store, actor: Actor, name: str, *, min_priority: float | None = None,
    first_response: str | int | None = None, resolution: str | int | None = None, timezone: str | None = None,
    hours: str | None = None, holidays: list[str] | None = None, near_breach: float | None = None,
    escalate: str | None = None, escalate_to: str | None = None,
) -> dict[str, Any]:
    """Create or change an SLA policy; options not given keep their value (a new policy needs both targets).
    `escalate_to=""` clears the escalation user (breaches go to the team's manager)."""
    require(actor, ROUTING_ROLE)
    name = name.strip()
    with store.begin() as conn:
        try:
            old: SlaPolicy | None = stored.policy(conn, name)
        except NotFoundError:
            old = None
        if old is None and (first_response is None or resolution is None):
            raise FieldError("first_response" if first_response is None else "resolution",
                             "a new policy needs both targets (--first-response and --resolution)")
        if escalate is not None and escalate not in tuple(Escalation):
            raise FieldError("escalate", f"{escalate!r}: choose notify or reassign")
        if escalate_to:
            _user_id(conn, escalate_to, "escalate_to")
        base = old or SlaPolicy(name=name, min_priority=0.0, first_response_minutes=1, resolution_minutes=1)
        new = replace(
            base,
            min_priority=base.min_priority if min_priority is None else float(min_priority),
            first_response_minutes=base.first_response_minutes if first_response is None
            else sla_core.parse_duration(first_response, "first_response"),
            resolution_minutes=base.resolution_minutes if resolution is None
            else sla_core.parse_duration(resolution, "resolution"),
            timezone=base.timezone if timezone is None else timezone.strip(),
            hours=base.hours if hours is None else sla_core.parse_hours(hours),
            holidays=base.holidays if holidays is None else sla_core.holidays_from(holidays),
            near_breach=base.near_breach if near_breach is None else float(near_breach),
            escalate=base.escalate if escalate is None else Escalation(escalate),
            escalate_to=base.escalate_to if escalate_to is None else (escalate_to.strip() or None),
        )
        sla_core.check_policy(new)
        created = stored.save_policy(conn, new, _now())
        out = _policy_dict(new)
        record(conn, actor, "sla.set", f"sla:{name}", created=created, **out)
    return {**out, "created": created}


def remove_policy(store: Store, actor: Actor, name: str) -> None:
    require(actor, ROUTING_ROLE)
    with store.begin() as conn:
        stored.remove_policy(conn, name)
        record(conn, actor, "sla.remove", f"sla:{name}")


def policy_due(store: Store, actor: Actor, name: str, start: datetime) -> dict[str, Any]:
    """When a case arriving at `start` is due under the policy: first response and resolution."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        p = stored.policy(conn, name)
    return {"policy": p.name, "start": iso(start),
            "first_response_due": iso(sla_core.due_at(start, p.first_response_minutes, p)),
            "resolution_due": iso(sla_core.due_at(start, p.resolution_minutes, p)),
            "timezone": p.timezone, "hours": sla_core.hours_text(p.hours)}


# -- cases: routing the new ones, escalating breaches ---------------------------------


def sla_view(policies: Mapping[str, SlaPolicy], case: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The SLA state of a case under its stored policy, in words: the first response until it came, then
    resolution. None when the case has no policy of that name (the cases service's defaults)."""
    p = policies.get(case.get("sla_policy") or "")
    if p is None or case["opened_at"] is None:
        return None
    first_due = case.get("sla_due_at") or sla_core.due_at(case["opened_at"], p.first_response_minutes, p)
    resolution_due = sla_core.due_at(case["opened_at"], p.resolution_minutes, p)
    first = sla_core.state(now, first_due, p.first_response_minutes, p, done_at=case.get("first_response_at"))
    resolution = sla_core.state(now, resolution_due, p.resolution_minutes, p, done_at=case.get("resolved_at"))
    current = first if case.get("first_response_at") is None and case.get("resolved_at") is None else resolution
    return {"policy": p.name, "state": current[0], "reason": current[1],
            "first_response": {"due_at": iso(first_due), "state": first[0], "reason": first[1]},
            "resolution": {"due_at": iso(resolution_due), "state": resolution[0], "reason": resolution[1]}}


def policies_by_name(conn: Tx) -> dict[str, SlaPolicy]:
    return {p.name: p for p in stored.policies(conn)}


def escalate_in(conn: Tx, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Escalate every breach, under one of the workspace's SLA policies, not escalated yet, in the caller's
    transaction: each is recorded once
    (`sla_escalations`), as a `breach` case event and a `case.escalate` audit entry; a `reassign` policy
    also gives the case to the escalation user (or the team's manager), an `assigned` event."""
    policies = policies_by_name(conn)
    done = {(e["case_id"], e["target"]) for e in stored.escalations(conn)}
    out: list[dict[str, Any]] = []
    for case in stored.cases_on_the_clock(conn, ON_THE_CLOCK):
        p = policies.get(case["sla_policy"])
        if p is None:  # the cases' built-in default times flag a breach, but only a policy escalates
            continue
        found = sla_core.breaches(now, p, opened_at=case["opened_at"], first_response_due=case["sla_due_at"],
                                  first_response_at=case["first_response_at"], resolved_at=case["resolved_at"])
        for target, due, reason in found:
            if (case["id"], target) in done:
                continue
            out.append(_escalate_one(conn, actor, case, p, target, due, reason, now))
            done.add((case["id"], target))
    return [e for e in out if e]


def _escalation_user(conn: Tx, case: Mapping[str, Any], p: SlaPolicy) -> tuple[int, str] | None:
    if p.escalate_to:
        row = users_store.find_user(conn, p.escalate_to)
        if row is not None and not row.disabled:
            return row.id, row.username
    return stored.team_manager(conn, case["team"]) if case["team"] else None


def _escalate_one(conn: Tx, actor: Actor, case: Mapping[str, Any], p: SlaPolicy, target: str,
                  due: datetime, reason: str, now: datetime) -> dict[str, Any]:
    to = _escalation_user(conn, case, p)
    action = p.escalate.value
    reassigned = action == Escalation.REASSIGN.value and to is not None and to[0] != case["assignee_id"]
    who = to[1] if to else None
    words = f"{reason}; " + (f"reassigned to {who}" if reassigned else f"{who} notified" if who
                              else "nobody to notify: the case has no team manager and the policy names nobody")
    if not stored.add_escalation(conn, case_id=case["id"], target=target, due_at=due, at=now, action=action,
                                 to_user_id=to[0] if to else None, reason=words):
        return {}
    events = [{"case_id": case["id"], "at": now, "kind": "breach", "actor_id": actor.user_id, "actor_name": actor.name,
               "message_id": None, "details": {"target": target, "due_at": iso(due), "action": action, "to": who,
                                               "reason": words}}]
    if reassigned and to is not None:
        stored.reassign(conn, case["id"], to[0], now)
        events.append({"case_id": case["id"], "at": now, "kind": "assigned", "actor_id": actor.user_id,
                       "actor_name": actor.name, "message_id": None,
                       "details": {"assignee": who, "reason": f"escalated: {target.replace('_', ' ')} breached"}})
    case_store.add_events(conn, events)
    record(conn, actor, "case.escalate", f"case {case['id']}", breached=target, due_at=iso(due), escalation=action,
           to=who, reassigned=reassigned)
    return {"case_id": case["id"], "target": target, "due_at": iso(due), "action": action, "to": who,
            "reassigned": reassigned, "reason": words}


def escalate(store: Store, actor: Actor, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Escalate every breach not escalated yet (`goodwill cases escalate`); running it again escalates
    nothing twice."""
    require(actor, ESCALATE_ROLE)
    with store.begin() as conn:
        return escalate_in(conn, actor, now or _now())


def escalations_of(conn: Tx, case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The escalations of these cases, by case: target, when, action, to whom, reason."""
    out: dict[int, list[dict[str, Any]]] = {}
    for e in stored.escalations(conn, case_ids):
        out.setdefault(int(e["case_id"]), []).append(
            {"target": e["target"], "due_at": iso(e["due_at"]), "at": iso(e["escalated_at"]), "action": e["action"],
             "to": e["to_user"], "reason": e["reason"]})
    return out


def route_of(conn: Tx, case_id: int) -> dict[str, Any] | None:
    """How a case was routed: rule id, version and name, team, policy and the reason in words."""
    r = stored.routes(conn, [case_id]).get(case_id)
    if r is None:
        return None
    return {"rule_id": r["rule_id"], "rule_version": r["version"], "rule_name": r["rule_name"], "team": r["team"],
            "sla_policy": r["sla_policy"], "reason": r["reason"], "routed_at": iso(r["routed_at"])}

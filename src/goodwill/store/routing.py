"""Teams, routing rules (one row per version), SLA policies, how each case was routed, and escalations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from goodwill.domain.routing import Escalation, SlaPolicy
from goodwill.errors import ConflictError, NotFoundError
from goodwill.store.tables import (
    accounts,
    case_routes,
    cases,
    message_signals,
    message_topics,
    messages,
    routing_rules,
    sla_escalations,
    sla_policies,
    team_members,
    teams,
    topics,
    users,
)

# -- teams ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRow:
    team_id: int
    team: str
    user_id: int
    username: str
    role: str
    available: bool
    disabled: bool


def team_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(teams.c.id).where(func.lower(teams.c.name) == name.strip().lower())).scalar()
    if found is None:
        raise NotFoundError(f"no team named {name!r} (see `goodwill teams list`)")
    return int(found)


def known_team(conn: Connection, name: str) -> bool:
    """Whether a team of this name (case ignored) exists, or any case is given to one of that name."""
    low = name.strip().lower()
    if conn.execute(select(teams.c.id).where(func.lower(teams.c.name) == low).limit(1)).first() is not None:
        return True
    return conn.execute(select(cases.c.id).where(func.lower(cases.c.team) == low).limit(1)).first() is not None


def add_team(conn: Connection, name: str, manager_id: int | None, at: datetime) -> int:
    if conn.execute(select(teams.c.id).where(func.lower(teams.c.name) == name.lower())).first() is not None:
        raise ConflictError(f"a team named {name!r} exists already")
    new_id: int = conn.execute(
        teams.insert().values(name=name, manager_id=manager_id, created_at=at)
    ).inserted_primary_key[0]  # type: ignore[index]
    return new_id


def set_manager(conn: Connection, team: int, manager_id: int | None) -> None:
    conn.execute(teams.update().where(teams.c.id == team).values(manager_id=manager_id))


def remove_team(conn: Connection, team: int) -> None:
    conn.execute(team_members.delete().where(team_members.c.team_id == team))
    conn.execute(teams.delete().where(teams.c.id == team))


def list_teams(conn: Connection) -> list[dict[str, Any]]:
    """Every team with its manager's name, by name."""
    manager = users.alias("manager")
    rows = conn.execute(
        select(teams.c.id, teams.c.name, teams.c.manager_id, manager.c.username.label("manager"))
        .select_from(teams.outerjoin(manager, manager.c.id == teams.c.manager_id)).order_by(teams.c.name)
    )
    return [dict(r._mapping) for r in rows]


def members(conn: Connection) -> list[MemberRow]:
    """Every team membership, by team and user name."""
    rows = conn.execute(
        select(teams.c.id, teams.c.name, users.c.id, users.c.username, users.c.role, team_members.c.available,
               users.c.disabled)
        .select_from(team_members.join(teams, teams.c.id == team_members.c.team_id)
                     .join(users, users.c.id == team_members.c.user_id))
        .order_by(teams.c.name, users.c.username)
    )
    return [MemberRow(int(a), b, int(c), d, e, bool(f), bool(g)) for a, b, c, d, e, f, g in rows]


def set_member(conn: Connection, team: int, user_id: int, available: bool) -> bool:
    """Add the user to the team (or set their availability there); True when they were not a member."""
    c = team_members.c
    found = conn.execute(select(c.available).where(and_(c.team_id == team, c.user_id == user_id))).first()
    if found is None:
        conn.execute(team_members.insert().values(team_id=team, user_id=user_id, available=available))
        return True
    conn.execute(team_members.update().where(and_(c.team_id == team, c.user_id == user_id)).values(available=available))
    return False


def remove_member(conn: Connection, team: int, user_id: int) -> bool:
    c = team_members.c
    return conn.execute(team_members.delete().where(and_(c.team_id == team, c.user_id == user_id))).rowcount > 0


def set_available(conn: Connection, user_id: int, available: bool) -> int:
    """Mark the user available (or not) in every team they are in; the number of teams."""
    return conn.execute(
        team_members.update().where(team_members.c.user_id == user_id).values(available=available)
    ).rowcount


def last_assigned(conn: Connection) -> dict[str, int]:
    """Round-robin's cursor of each team that has one, by team name."""
    rows = conn.execute(select(teams.c.name, teams.c.last_assigned_id).where(teams.c.last_assigned_id.is_not(None)))
    return {name: int(uid) for name, uid in rows}


def set_last_assigned(conn: Connection, team_name: str, user_id: int) -> None:
    conn.execute(teams.update().where(func.lower(teams.c.name) == team_name.lower()).values(last_assigned_id=user_id))


def team_manager(conn: Connection, team_name: str) -> tuple[int, str] | None:
    """The team's manager (id, name), if it has one."""
    row = conn.execute(
        select(users.c.id, users.c.username).select_from(teams.join(users, users.c.id == teams.c.manager_id))
        .where(func.lower(teams.c.name) == team_name.lower())
    ).first()
    return None if row is None else (int(row[0]), row[1])


# -- rules ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One stored version of a rule; conditions and actions as the plain data they were saved as."""

    id: int
    rule_id: int
    version: int
    name: str
    position: int
    conditions: dict[str, Any]
    actions: dict[str, Any]
    created_at: datetime
    created_by: str
    retired_at: datetime | None


def _rule(row: Any) -> RuleRow:
    return RuleRow(int(row.id), int(row.rule_id), int(row.version), row.name, int(row.position), dict(row.conditions),
                   dict(row.actions), row.created_at, row.created_by, row.retired_at)


def current_rules(conn: Connection) -> list[RuleRow]:
    """The rules in force (each at its newest version), in routing order."""
    rows = conn.execute(
        select(routing_rules).where(routing_rules.c.retired_at.is_(None))
        .order_by(routing_rules.c.position, routing_rules.c.rule_id)
    )
    return [_rule(r) for r in rows]


def versions(conn: Connection, rule_id: int) -> list[RuleRow]:
    """Every version of one rule, oldest first; NotFoundError when there is none."""
    rows = [_rule(r) for r in conn.execute(
        select(routing_rules).where(routing_rules.c.rule_id == rule_id).order_by(routing_rules.c.version)
    )]
    if not rows:
        raise NotFoundError(f"no rule {rule_id} (see `goodwill rules list`)")
    return rows


def current(conn: Connection, rule_id: int) -> RuleRow:
    """The rule's version in force; NotFoundError when it was removed or never was."""
    latest = versions(conn, rule_id)[-1]
    if latest.retired_at is not None:
        raise NotFoundError(f"rule {rule_id} was removed (at version {latest.version})")
    return latest


def version_by_id(conn: Connection, version_id: int) -> RuleRow | None:
    row = conn.execute(select(routing_rules).where(routing_rules.c.id == version_id)).first()
    return None if row is None else _rule(row)


def next_rule_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(routing_rules.c.rule_id), 0))).scalar() or 0) + 1


def next_position(conn: Connection) -> int:
    """Ten after the last rule in force, so a rule can be slotted in between later."""
    last = conn.execute(
        select(func.max(routing_rules.c.position)).where(routing_rules.c.retired_at.is_(None))
    ).scalar()
    return 10 if last is None else int(last) + 10


def insert_version(
    conn: Connection, *, rule_id: int, version: int, name: str, position: int, conditions: dict[str, Any],
    actions: dict[str, Any], at: datetime, by: str,
) -> int:
    try:
        with conn.begin_nested():
            new_id: int = conn.execute(routing_rules.insert().values(
                rule_id=rule_id, version=version, name=name, position=position, conditions=conditions,
                actions=actions, created_at=at, created_by=by,
            )).inserted_primary_key[0]  # type: ignore[index]
    except IntegrityError:
        raise ConflictError(f"rule {rule_id} changed meanwhile (version {version} exists); try again") from None
    return new_id


def retire(conn: Connection, version_id: int, at: datetime) -> None:
    conn.execute(routing_rules.update().where(routing_rules.c.id == version_id).values(retired_at=at))


# -- SLA policies --------------------------------------------------------------------


def _policy(row: Any) -> SlaPolicy:
    return SlaPolicy(
        name=row.name, min_priority=float(row.min_priority), first_response_minutes=int(row.first_response_minutes),
        resolution_minutes=int(row.resolution_minutes), timezone=row.timezone,
        hours=tuple(tuple((int(s), int(e)) for s, e in day) for day in row.hours),
        holidays=tuple(date.fromisoformat(d) for d in row.holidays), near_breach=float(row.near_breach),
        escalate=Escalation(row.escalate), escalate_to=row.escalate_to,
    )


def policies(conn: Connection) -> list[SlaPolicy]:
    """Every SLA policy, lowest priority band first."""
    return [_policy(r) for r in conn.execute(select(sla_policies).order_by(sla_policies.c.min_priority, sla_policies.c.name))]


def policy(conn: Connection, name: str) -> SlaPolicy:
    row = conn.execute(select(sla_policies).where(sla_policies.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no SLA policy named {name!r} (see `goodwill sla list`)")
    return _policy(row)


def save_policy(conn: Connection, p: SlaPolicy, at: datetime) -> bool:
    """Insert or replace the policy of that name; True when it is new."""
    values = {
        "min_priority": p.min_priority, "first_response_minutes": p.first_response_minutes,
        "resolution_minutes": p.resolution_minutes, "timezone": p.timezone,
        "hours": [[list(span) for span in day] for day in p.hours], "holidays": [d.isoformat() for d in p.holidays],
        "near_breach": p.near_breach, "escalate": p.escalate.value, "escalate_to": p.escalate_to, "updated_at": at,
    }
    done = conn.execute(sla_policies.update().where(sla_policies.c.name == p.name).values(**values)).rowcount
    if done:
        return False
    conn.execute(sla_policies.insert().values(name=p.name, **values))
    return True


def remove_policy(conn: Connection, name: str) -> None:
    if not conn.execute(sla_policies.delete().where(sla_policies.c.name == name)).rowcount:
        raise NotFoundError(f"no SLA policy named {name!r} (see `goodwill sla list`)")


# -- how cases were routed, and their escalations ------------------------------------


def save_route(
    conn: Connection, case_id: int, *, rule_version_id: int | None, team: str | None, sla: str | None, reason: str,
    at: datetime,
) -> None:
    """Record (or replace) how a case was routed."""
    tid = None if team is None else conn.execute(
        select(teams.c.id).where(func.lower(teams.c.name) == team.lower())).scalar()
    conn.execute(case_routes.delete().where(case_routes.c.case_id == case_id))
    conn.execute(case_routes.insert().values(case_id=case_id, rule_version_id=rule_version_id, team_id=tid,
                                             sla_policy=sla, reason=reason, routed_at=at))


def routes(conn: Connection, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """How each of these cases was routed: rule id, version and name, team, policy, reason."""
    if not case_ids:
        return {}
    rows = conn.execute(
        select(case_routes.c.case_id, case_routes.c.rule_version_id, routing_rules.c.rule_id, routing_rules.c.version,
               routing_rules.c.name.label("rule_name"), teams.c.name.label("team"), case_routes.c.sla_policy,
               case_routes.c.reason, case_routes.c.routed_at)
        .select_from(case_routes.outerjoin(routing_rules, routing_rules.c.id == case_routes.c.rule_version_id)
                     .outerjoin(teams, teams.c.id == case_routes.c.team_id))
        .where(case_routes.c.case_id.in_(list(case_ids)))
    )
    return {int(r.case_id): dict(r._mapping) for r in rows}


def cases_by_rule_version(conn: Connection) -> dict[int, int]:
    """How many cases each rule version routed."""
    rows = conn.execute(select(case_routes.c.rule_version_id, func.count()).where(
        case_routes.c.rule_version_id.is_not(None)).group_by(case_routes.c.rule_version_id))
    return {int(v): int(n) for v, n in rows}


def add_escalation(
    conn: Connection, *, case_id: int, target: str, due_at: datetime, at: datetime, action: str,
    to_user_id: int | None, reason: str,
) -> bool:
    """Record a breach's escalation; False (and nothing written) when that target of that case was escalated before."""
    c = sla_escalations.c
    if conn.execute(select(c.id).where(and_(c.case_id == case_id, c.target == target))).first() is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(sla_escalations.insert().values(case_id=case_id, target=target, due_at=due_at,
                                                         escalated_at=at, action=action, to_user_id=to_user_id,
                                                         reason=reason))
    except IntegrityError:  # a concurrent run escalated it first
        return False
    return True


def escalations(conn: Connection, case_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Escalations (of these cases, or all), oldest first, with the name of whoever they went to."""
    if case_ids is not None:  # one statement for any ids: compiled once, not per call
        return [dict(r._mapping) for r in conn.execute(_ESCALATIONS_OF, {"ids": [int(i) for i in case_ids]})]
    return [dict(r._mapping) for r in conn.execute(_ESCALATIONS)]


_ESCALATIONS = (select(sla_escalations, users.c.username.label("to_user"))
                .select_from(sla_escalations.outerjoin(users, users.c.id == sla_escalations.c.to_user_id))
                .order_by(sla_escalations.c.id))
_ESCALATIONS_OF = _ESCALATIONS.where(sla_escalations.c.case_id.in_(bindparam("ids", expanding=True)))


# -- past messages, for trying a rule ------------------------------------------------


@dataclass(frozen=True, slots=True)
class PastMessage:
    """A customer message a rule is tried on."""

    id: int
    platform: str
    thread_root_id: str
    text: str
    created_at: datetime
    language: str | None
    intent: str | None
    needs_response: bool | None
    topic: str | None
    person_id: int | None


def latest_customer_message_at(conn: Connection) -> datetime | None:
    value: datetime | None = conn.execute(select(func.max(messages.c.created_at)).where(~messages.c.is_brand)).scalar()
    return value


def customer_messages(conn: Connection, since: datetime, until: datetime, *, limit: int) -> list[PastMessage]:
    """Customers' (not the brand's) live messages from `since` up to `until`, oldest first, at most `limit`."""
    q = (
        select(messages.c.id, messages.c.platform, messages.c.thread_root_id, messages.c.text, messages.c.created_at,
               message_signals.c.language, message_signals.c.intent, message_signals.c.needs_response,
               topics.c.label, accounts.c.person_id)
        .select_from(
            messages.join(accounts, accounts.c.id == messages.c.account_id)
            .outerjoin(message_signals, message_signals.c.message_id == messages.c.id)
            .outerjoin(message_topics, message_topics.c.message_id == messages.c.id)
            .outerjoin(topics, topics.c.id == message_topics.c.topic_id)
        )
        .where(messages.c.created_at >= since, messages.c.created_at <= until, ~messages.c.is_brand,
               messages.c.deleted_at.is_(None))
        .order_by(messages.c.created_at, messages.c.id)
        .limit(limit)
    )
    return [PastMessage(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else bool(r[7]), r[8],
                        None if r[9] is None else int(r[9])) for r in conn.execute(q)]


# -- cases, as routing and escalation see them -----------------------------------------


def topic_labels(conn: Connection, message_ids: Sequence[int]) -> dict[int, str]:
    """The label of each message's topic (messages without one are left out)."""
    if not message_ids:
        return {}
    rows = conn.execute(select(message_topics.c.message_id, topics.c.label)
                        .select_from(message_topics.join(topics, topics.c.id == message_topics.c.topic_id))
                        .where(message_topics.c.message_id.in_(list(message_ids))))
    return {int(i): label for i, label in rows}


def cases_on_the_clock(conn: Connection, statuses: Sequence[str]) -> list[dict[str, Any]]:
    """Cases in `statuses` with an SLA policy, not yet escalated on both targets, oldest first."""
    escalated = (select(func.count()).where(sla_escalations.c.case_id == cases.c.id)
                 .correlate(cases).scalar_subquery())
    rows = conn.execute(
        select(cases.c.id, cases.c.team, cases.c.assignee_id, cases.c.sla_policy, cases.c.sla_due_at,
               cases.c.opened_at, cases.c.first_response_at, cases.c.resolved_at, cases.c.status)
        .where(cases.c.status.in_(list(statuses)), cases.c.sla_policy.is_not(None), escalated < 2)
        .order_by(cases.c.opened_at, cases.c.id)
    )
    return [dict(r._mapping) for r in rows]


def reassign(conn: Connection, case_id: int, user_id: int, at: datetime) -> None:
    conn.execute(cases.update().where(cases.c.id == case_id).values(assignee_id=user_id, updated_at=at))

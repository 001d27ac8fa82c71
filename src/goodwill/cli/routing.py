"""`goodwill rules`, `goodwill teams` and `goodwill sla`: who answers what, and how fast."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from goodwill.cli.console import out, reporting
from goodwill.cli.shell import workspace_session
from goodwill.errors import FieldError

rules_app = typer.Typer(
    help="Routing rules: which team a new case goes to, who in it, with which tags and SLA policy. "
    "The first rule (lowest position) whose conditions all hold decides; editing a rule stores a new version.\n\n"
    "Example:\n\n    goodwill rules add 'Refunds to billing' --intent complaint --keyword refund --team billing "
    "--assign round-robin --tag refund",
    no_args_is_help=True,
)
teams_app = typer.Typer(
    help="Teams: who is in which team, who manages it, and who is available for new cases.\n\n"
    "Example:\n\n    goodwill teams add billing --manager maria && goodwill teams join billing sam",
    no_args_is_help=True,
)
sla_app = typer.Typer(
    help="SLA policies: first-response and resolution targets per priority band, counted in business hours.\n\n"
    "Example:\n\n    goodwill sla set standard --first-response 4h --resolution 16h --timezone Europe/London "
    "--hours 'mon-fri 09:00-17:00'",
    no_args_is_help=True,
)

Intent = Annotated[list[str] | None, typer.Option("--intent", help="Intent is one of these (repeatable): question, complaint, praise, suggestion, purchase_intent, other.")]
Topic = Annotated[list[str] | None, typer.Option("--topic", help="The message's topic label contains this word (repeatable).")]
Language = Annotated[list[str] | None, typer.Option("--language", help="Language code, e.g. en (repeatable).")]
Platform = Annotated[list[str] | None, typer.Option("--platform", help="Platform, e.g. twitter (repeatable).")]
Keyword = Annotated[list[str] | None, typer.Option("--keyword", "-k", help="A word or phrase in the message, case ignored (repeatable).")]
Stage = Annotated[list[str] | None, typer.Option("--stage", help="The person's stage, e.g. 'at risk' (repeatable).")]
MinPriority = Annotated[float | None, typer.Option("--min-priority", help="The case's priority is at least this.")]
Team = Annotated[str | None, typer.Option("--team", help="The team the case goes to.")]
Assign = Annotated[str | None, typer.Option("--assign", help="round-robin, least-loaded, none, or a user's name (always that user).")]
Tag = Annotated[list[str] | None, typer.Option("--tag", help="A tag the case gets (repeatable).")]
Sla = Annotated[str | None, typer.Option("--sla", help="The SLA policy (default: the policy of the case's priority band).")]
Position = Annotated[int | None, typer.Option("--position", help="Rules run from the lowest position up (default: after the last).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _conditions(intent: list[str] | None, topic: list[str] | None, language: list[str] | None,
                platform: list[str] | None, keyword: list[str] | None, stage: list[str] | None,
                min_priority: float | None) -> dict[str, Any]:
    given = {"intents": intent, "topics": topic, "languages": language, "platforms": platform, "keywords": keyword,
             "stages": stage, "min_priority": min_priority}
    return {k: v for k, v in given.items() if v}


def _actions(team: str | None, assign: str | None, tag: list[str] | None, sla: str | None) -> dict[str, Any]:
    acts: dict[str, Any] = {}
    if team is not None:
        acts["team"] = team
    if assign is not None:
        if assign in ("round-robin", "least-loaded", "none"):
            acts["strategy"], acts["assignee"] = assign, None
        else:
            acts["strategy"], acts["assignee"] = "fixed", assign
    if tag:
        acts["tags"] = tag
    if sla is not None:
        acts["sla"] = sla
    return acts


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_rule(r: dict[str, Any]) -> None:
    a = r["actions"]
    who = {"none": "", "fixed": f", to {a['assignee']}", "round-robin": ", round-robin",
           "least-loaded": ", least-loaded"}[a["strategy"]]
    then = (f"team {a['team']}{who}" if a["team"] else "no team") + (f"; tags {', '.join(a['tags'])}" if a["tags"] else "") \
        + (f"; SLA {a['sla']}" if a["sla"] else "")
    out.print(f"#{r['id']} v{r['version']} [{r['position']}] {r['name']}: when {r['summary']} -> {then}",
              markup=False, highlight=False)


def _print_try(result: dict[str, Any]) -> None:
    out.print(result["words"][0].upper() + result["words"][1:] + ".", markup=False, highlight=False)
    for note in result["notes"]:
        out.print(f"  note: {note}", markup=False, highlight=False)
    for e in result["examples"]:
        out.print(f"  {e['at'][:16].replace('T', ' ')} {e['platform']} #{e['message_id']}: {e['text'][:90]}  ({e['reason']})",
                  markup=False, highlight=False)


@rules_app.command("list")
def rules_list(ctx: typer.Context, as_json: Json = False,
               history: Annotated[bool, typer.Option("--history", help="Every version of every rule, removed ones too.")] = False) -> None:
    """List the rules in routing order, with how many cases each version routed.

    Example:

        goodwill rules list --json
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        rows = routing.list_rules(ws.store, ws.actor, history=history)
    if as_json:
        _dump(rows)
        return
    if not rows:
        out.print("No rules yet: `goodwill rules add --help` shows how. Unrouted cases wait in the shared queue.")
    for r in rows:
        _print_rule(r)
        if history:
            out.print(f"    by {r['created_by']} at {r['created_at']}" + (f", retired {r['retired_at']}" if r["retired_at"] else "")
                      + f"; routed {r['cases_routed']} cases", markup=False, highlight=False)


@rules_app.command("add")
def rules_add(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="What the rule is for, e.g. 'Refunds to billing'.")],
    intent: Intent = None, topic: Topic = None, language: Language = None, platform: Platform = None,
    keyword: Keyword = None, stage: Stage = None, min_priority: MinPriority = None, team: Team = None,
    assign: Assign = None, tag: Tag = None, sla: Sla = None, position: Position = None,
    days: Annotated[int, typer.Option("--days", help="Before saving, try it on this many days of past messages.")] = 7,
    as_json: Json = False,
) -> None:
    """Add a rule. It is first tried on past messages, and the count printed with it.

    Example:

        goodwill rules add 'Battery trouble' --intent complaint --intent question --keyword battery --team support --assign least-loaded --tag battery
    """
    from goodwill.service import routing

    cond = _conditions(intent, topic, language, platform, keyword, stage, min_priority)
    with workspace_session(ctx) as ws:
        tried = routing.try_rule(ws.store, ws.actor, conditions=cond, days=days)
        rule = routing.add_rule(ws.store, ws.actor, name, conditions=cond, actions=_actions(team, assign, tag, sla),
                                position=position)
    if as_json:
        _dump({**rule, "tried": tried})
        return
    out.print(f"Added rule #{rule['id']} (version 1): {tried['words']}.", markup=False, highlight=False)


@rules_app.command("edit")
def rules_edit(
    ctx: typer.Context, rule_id: Annotated[int, typer.Argument(help="The rule's number (`goodwill rules list`).")],
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    intent: Intent = None, topic: Topic = None, language: Language = None, platform: Platform = None,
    keyword: Keyword = None, stage: Stage = None, min_priority: MinPriority = None, team: Team = None,
    assign: Assign = None, tag: Tag = None, sla: Sla = None, position: Position = None,
    clear: Annotated[list[str] | None, typer.Option("--clear", help="Drop a condition or action: intents, topics, languages, platforms, keywords, stages, min_priority, team, assignee, tags, sla (repeatable).")] = None,
    as_json: Json = False,
) -> None:
    """Change a rule: a new version; cases it routed keep the old one. Options given replace that field.

    Example:

        goodwill rules edit 2 --keyword refund --keyword 'money back' --clear stages
    """
    from goodwill.service import routing

    cond: dict[str, Any] = _conditions(intent, topic, language, platform, keyword, stage, min_priority)
    acts = _actions(team, assign, tag, sla)
    for field in clear or ():
        if field in ("intents", "topics", "languages", "platforms", "keywords", "stages", "min_priority"):
            cond[field] = None
        elif field in ("team", "tags", "sla"):
            acts[field] = None
        elif field == "assignee":
            acts["strategy"], acts["assignee"] = "none", None
        else:
            with reporting():
                raise FieldError("clear", f"{field!r} is not a condition or an action")
    with workspace_session(ctx) as ws:
        rule = routing.edit_rule(ws.store, ws.actor, rule_id, name=name, position=position,
                                 conditions=cond or None, actions=acts or None)
    if as_json:
        _dump(rule)
        return
    if not rule["changed"]:
        out.print(f"Rule #{rule_id} is unchanged (still version {rule['version']}).", highlight=False)
        return
    out.print(f"Rule #{rule_id} is now version {rule['version']}:", highlight=False)
    _print_rule(rule)


@rules_app.command("remove")
def rules_remove(ctx: typer.Context, rule_id: Annotated[int, typer.Argument(help="The rule's number.")]) -> None:
    """Take a rule out of routing; its versions are kept for the cases they routed.

    Example:

        goodwill rules remove 2
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        done = routing.remove_rule(ws.store, ws.actor, rule_id)
    out.print(f"Removed rule #{rule_id} (at version {done['version']}).", highlight=False)


@rules_app.command("test")
def rules_test(
    ctx: typer.Context,
    rule: Annotated[str | None, typer.Argument(metavar="[RULE]", help="A saved rule to try, by its number or name; options given change it for the try.")] = None,
    intent: Intent = None, topic: Topic = None, language: Language = None, platform: Platform = None,
    keyword: Keyword = None, stage: Stage = None, min_priority: MinPriority = None,
    days: Annotated[int, typer.Option("--days", help="How many days of past messages, up to the newest one.")] = 7,
    examples: Annotated[int, typer.Option("--examples", min=0, max=100, help="Matching messages to show.")] = 5,
    as_json: Json = False,
) -> None:
    """Try a rule's conditions on past messages before saving it: how many conversations it would have matched.

    Example:

        goodwill rules test --intent complaint --keyword refund --days 7

        goodwill rules test 'Refunds to billing' --days 30
    """
    from goodwill.service import routing

    cond = _conditions(intent, topic, language, platform, keyword, stage, min_priority)
    with workspace_session(ctx) as ws:
        if rule is not None:
            cond = {**routing.find_rule(ws.store, ws.actor, rule)["conditions"], **cond}
        result = routing.try_rule(ws.store, ws.actor, conditions=cond, days=days, examples=examples)
    if as_json:
        _dump(result)
        return
    _print_try(result)


@teams_app.command("list")
def teams_list(ctx: typer.Context, as_json: Json = False) -> None:
    """List teams with their manager and members (available or away).

    Example:

        goodwill teams list --json
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        rows = routing.list_teams(ws.store, ws.actor)
    if as_json:
        _dump(rows)
        return
    if not rows:
        out.print("No teams yet: `goodwill teams add --help` shows how.")
    for t in rows:
        people = ", ".join(m["user"] + ("" if m["available"] else " (away)") for m in t["members"]) or "nobody yet"
        out.print(f"{t['name']}" + (f" (manager {t['manager']})" if t["manager"] else "") + f": {people}",
                  markup=False, highlight=False)


@teams_app.command("add")
def teams_add(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The team's name.")],
              manager: Annotated[str | None, typer.Option("--manager", help="The user breaches escalate to (a manager or admin).")] = None) -> None:
    """Add a team.

    Example:

        goodwill teams add billing --manager maria
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        routing.add_team(ws.store, ws.actor, name, manager=manager)
    out.print(f"Added team [bold]{name}[/].", highlight=False)


@teams_app.command("manager")
def teams_manager(ctx: typer.Context, team: Annotated[str, typer.Argument(help="The team.")],
                  user: Annotated[str | None, typer.Argument(help="The new manager; leave out to clear it.")] = None) -> None:
    """Set (or clear) the manager a team's breaches escalate to.

    Example:

        goodwill teams manager billing maria
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        routing.set_team_manager(ws.store, ws.actor, team, user)
    out.print(f"Team {team}: " + (f"manager {user}." if user else "no manager."), markup=False, highlight=False)


@teams_app.command("remove")
def teams_remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The team.")]) -> None:
    """Remove a team (cases it holds keep their assignee; rules naming it stop assigning).

    Example:

        goodwill teams remove billing
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        routing.remove_team(ws.store, ws.actor, name)
    out.print(f"Removed team [bold]{name}[/].", highlight=False)


@teams_app.command("join")
def teams_join(ctx: typer.Context, team: Annotated[str, typer.Argument(help="The team.")],
               user: Annotated[str, typer.Argument(help="The user who joins it.")],
               away: Annotated[bool, typer.Option("--away", help="Joins as not available for now.")] = False) -> None:
    """Put a user in a team; they are offered its new cases while available.

    Example:

        goodwill teams join billing sam
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        joined = routing.join_team(ws.store, ws.actor, team, user, available=not away)
    out.print(f"{user} " + ("joined" if joined else "is already in") + f" team {team}"
              + (" (away)." if away else "."), markup=False, highlight=False)


@teams_app.command("leave")
def teams_leave(ctx: typer.Context, team: Annotated[str, typer.Argument(help="The team.")],
                user: Annotated[str, typer.Argument(help="The user who leaves it.")]) -> None:
    """Take a user out of a team.

    Example:

        goodwill teams leave billing sam
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        routing.leave_team(ws.store, ws.actor, team, user)
    out.print(f"{user} left team {team}.", markup=False, highlight=False)


@teams_app.command("available")
def teams_available(ctx: typer.Context, user: Annotated[str, typer.Argument(help="The user.")],
                    away: Annotated[bool, typer.Option("--away", help="Not available: no new cases until marked available again.")] = False) -> None:
    """Mark a user available for new cases (or away with --away), in every team they are in.

    Example:

        goodwill teams available sam --away
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        n = routing.set_available(ws.store, ws.actor, user, not away)
    out.print(f"{user} is {'away' if away else 'available'} in {n} team{'s' if n != 1 else ''}.", markup=False,
              highlight=False)


@sla_app.command("list")
def sla_list(ctx: typer.Context, as_json: Json = False) -> None:
    """List SLA policies, lowest priority band first.

    Example:

        goodwill sla list --json
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        rows = routing.list_policies(ws.store, ws.actor)
    if as_json:
        _dump(rows)
        return
    if not rows:
        out.print("No SLA policies yet: `goodwill sla set --help` shows how.")
    for p in rows:
        escalate = p["escalate"] + (" to " if p["escalate"] == "reassign" else " ") + (p["escalate_to"] or "the team's manager")
        out.print(
            f"{p['name']}: priority from {p['min_priority']:g}; first response {_minutes(p['first_response_minutes'])}, "
            f"resolution {_minutes(p['resolution_minutes'])} of business time; {p['hours']} {p['timezone']}"
            + (f"; holidays {', '.join(p['holidays'])}" if p["holidays"] else "")
            + f"; near breach with {p['near_breach']:.0%} left; on breach {escalate}",
            markup=False, highlight=False,
        )


def _minutes(m: int) -> str:
    h, rest = divmod(m, 60)
    return f"{m} min" if not h else (f"{h} h {rest} min" if rest else f"{h} h")


@sla_app.command("set")
def sla_set(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The policy's name, e.g. urgent.")],
    min_priority: Annotated[float | None, typer.Option("--min-priority", help="The priority band starts here (default 0).")] = None,
    first_response: Annotated[str | None, typer.Option("--first-response", help="First-response target in business time: 30m, 4h, 1h30m.")] = None,
    resolution: Annotated[str | None, typer.Option("--resolution", help="Resolution target in business time: 8h, 40h.")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="The hours' time zone, e.g. Europe/London (default UTC).")] = None,
    hours: Annotated[str | None, typer.Option("--hours", help="Opening hours: 'mon-fri 09:00-17:00; sat 10:00-14:00' or 24/7 (default).")] = None,
    holiday: Annotated[list[str] | None, typer.Option("--holiday", help="A closed day, YYYY-MM-DD (repeatable; replaces the list).")] = None,
    near_breach: Annotated[float | None, typer.Option("--near-breach", help="Near breach once this share of the target is left (default 0.25).")] = None,
    escalate: Annotated[str | None, typer.Option("--escalate", help="On breach: notify (flag it for the manager) or reassign (default notify).")] = None,
    escalate_to: Annotated[str | None, typer.Option("--escalate-to", help="The user breaches go to (default: the team's manager; '' clears).")] = None,
    as_json: Json = False,
) -> None:
    """Create or change an SLA policy; options left out keep their value.

    Example:

        goodwill sla set standard --min-priority 0 --first-response 4h --resolution 16h --timezone Europe/London --hours 'mon-fri 09:00-17:00'
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        p = routing.set_policy(ws.store, ws.actor, name, min_priority=min_priority, first_response=first_response,
                               resolution=resolution, timezone=timezone, hours=hours, holidays=holiday,
                               near_breach=near_breach, escalate=escalate, escalate_to=escalate_to)
    if as_json:
        _dump(p)
        return
    out.print(f"{'Added' if p['created'] else 'Changed'} SLA policy {p['name']}: first response "
              f"{_minutes(p['first_response_minutes'])}, resolution {_minutes(p['resolution_minutes'])}, "
              f"{p['hours']} {p['timezone']}.", markup=False, highlight=False)


@sla_app.command("remove")
def sla_remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The policy.")]) -> None:
    """Remove an SLA policy (cases already due keep their due times).

    Example:

        goodwill sla remove weekend
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        routing.remove_policy(ws.store, ws.actor, name)
    out.print(f"Removed SLA policy {name}.", markup=False, highlight=False)


@sla_app.command("due")
def sla_due(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The policy.")],
    start: Annotated[str | None, typer.Option("--from", help="When the case arrived (ISO time; default now).")] = None,
    as_json: Json = False,
) -> None:
    """When a case arriving at a given time would be due under a policy.

    Example:

        goodwill sla due standard --from 2026-10-23T16:30:00+01:00
    """
    from goodwill.service import routing

    with workspace_session(ctx) as ws:
        try:
            at = datetime.fromisoformat(start) if start else datetime.now(UTC)
        except ValueError:
            raise FieldError("from", f"{start!r} is not an ISO time such as 2026-10-23T16:30:00+01:00") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        due = routing.policy_due(ws.store, ws.actor, name, at)
    if as_json:
        _dump(due)
        return
    out.print(f"{due['policy']} ({due['hours']} {due['timezone']}): from {due['start']}, first response due "
              f"{due['first_response_due']}, resolution due {due['resolution_due']}.", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(rules_app, name="rules")
    app.add_typer(teams_app, name="teams")
    app.add_typer(sla_app, name="sla")

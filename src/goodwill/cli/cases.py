"""`goodwill cases`: the inbox of conversations that need the brand, most urgent first, and working one."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out, reporting
from goodwill.cli.shell import workspace_session
from goodwill.cli.tone import print_reply_tone

cases_app = typer.Typer(
    help="The inbox: cases (conversations that need the brand), most urgent first, and working them.\n\n"
         "Example:\n\n    goodwill cases list --json | jq '.[0]'",
    no_args_is_help=True,
)

approval_app = typer.Typer(
    help="Reply approval: which teams' and tags' cases hold agents' replies until a manager approves them.\n\n"
         "Example:\n\n    goodwill approval set --team billing --tag refund",
    no_args_is_help=True,
)

CaseId = Annotated[int, typer.Argument(help="The case's id (shown by `goodwill cases list`).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _pair(p: dict[str, Any]) -> str:
    return "-" if p["p50"] is None else f"{p['p50']:g} / {p['p90']:g} min"


def _attained(sla: dict[str, Any]) -> str:
    if sla["attainment"] is None:
        return "-"
    return f"{sla['attainment']:.0%} ({sla['met']} of {sla['met'] + sla['missed']})"


def _line(text: str) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= 80 else one[:79] + "…"


def _interrupted(h: dict[str, Any]) -> str:
    """What to do about a held reply whose send was interrupted."""
    return (f"being sent since {h['sending_since']} with no answer from {h['platform']}: interrupted. Look on "
            f"{h['platform']} for it, then `goodwill cases release {h['id']}` to let it await approval again")


def _print_held(h: dict[str, Any]) -> None:
    sending = _interrupted(h) if h["interrupted"] else "being sent"
    said = {"pending": "awaiting approval", "sending": sending, "sent": f"approved by {h['decided_by']}, sent",
            "declined": f"declined by {h['decided_by']}: {h['reason']}", "withdrawn": "withdrawn"}[h["status"]]
    out.print(f"  held reply {h['id']} by {h['author']} {h['updated_at']} ({said}): {_line(h['text'])}",
              markup=False, highlight=False)
    for f in h["tone"] if h["status"] == "pending" else ():
        out.print(f"    tone: {f['code']}: {f['why']}", markup=False, highlight=False)


def _print_case(c: dict[str, Any]) -> None:
    out.print(f"[bold]Case {c['id']}[/] ({c['status']}), priority {c['priority']} ({c['band']})"
              + (f", version {c['version']}" if "version" in c else "")
              + (", [bold]reply awaiting approval[/]" if c["awaiting_approval"] else ""), highlight=False)
    out.print(f"Why: {c['reason']}", markup=False, highlight=False)
    out.print(f"{c['platform']}:@{c['author']} opened {c['opened_at']}; first message {c['message_id']} "
              f"({c['platform_id']})", markup=False, highlight=False)
    due = c["sla_due_at"] or "none"
    state = " (breached)" if c["sla_breached"] else " (due soon)" if c["sla_near"] else ""
    out.print(f"First response due: {due}{state}; first response: {c['first_response_at'] or 'not yet'}"
              + (f" after {c['first_response_minutes']} min" if c["first_response_minutes"] is not None else ""),
              markup=False, highlight=False)
    if c.get("sla"):
        out.print(f"SLA {c['sla']['policy']}: {c['sla']['state']}, {c['sla']['reason']}", markup=False, highlight=False)
    for e in c.get("escalations", []):
        out.print(f"Escalated {e['at']}: {e['reason']}", markup=False, highlight=False)
    if c.get("routing"):
        out.print(f"Routed: {c['routing']['reason']}", markup=False, highlight=False)
    out.print(f"Assignee: {c['assignee'] or 'nobody'}; team: {c['team'] or 'none'}; tags: {', '.join(c['tags']) or 'none'}"
              + (f"; re-opened {c['reopened']}x" if c["reopened"] else "")
              + (f"; resolved {'in public' if c['resolved_public'] else 'privately'} {c['resolved_at']}" if c["resolved_at"] else ""),
              markup=False, highlight=False)
    for m in c.get("messages", []):
        who = "brand" if m["is_brand"] else f"@{m['author']}"
        out.print(f"  [{m['at']}] {who} (message {m['id']}): {_line(m['text'])}", markup=False, highlight=False)
    for n in c.get("notes", []):
        out.print(f"  note by {n['author']} {n['at']}: {n['text']}", markup=False, highlight=False)
    if c.get("approval"):
        out.print(f"Agents' replies here wait for a manager's approval ({c['approval']}).", markup=False,
                  highlight=False)
    for h in c.get("held_replies", []):
        _print_held(h)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    from goodwill.service import cases as service

    @cases_app.command("list")
    def list_(
        ctx: typer.Context,
        status: Annotated[str | None, typer.Option("--status", "-s", help="new, open, waiting, resolved, closed (comma-separated), active or all.", show_default="active: new, open and waiting")] = None,
        team: Annotated[str | None, typer.Option("--team", help="Only this team's cases.")] = None,
        assignee: Annotated[str | None, typer.Option("--assignee", help="Only cases assigned to this user (`none`: unassigned).")] = None,
        awaiting: Annotated[bool, typer.Option("--awaiting-approval", help="Only cases with a reply awaiting a manager's approval.")] = False,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="Most cases to list.")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of cases instead of a table.")] = False,
    ) -> None:
        """List cases, most urgent first, each with its priority and the reason in words.

        With --json: one JSON array; each case has `id`, `status`, `priority`
        (a number, higher is more urgent), `reason`, `platform_id` (of its first
        customer message), `platform`, `author`, `text`, `opened_at`,
        `sla_due_at`, `assignee`, `team` and `tags`, among others.

        Example:

            goodwill cases list --status new,open --json
        """
        with workspace_session(ctx) as ws:
            items = service.list_cases(ws.store, ws.actor, status=status, team=team, assignee=assignee,
                                       awaiting_approval=awaiting, limit=limit)
        if as_json:
            _json(items)
            return
        if not items:
            out.print("No cases.")
            return
        table = Table(title="Cases, most urgent first")
        for col in ("id", "priority", "status", "why", "who", "message", "due", "assignee"):
            table.add_column(col, overflow="fold")
        for c in items:
            due = (c["sla_due_at"] or "")[:16] + (" !" if c["sla_breached"] else "")
            table.add_row(str(c["id"]), str(c["priority"]),
                          c["status"] + (" (reply awaiting approval)" if c["awaiting_approval"] else ""), c["reason"],
                          f"{c['platform']}:@{c['author']}",
                          _line(c["text"]), due, c["assignee"] or "")
        out.print(table)

    @cases_app.command("show")
    def show(ctx: typer.Context, case_id: CaseId, as_json: AsJson = False) -> None:
        """Show a case: why it matters, its messages, events and internal notes.

        Example:

            goodwill cases show 12
        """
        with workspace_session(ctx) as ws:
            data = service.get_case(ws.store, ws.actor, case_id)
        if as_json:
            _json(data)
            return
        _print_case(data)

    @cases_app.command("open")
    def open_(
        ctx: typer.Context,
        message: Annotated[int, typer.Option("--message", "-m", help="The customer message to open it from (its id, shown by `goodwill search`).")],
        as_json: AsJson = False,
    ) -> None:
        """Open a case by hand from a customer's message, whatever its signals say.

        A message in a thread that has a case joins that case instead.

        Example:

            goodwill cases open --message 4182
        """
        with workspace_session(ctx) as ws:
            data = service.open_case(ws.store, ws.actor, message)
        if as_json:
            _json(data)
            return
        _print_case(data)

    @cases_app.command("assign")
    def assign(
        ctx: typer.Context,
        case_id: CaseId,
        to: Annotated[str | None, typer.Option("--to", help="The user to give it to (an agent may take it themselves; giving it to others needs the manager role).")] = None,
        unassign: Annotated[bool, typer.Option("--unassign", help="Take it off whoever has it.")] = False,
        team: Annotated[str | None, typer.Option("--team", help="The team responsible (empty: none).")] = None,
        tag: Annotated[list[str] | None, typer.Option("--tag", help="Its tags, replacing the old ones (repeatable).")] = None,
        as_json: AsJson = False,
    ) -> None:
        """Give a case to a user or a team, or set its tags.

        Example:

            goodwill cases assign 12 --to alice --team support --tag battery
        """
        with workspace_session(ctx) as ws:
            data = service.assign(ws.store, ws.actor, case_id, assignee=to, unassign=unassign, team=team, tags=tag)
        if as_json:
            _json(data)
            return
        _print_case(data)

    @cases_app.command("note")
    def note(
        ctx: typer.Context,
        case_id: CaseId,
        text: Annotated[str, typer.Option("--text", "-t", help="The note (internal, never published).")],
        as_json: AsJson = False,
    ) -> None:
        """Add an internal note to a case.

        Example:

            goodwill cases note 12 --text "Asked the workshop about the charger batch"
        """
        with workspace_session(ctx) as ws:
            data = service.add_note(ws.store, ws.actor, case_id, text)
        if as_json:
            _json(data)
            return
        out.print(f"Note {data['id']} added to case {case_id}.")

    def _move(ctx: typer.Context, case_id: int, status: str, as_json: bool, public: bool | None = None) -> None:
        with workspace_session(ctx) as ws:
            data = service.set_status(ws.store, ws.actor, case_id, status, public=public)
        if as_json:
            _json(data)
            return
        _print_case(data)

    @cases_app.command("resolve")
    def resolve(
        ctx: typer.Context,
        case_id: CaseId,
        public: Annotated[bool | None, typer.Option("--public/--private", help="Whether it was resolved in public.", show_default="public if the brand replied in the thread")] = None,
        as_json: AsJson = False,
    ) -> None:
        """Mark a case resolved. A customer writing again re-opens it.

        Example:

            goodwill cases resolve 12
        """
        _move(ctx, case_id, "resolved", as_json, public)

    @cases_app.command("reopen")
    def reopen(ctx: typer.Context, case_id: CaseId, as_json: AsJson = False) -> None:
        """Re-open a resolved or closed case.

        Example:

            goodwill cases reopen 12
        """
        _move(ctx, case_id, "open", as_json)

    @cases_app.command("close")
    def close(ctx: typer.Context, case_id: CaseId, as_json: AsJson = False) -> None:
        """Close a case that needs nothing more (spam, nothing to answer).

        Example:

            goodwill cases close 12
        """
        _move(ctx, case_id, "closed", as_json)

    @cases_app.command("status")
    def status(
        ctx: typer.Context,
        case_id: CaseId,
        to: Annotated[str, typer.Argument(help="new, open, waiting, resolved or closed.")],
        as_json: AsJson = False,
    ) -> None:
        """Move a case to another status (open, waiting on the customer, resolved, closed).

        Example:

            goodwill cases status 12 waiting
        """
        _move(ctx, case_id, to, as_json)

    @cases_app.command("reply")
    def reply(
        ctx: typer.Context,
        case_id: CaseId,
        text: Annotated[str, typer.Option("--text", "-t", help="The reply.")],
        send: Annotated[bool, typer.Option("--send", help="Publish it (without --send, only show what would be published).")] = False,
        seen: Annotated[int | None, typer.Option("--seen", min=0, help="The case's version you read (`cases show` prints it): the reply is refused if someone else replied or moved the case since.", show_default="the version when the command starts")] = None,
        as_json: AsJson = False,
    ) -> None:
        """Reply in public to the case's newest customer message, on its platform.

        A sent reply joins the thread, moves the case to waiting and records its
        first-response time. The reply is tone-checked first and any flags are shown
        (docs/tone.md); sending anyway is allowed and recorded in the audit log.
        A reply that would cross another (someone else replied, or moved the case,
        after the version you read) is refused and not sent. In a case whose
        replies need a manager's approval (`goodwill approval show`), an agent's
        reply is held until a manager approves it (`goodwill cases approvals`).

        Example:

            goodwill cases reply 12 --text "Sorry Sam, please stop using that charger; we are sending a new one today" --send
        """
        with workspace_session(ctx) as ws:
            if send and seen is None:
                seen = service.version(ws.store, ws.actor, case_id)
            data = service.reply(ws.store, ws.actor, case_id, text, send=send, environ=dict(os.environ),
                                 settings=ws.settings, seen=seen)
        if as_json:
            _json(data)
            return
        plan = data["reply"]
        held = data["held"]
        print_reply_tone(plan.get("tone", []), sent=plan["published_id"] is not None or held is not None)
        if held is not None:
            out.print(f"Held for a manager's approval ({data['approval']}) as held reply {held['id']}; nothing was "
                      f"published. A manager approves it with `goodwill cases approve {held['id']}`.",
                      markup=False, highlight=False)
            return
        if plan["published_id"] is None:
            what = f"through source {plan['source']}; add --send to publish." if plan["source"] else f"It cannot be sent yet: {plan['note']}"
            if data["approval"]:
                what += f" Sent by you, it would wait for a manager's approval ({data['approval']})."
            out.print(f"Dry run: a reply on {plan['platform']} to {plan['in_reply_to_author']} ({plan['in_reply_to']}):\n"
                      f"{plan['text']}\n{what}", markup=False, highlight=False)
            return
        case = data["case"]
        out.print(f"Published on {plan['platform']} as {plan['published_id']}; case {case_id} is {case['status']}, "
                  f"first response {case['first_response_at']}.", markup=False, highlight=False)

    @cases_app.command("approvals")
    def approvals(
        ctx: typer.Context,
        status: Annotated[str, typer.Option("--status", "-s", help="pending (awaiting approval), sent, declined, withdrawn or all.")] = "pending",
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="Most replies to list.")] = 100,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of held replies.")] = False,
    ) -> None:
        """List replies held for a manager's approval, the longest waiting first, each with its case, author,
        draft and tone flags.

        Example:

            goodwill cases approvals --json
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            items = approval.list_held(ws.store, ws.actor, status=status, limit=limit)
        if as_json:
            _json(items)
            return
        if not items:
            out.print("No replies awaiting approval." if status == "pending" else "No held replies.")
            return
        for h in items:
            out.print(f"Held reply {h['id']}, case {h['case']} ({h['platform']}:@{h['customer'] or '?'}"
                      + (f", team {h['team']}" if h["team"] else "") + (f", tags {', '.join(h['tags'])}" if h["tags"] else "")
                      + f"), by {h['author']} at {h['created_at']}, {h['status']}:", markup=False, highlight=False)
            out.print(f"  {h['text']}", markup=False, highlight=False)
            for f in h["tone"]:
                out.print(f"  tone: {f['code']}: {f['why']}", markup=False, highlight=False)
            if h["reason"]:
                out.print(f"  declined by {h['decided_by']}: {h['reason']}", markup=False, highlight=False)
            if h["interrupted"]:
                out.print(f"  {_interrupted(h)}.", markup=False, highlight=False)

    @cases_app.command("approve")
    def approve(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(metavar="HELD_REPLY", help="The held reply's id (`goodwill cases approvals`).")],
        as_json: AsJson = False,
    ) -> None:
        """Approve a held reply (managers): it is sent through the connector of the case's platform, joins the
        thread, and the case records its first response at the time it was sent.

        Example:

            goodwill cases approve 3
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.approve(ws.store, ws.actor, reply_id, environ=dict(os.environ), settings=ws.settings)
        if as_json:
            _json(data)
            return
        plan, case = data["reply"], data["case"]
        out.print(f"Approved held reply {reply_id} by {data['held']['author']}: published on {plan['platform']} as "
                  f"{plan['published_id']}; case {case['id']} is {case['status']}, first response "
                  f"{case['first_response_at']}.", markup=False, highlight=False)

    @cases_app.command("decline")
    def decline(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(metavar="HELD_REPLY", help="The held reply's id (`goodwill cases approvals`).")],
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why: its author reads it.")],
        as_json: AsJson = False,
    ) -> None:
        """Decline a held reply (managers), with the reason its author sees; it is not sent.

        Example:

            goodwill cases decline 3 --reason "Offer the refund, not a voucher"
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.decline(ws.store, ws.actor, reply_id, reason)
        if as_json:
            _json(data)
            return
        out.print(f"Declined held reply {reply_id} by {data['author']} in case {data['case']}: {data['reason']}",
                  markup=False, highlight=False)

    @cases_app.command("edit-reply")
    def edit_reply(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(metavar="HELD_REPLY", help="Your held reply's id.")],
        text: Annotated[str, typer.Option("--text", "-t", help="The new reply.")],
        seen: Annotated[int | None, typer.Option("--seen", min=0, help="The case's version you read: refused if someone else replied or moved the case since.")] = None,
        as_json: AsJson = False,
    ) -> None:
        """Change your reply while it awaits a manager's approval (its tone is checked again).

        Example:

            goodwill cases edit-reply 3 --text "Sorry Sam, we are refunding the charger today"
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.edit(ws.store, ws.actor, reply_id, text, seen=seen)
        if as_json:
            _json(data)
            return
        print_reply_tone(data["tone"], sent=False)
        out.print(f"Held reply {reply_id} in case {data['case']} now reads: {data['text']}", markup=False,
                  highlight=False)

    @cases_app.command("withdraw")
    def withdraw(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(metavar="HELD_REPLY", help="Your held reply's id.")],
        as_json: AsJson = False,
    ) -> None:
        """Withdraw your reply while it awaits a manager's approval: it will not be sent.

        Example:

            goodwill cases withdraw 3
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.withdraw(ws.store, ws.actor, reply_id)
        if as_json:
            _json(data)
            return
        out.print(f"Withdrew held reply {reply_id} in case {data['case']}.", markup=False, highlight=False)

    @cases_app.command("release")
    def release(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(metavar="HELD_REPLY", help="The held reply's id.")],
        as_json: AsJson = False,
    ) -> None:
        """Release a held reply whose sending was interrupted (managers): it awaits approval again.

        An approval that never finished (its process stopped before the platform answered) leaves the reply
        "being sent"; after 10 minutes it shows as interrupted. Look on the platform first: it may have been
        published.

        Example:

            goodwill cases release 3
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.release(ws.store, ws.actor, reply_id)
        if as_json:
            _json(data)
            return
        out.print(f"Held reply {reply_id} in case {data['case']} awaits approval again.", markup=False, highlight=False)

    @cases_app.command("escalate")
    def escalate(ctx: typer.Context, as_json: AsJson = False) -> None:
        """Escalate every SLA breach not escalated yet: flag the case and notify the team's manager (or the
        policy's user), or reassign it to them, as its SLA policy says. Running it again escalates nothing twice;
        the listener and the server run it too.

        Example:

            goodwill cases escalate --json
        """
        from goodwill.service import routing

        with workspace_session(ctx) as ws:
            done = routing.escalate(ws.store, ws.actor)
        if as_json:
            _json(done)
            return
        if not done:
            out.print("No new breaches to escalate.")
        for e in done:
            out.print(f"Case {e['case_id']}: {e['target'].replace('_', ' ')} breached; {e['reason']}.", markup=False,
                      highlight=False)

    @cases_app.command("metrics")
    def metrics(ctx: typer.Context,
                days: Annotated[int, typer.Option("--days", help="The period: cases opened in the last N days.")] = 30,
                as_json: AsJson = False) -> None:
        """Team metrics: open cases by age, first-response and resolution time percentiles (p50, p90, minutes)
        and first-response SLA attainment of the period's cases, for everyone, per agent and per team.

        Example:

            goodwill cases metrics --days 7 --json
        """
        from goodwill.service import casework

        with workspace_session(ctx) as ws:
            data = casework.team_metrics(ws.store, ws.actor, days=days)
        if as_json:
            _json(data)
            return
        table = Table(title=f"Cases opened in the last {days} days (open cases: all ages)")
        for col in ("who", "open", "by age", "opened", "first response p50/p90", "resolution p50/p90", "SLA met"):
            table.add_column(col)
        groups = [("everyone", data["all"])] + [(f"agent {k}", v) for k, v in data["agents"].items()] \
            + [(f"team {k}", v) for k, v in data["teams"].items()]
        for name, g in groups:
            table.add_row(name, str(g["open"]), ", ".join(f"{k}: {v}" for k, v in g["open_by_age"].items() if v),
                          str(g["opened"]), _pair(g["first_response_minutes"]), _pair(g["resolution_minutes"]),
                          _attained(g["sla"]))
        out.print(table)

    @approval_app.command("show")
    def approval_show(ctx: typer.Context, as_json: AsJson = False) -> None:
        """Show which teams' and tags' cases hold agents' replies for a manager's approval.

        Example:

            goodwill approval show --json
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            data = approval.show_policy(ws.store, ws.actor)
        if as_json:
            _json(data)
            return
        words = data["words"]
        out.print(words[0].upper() + words[1:] + "."
                  + (f" Set by {data['set_by']} at {data['set_at']}." if data["set_by"] else ""),
                  markup=False, highlight=False)

    @approval_app.command("set")
    def approval_set(
        ctx: typer.Context,
        team: Annotated[list[str] | None, typer.Option("--team", help="A team whose agents' replies need approval (repeatable).")] = None,
        tag: Annotated[list[str] | None, typer.Option("--tag", help="A case tag whose agents' replies need approval (repeatable).")] = None,
        as_json: AsJson = False,
    ) -> None:
        """Replace the policy (managers): agents' replies in cases of these teams, or with these tags, are held
        until a manager approves them. Managers' own replies always go straight out.

        Example:

            goodwill approval set --team billing --tag refund --tag legal
        """
        from goodwill.errors import FieldError
        from goodwill.service import approval

        if not team and not tag:
            with reporting():
                raise FieldError("team", "name teams with --team or tags with --tag; `goodwill approval clear` "
                                         "lets every reply go straight out")
        with workspace_session(ctx) as ws:
            data = approval.set_policy(ws.store, ws.actor, teams=team, tags=tag)
        if as_json:
            _json(data)
            return
        out.print(data["words"][0].upper() + data["words"][1:] + ".", markup=False, highlight=False)

    @approval_app.command("clear")
    def approval_clear(ctx: typer.Context) -> None:
        """Clear the policy (managers): every agent's reply goes straight out.

        Example:

            goodwill approval clear
        """
        from goodwill.service import approval

        with workspace_session(ctx) as ws:
            approval.set_policy(ws.store, ws.actor, teams=[], tags=[])
        out.print("No reply needs approval now: every agent's reply goes straight out.")

    app.add_typer(cases_app, name="cases")
    app.add_typer(approval_app, name="approval")

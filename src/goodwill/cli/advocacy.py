"""Commands for advocates and surprise-and-delight: `advocates`, `gestures` and `budget`."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session

gestures_app = typer.Typer(
    help="Surprise-and-delight gestures: whom to thank and why, logging a gesture, a manager's approval.\n\n"
         "Example:\n\n    goodwill gestures suggest\n    goodwill gestures log 12 --kind gift --cost 20 "
         "--reason \"answered 4 customers' questions\"",
    no_args_is_help=True,
)
budget_app = typer.Typer(
    help="The monthly budget for gestures and the cost agents may give without approval.\n\n"
         "Example:\n\n    goodwill budget set 300 --agent-limit 25 --currency EUR",
    no_args_is_help=True,
)

FROM = typer.Option("--from", help="Start of the period (a date or time, UTC); default: 30 days before --to.")
TO = typer.Option("--to", help="End of the period, not included; default: just after the newest stored message.")
JSON = typer.Option("--json", help="Print one JSON object instead of a table.")


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _handles(accounts: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['platform']}:@{a['handle']}" for a in accounts)


def _plain(text: str) -> None:
    out.print(text, markup=False, highlight=False)


def _gesture_lines(g: dict[str, Any]) -> None:
    cost = f"{g['currency']} {g['cost']}".strip() if g["cost_cents"] else "no cost"
    who = f" by {g['decided_by']}" if g["decided_by"] and g["status"] != "pending" else ""
    _plain(f"#{g['id']} {g['logged_at'][:10]} {g['kind']} for person {g['person_id']} "
           f"({g['display_name'] or '?'}), {cost}: {g['status']}{who} ({g['note']})")
    _plain(f"    why: {g['reason']} (logged by {g['logged_by']})")
    if g["outcome"]:
        _plain(f"    since: {g['outcome']['words']}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    from goodwill.service import advocacy as service

    @app.command("advocates")
    def advocates(
        ctx: typer.Context,
        start: Annotated[str | None, FROM] = None,
        end: Annotated[str | None, TO] = None,
        evidence: Annotated[int, typer.Option("--evidence", "-e", min=0, max=50, help="Messages shown per advocate.")] = 3,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="Most advocates to list.")] = 20,
        as_json: Annotated[bool, JSON] = False,
    ) -> None:
        """List the people who recommend the brand, defend it, answer other customers' questions or keep praising it,
        best first, each with the messages that show it and why each counts.

        Example:

            goodwill advocates --from 2026-11-01 --to 2026-12-01 --json
        """
        with workspace_session(ctx) as ws:
            data = service.list_advocates(ws.store, ws.actor, start=service.moment("from", start),
                                          end=service.moment("to", end), limit=limit)
        if as_json:
            _json(data)
            return
        _plain(f"{data['total']} advocates from {data['from'][:10]} to {data['to'][:10]} "
               f"({data['untagged']} found only through listening keywords)")
        for a in data["items"]:
            flag = " [never tagged the brand]" if a["untagged"] else ""
            _plain(f"\nperson {a['person_id']} {a['display_name'] or ''} ({_handles(a['accounts'])}), "
                   f"score {a['score']}{flag}: {a['reason']}")
            for e in a["evidence"][:evidence]:
                _plain(f"    {e['at'][:10]} {e['why']}: {e['text'][:120]}")

    @gestures_app.command("suggest")
    def suggest(
        ctx: typer.Context,
        start: Annotated[str | None, FROM] = None,
        end: Annotated[str | None, TO] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="Most suggestions.")] = 10,
        as_json: Annotated[bool, JSON] = False,
    ) -> None:
        """Suggest whom to thank or surprise and why, best first (advocates not given a gesture in the last 30 days).

        Example:

            goodwill gestures suggest --limit 5
        """
        with workspace_session(ctx) as ws:
            data = service.suggestions(ws.store, ws.actor, start=service.moment("from", start),
                                       end=service.moment("to", end), limit=limit)
        if as_json:
            _json(data)
            return
        table = Table(title=f"Whom to thank ({data['from'][:10]} to {data['to'][:10]})")
        for col in ("person", "accounts", "suggest", "why"):
            table.add_column(col)
        for s in data["items"]:
            table.add_row(str(s["person_id"]), _handles(s["accounts"]), s["suggested_kind"], s["reason"])
        out.print(table, markup=False, highlight=False)
        if not data["items"]:
            _plain("Nobody to suggest: no advocates in the period who were not thanked in the last 30 days.")

    @gestures_app.command("log")
    def log(
        ctx: typer.Context,
        person_id: Annotated[int, typer.Argument(metavar="PERSON", help="The person given the gesture.")],
        kind: Annotated[str, typer.Option("--kind", "-k", help="thank-you, early access, offer or gift.")],
        reason: Annotated[str, typer.Option("--reason", "-r", help="Why they are given it.")],
        cost: Annotated[str, typer.Option("--cost", help="What it costs, like 12.50 (0 for a thank-you).")] = "0",
        currency: Annotated[str | None, typer.Option("--currency", help="Three letters; default: the budget's.")] = None,
        as_json: Annotated[bool, JSON] = False,
    ) -> None:
        """Log a gesture given to a person. Above the agent limit it waits for a manager's approval; over the
        month's budget it is refused and nothing is logged.

        Example:

            goodwill gestures log 12 --kind "early access" --reason "answered 4 customers' questions"
        """
        with workspace_session(ctx) as ws:
            g = service.log_gesture(ws.store, ws.actor, person_id, kind=kind, reason=reason, cost=cost,
                                    currency=currency)
        if as_json:
            _json(g)
            return
        _gesture_lines(g)

    def _decision(ctx: typer.Context, gesture_id: int, note: str | None, approve: bool) -> None:
        with workspace_session(ctx) as ws:
            decide = service.approve_gesture if approve else service.decline_gesture
            g = decide(ws.store, ws.actor, gesture_id, note=note)
        _gesture_lines(g)

    @gestures_app.command("approve")
    def approve(
        ctx: typer.Context,
        gesture_id: Annotated[int, typer.Argument(metavar="GESTURE", help="The gesture's id.")],
        note: Annotated[str | None, typer.Option("--note", help="Why, kept with the decision.")] = None,
    ) -> None:
        """Approve a gesture waiting for a manager (managers), if the month's budget still covers it.

        Example:

            goodwill gestures approve 7
        """
        _decision(ctx, gesture_id, note, True)

    @gestures_app.command("decline")
    def decline(
        ctx: typer.Context,
        gesture_id: Annotated[int, typer.Argument(metavar="GESTURE", help="The gesture's id.")],
        note: Annotated[str | None, typer.Option("--note", help="Why, kept with the decision.")] = None,
    ) -> None:
        """Decline a gesture waiting for a manager (managers).

        Example:

            goodwill gestures decline 7 --note "a gift last month already"
        """
        _decision(ctx, gesture_id, note, False)

    @gestures_app.command("list")
    def list_(
        ctx: typer.Context,
        person: Annotated[int | None, typer.Option("--person", "-p", help="Only this person's gestures.")] = None,
        status: Annotated[str | None, typer.Option("--status", help="approved, pending or declined.")] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="Most gestures to list.")] = 50,
        as_json: Annotated[bool, JSON] = False,
    ) -> None:
        """List gestures newest first, each with who logged and approved it and what followed it.

        Example:

            goodwill gestures list --status pending
        """
        with workspace_session(ctx) as ws:
            data = service.list_gestures(ws.store, ws.actor, person_id=person, status=status, limit=limit)
        if as_json:
            _json(data)
            return
        for g in data["items"]:
            _gesture_lines(g)
        if not data["items"]:
            _plain("No gestures.")

    @budget_app.command("set")
    def budget_set(
        ctx: typer.Context,
        amount: Annotated[str, typer.Argument(help="The month's budget, like 300 or 250.50.")],
        agent_limit: Annotated[str, typer.Option("--agent-limit", help="Agents may give up to this per gesture without approval.")],
        currency: Annotated[str, typer.Option("--currency", help="Three letters, like EUR.")],
        period: Annotated[str | None, typer.Option("--period", help="The month, like 2026-11; default: this month.")] = None,
    ) -> None:
        """Set a month's budget for gestures and the agent limit (managers).

        Example:

            goodwill budget set 300 --agent-limit 25 --currency EUR --period 2026-12
        """
        with workspace_session(ctx) as ws:
            data = service.set_budget(ws.store, ws.actor, amount=amount, agent_limit=agent_limit, currency=currency,
                                      period=period)
        _plain(f"Budget for {data['period']}: {data['words']}.")

    @budget_app.command("show")
    def budget_show(
        ctx: typer.Context,
        period: Annotated[str | None, typer.Option("--period", help="The month, like 2026-11; default: this month.")] = None,
        as_json: Annotated[bool, JSON] = False,
    ) -> None:
        """Show a month's budget: spent, waiting for approval, left, and the agent limit.

        Example:

            goodwill budget show --period 2026-11 --json
        """
        with workspace_session(ctx) as ws:
            data = service.show_budget(ws.store, ws.actor, period=period)
        if as_json:
            _json(data)
            return
        _plain(f"Budget for {data['period']}: {data['words']}.")

    app.add_typer(gestures_app, name="gestures")
    app.add_typer(budget_app, name="budget")

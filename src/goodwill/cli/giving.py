"""`goodwill giving`: the give-versus-take audit of the brand's own posts and replies."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session
from goodwill.service import giving


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _print(report: dict[str, Any], show: int) -> None:
    out.print(f"[bold]Give ratio {_ratio(report['give_ratio'])}[/] (own posts, not replies: "
              f"{_ratio(report['posts_give_ratio'])}): {escape(report['reason'])}", highlight=False)
    if report["months"]:
        table = Table(title="By month")
        for column in ("month", "give", "take", "neutral", "give ratio", "own posts give ratio"):
            table.add_column(column)
        for row in report["months"]:
            table.add_row(row["start"][:7], str(row["give"]), str(row["take"]), str(row["neutral"]),
                          _ratio(row["give_ratio"]), _ratio(row["posts_give_ratio"]))
        out.print(table)
    if report["cadence"] or report["response"]:
        out.print("[bold]Cadence and consistency[/]: " + escape(report["consistency"]), highlight=False)
        for row in report["cadence"]:
            out.print(f"  {row['platform']} posts: {escape(row['reason'])}", markup=False, highlight=False)
        for row in report["response"]:
            out.print(f"  {row['platform']} replies: {escape(row['reason'])}", markup=False, highlight=False)
    if report["suggestions"]:
        out.print("[bold]Suggestions[/]")
        for s in report["suggestions"]:
            out.print(f"  - {s['text']}", markup=False, highlight=False)
    if show and report["messages"]:
        table = Table(title=f"Newest {min(show, len(report['messages']))} of {report['messages_total']} messages")
        for column in ("id", "when", "platform", "reading", "why", "text"):
            table.add_column(column)
        for m in report["messages"][:show]:
            text = " ".join(m["text"].split())
            table.add_row(str(m["id"]), m["created_at"][:16], m["platform"], f"{m['kind']}/{m['subtype']}",
                          m["reason"], text[:100])
        out.print(table, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""

    @app.command("giving")
    def giving_command(
        ctx: typer.Context,
        start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC) \\[default: the first message].", show_default=False)] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD, UTC) \\[default: the last message].", show_default=False)] = None,
        show: Annotated[int, typer.Option("--show", "-n", min=0, max=1000, help="How many of the newest messages to list with their reading.")] = 10,
        as_json: Annotated[bool, typer.Option("--json", help="Print the whole audit as one JSON object.")] = False,
    ) -> None:
        """Does the brand give more than it takes? Each of its own posts and
        replies read as give (helps, teaches, credits others, community) or
        take (promotes, sells, asks), with the words behind each reading; the
        give ratio per week and month, cadence and reply consistency per
        platform, and suggestions from its best-received giving posts. See
        docs/give-take.md.

        Example:

            goodwill giving --from 2026-10-01 --to 2026-11-30
        """
        with workspace_session(ctx) as ws:
            first, last = giving.period(start, end)
            report = giving.audit(ws.store, ws.actor, first, last)
        if as_json:
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
            return
        _print(report, show)

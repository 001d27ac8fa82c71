"""`goodwill report`: relationship health of a period, as one JSON object, a
table, or one self-contained HTML file."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out, reporting
from goodwill.cli.shell import workspace_session
from goodwill.errors import FieldError

report_app = typer.Typer(no_args_is_help=False)


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option as a date; FieldError names the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(option, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _shown(value: Any, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if percent else str(value)


def _table(data: dict[str, Any]) -> None:
    table = Table(title=f"Relationship health, {data['from']} to {data['to']} (before: {data['previous']['from']} to {data['previous']['to']})")
    for col in ("figure", "this period", "period before"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    rows = [("response rate", "response_rate", True), ("first answer p50 (min)", "first_response_minutes_p50", False),
            ("first answer p90 (min)", "first_response_minutes_p90", False),
            ("complaints resolved in public", "resolved_publicly_rate", True),
            ("sentiment uplift", "sentiment_uplift", False), ("advocates", "advocates", False),
            ("advocates gained / lost", None, False), ("detractors turned around", "detractors_turned_around", False),
            ("give ratio", "give_ratio", True)]
    for label, key, percent in rows:
        if key is None:
            table.add_row(label, f"{data['advocates_gained']} / {data['advocates_lost']}",
                          f"{data['previous']['advocates_gained']} / {data['previous']['advocates_lost']}")
            continue
        now = _shown(data[key], percent)
        if key == "sentiment_uplift" and data["sentiment_uplift_ci"]:
            low, high = data["sentiment_uplift_ci"]
            now += f" [{low:+.2f}, {high:+.2f}]"
        table.add_row(label, now, _shown(data["previous"][key], percent))
    out.print(table, markup=False, highlight=False)
    for key, why in data["notes"].items():
        out.print(f"{key}: {why}", markup=False, highlight=False)


def _write(out_file: Path, page: str) -> None:
    """Write the page whole, or not at all; a file that cannot be written is a FieldError naming it."""
    partial = out_file.with_name(f".{out_file.name}.partial")
    try:
        partial.write_text(page, encoding="utf-8")
        partial.replace(out_file)
    except OSError as exc:
        if partial.is_file():
            partial.unlink()
        raise FieldError("--out", f"cannot write {out_file}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    from goodwill.service import health

    @report_app.callback(invoke_without_command=True)
    def report(
        ctx: typer.Context,
        start: Annotated[str | None, typer.Option("--from", help="First day of the period (YYYY-MM-DD, UTC).",
                                                  show_default="30 days before --to")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day of the period, included (YYYY-MM-DD, UTC).",
                                                show_default="the day of the latest stored message")] = None,
        out_file: Annotated[Path | None, typer.Option("--out", help="Write the report as one self-contained HTML file.",
                                                       show_default=False)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    ) -> None:
        """Relationship health of a period beside the period before: response rate,
        first-response times, complaints resolved in public, sentiment after a reply
        versus before, advocates, give ratio, consistency. See docs/health.md.

        Example:

            goodwill report --from 2026-11-01 --to 2026-11-30 --out report.html
        """
        if ctx.invoked_subcommand is not None:
            return
        with reporting():
            first, last = parse_day(start, "--from"), parse_day(end, "--to")
        with workspace_session(ctx) as ws:
            if out_file is not None:
                page = health.report_html(ws.store, ws.actor, start=first, end=last)
                _write(out_file, page)
            data = health.report(ws.store, ws.actor, start=first, end=last) if as_json or out_file is None else None
        if as_json and data is not None:
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif data is not None:
            _table(data)
        if out_file is not None:
            (sys.stderr if as_json else sys.stdout).write(f"Wrote {out_file}\n")

    register_schedule(app)
    app.add_typer(report_app, name="report")


def register_schedule(app: typer.Typer) -> None:
    """`goodwill report schedule` and `goodwill report run-due`."""
    from goodwill.service import health

    @report_app.command("schedule")
    def schedule(
        ctx: typer.Context,
        out_dir: Annotated[Path | None, typer.Option("--out-dir", help="The folder each report is written into.",
                                                      show_default=False)] = None,
        weekly: Annotated[bool, typer.Option("--weekly", help="Write a report of each whole week (Monday to Sunday, UTC).")] = False,
        remove: Annotated[bool, typer.Option("--remove", help="Stop the reports into --out-dir.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Schedule a weekly report into a folder, stop one, or (with no option) list them.
        `goodwill report run-due` writes the reports that are due (run it from cron, or
        after each `goodwill listen --once`); each week is written once.

        Example:

            goodwill report schedule --weekly --out-dir reports/ && goodwill report run-due
        """
        with workspace_session(ctx) as ws:
            if out_dir is None:
                if weekly or remove:
                    raise typer.BadParameter("name the folder with --out-dir")
                data: Any = health.schedules(ws.store, ws.actor)
            elif remove:
                data = health.unschedule(ws.store, ws.actor, out_dir)
            elif weekly:
                data = health.schedule(ws.store, ws.actor, out_dir, every="weekly")
            else:
                raise typer.BadParameter("say --weekly to schedule, or --remove to stop")
        if as_json:
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif isinstance(data, list):
            for s in data:
                out.print(f"{s['every']} into {s['out_dir']}; last written: {s['last_period'] or 'none yet'}",
                          markup=False, highlight=False)
            if not data:
                out.print("No reports are scheduled.", highlight=False)
        elif data.get("removed"):
            out.print(f"Stopped the reports into {data['out_dir']}.", markup=False, highlight=False)
        else:
            out.print(f"A {data['every']} report will be written into {data['out_dir']} by goodwill report run-due.",
                      markup=False, highlight=False)

    @report_app.command("run-due")
    def run_due(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines, one per report written.")] = False,
    ) -> None:
        """Write every scheduled report that is due: last whole week's, once per week.

        Example:

            goodwill report run-due
        """
        with workspace_session(ctx) as ws:
            done = health.run_due(ws.store, ws.actor)
        for d in done:
            if as_json:
                sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
            else:
                out.print(f"Wrote {d['file']} ({d['from']} to {d['to']}).", markup=False, highlight=False)
        if not done and not as_json:
            out.print("No report is due.", highlight=False)

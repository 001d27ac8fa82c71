"""`goodwill import`: files into the workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from goodwill.cli.console import err, fail, out, reporting
from goodwill.cli.shell import workspace_session
from goodwill.errors import ConfigError, GoodwillError
from goodwill.service.imports import FORMATS, ImportOptions, ImportReport, import_path, parse_mapping
from goodwill.service.workspace import Session


def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to import.", show_default=False)],
    format: Annotated[str | None, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}; guessed from the name and header when left out.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Platform for records that do not name one.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", "-m", help="FIELD=COLUMN overrides, e.g. text=body,author=user (dotted paths reach into JSON).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Text encoding; detected when left out.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Author handle for tweets.js and plain-text files.")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Zone for timestamps written without one.")] = "UTC",
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the accurate pass over the new messages (what `goodwill enrich` does) before returning.")] = False,
) -> None:
    """Import conversations from files: generic CSV or JSONL, twcs, an X archive's tweets.js, or plain text.

    Formats: generic CSV or JSONL (see docs/import-formats.md), Customer Support
    on Twitter (twcs), an X archive's tweets.js, plain text (one message a line).

    Every file is checked whole before anything is written; a bad file changes
    nothing. Re-importing adds nothing; an interrupted import resumes.
    Messages are stored with the fast models' signals (provisional); the
    accurate pass follows in the background (the listener, the web server or
    `goodwill enrich`), or before the command returns with `--wait`.

    Example:

        goodwill import mentions.csv --map text=body,author=user --platform mastodon
    """
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(ConfigError(f"--timezone {timezone!r} is not a known time zone"))
    with reporting():
        options = ImportOptions(
            format=format, platform=platform, mapping=parse_mapping(map_ or []), encoding=encoding, author=author, default_tz=tz
        )
    failed = False
    with workspace_session(ctx) as ws:
        for path in files:
            try:
                report = _import_one(ws, path, options)
            except GoodwillError as exc:
                err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
                failed = True
                continue
            if report.already_imported:
                out.print(f"{path}: already imported (run {report.run_id}); nothing new.")
            else:
                resumed = f", resumed after record {report.resumed_from:,}" if report.resumed_from else ""
                erased = (f"; {report.erased:,} left out, erased before (deleted on their platform, or their author forgotten)"
                          if report.erased else "")
                out.print(
                    f"{path}: {report.records:,} records ({report.format}), "
                    f"[bold]{report.added:,} new[/] messages in {report.seconds:.1f}s{resumed}{erased}."
                )
        if wait and not failed:
            from goodwill.cli.understand import _enrich

            with reporting():
                done = _enrich(ws)
                out.print(f"Read again by the accurate pass: {done:,} messages.")
    if failed:
        raise typer.Exit(1)


def _import_one(ws: Session, path: Path, options: ImportOptions) -> ImportReport:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"Importing {path.name}", total=None)

        def validated(total: int) -> None:  # the whole file has checked out: now the total is known
            bar.update(task, total=total)

        advance: Callable[[int], None] = lambda n: bar.advance(task, n)  # noqa: E731
        return import_path(ws.store, ws.actor, ws.settings, path, options, progress=advance, on_validated=validated)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("import")(import_)

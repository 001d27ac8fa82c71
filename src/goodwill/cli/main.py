"""The `goodwill` command: a thin shell over goodwill.service.workspace."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from goodwill import __version__
from goodwill.cli.shell import err, fail, out, settings_of
from goodwill.config import Settings, load_settings
from goodwill.domain import Workspace
from goodwill.errors import ConfigError, GoodwillError
from goodwill.ingest.readers import FORMATS, ImportOptions, parse_mapping
from goodwill.service import workspace as service

app = typer.Typer(
    name="goodwill",
    help="Goodwill: listen, respond and earn trust on social media, one person at a time.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"goodwill {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="GOODWILL_WORKSPACE", help="Workspace directory \\[default: ./goodwill-workspace]."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="GOODWILL_DATABASE_URL", help="PostgreSQL URL to use instead of the workspace's SQLite file."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Goodwill keeps a workspace: a store of public conversations about one brand.

    Example:

        goodwill demo --no-serve && goodwill status
    """
    values: dict[str, Any] = {}
    if workspace is not None:
        values["workspace"] = workspace
    if database_url:
        values["database_url"] = database_url
    try:
        ctx.obj = load_settings(**values)
    except GoodwillError as exc:
        fail(exc)


@app.command()
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", "-n", help="The brand's name.")],
    account: Annotated[list[str] | None, typer.Option("--account", "-a", help="A brand account, PLATFORM:HANDLE (repeatable).")] = None,
    keyword: Annotated[list[str] | None, typer.Option("--keyword", "-k", help="A keyword to listen for (repeatable).")] = None,
    competitor: Annotated[list[str] | None, typer.Option("--competitor", "-c", help="A competitor's name (repeatable).")] = None,
) -> None:
    """Create a workspace for a brand.

    Example:

        goodwill init --name "Halcyon Bikes" --account twitter:@halcyonbikes --keyword "halcyon drift"
    """
    settings = settings_of(ctx)
    try:
        ws = Workspace(
            name=name.strip() or "My brand",
            brand_accounts=service.parse_accounts(account or []),
            keywords=list(keyword or []),
            competitors=list(competitor or []),
        )
        store = service.init_workspace(settings, ws)
        store.close()
    except GoodwillError as exc:
        fail(exc)
    where = settings.database_url and "the database" or str(settings.workspace)
    out.print(f"Created workspace [bold]{ws.name}[/] in {where}.")


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to import.", show_default=False)],
    format: Annotated[str | None, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}; guessed from the name and header when left out.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="Platform for records that do not name one.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", "-m", help="FIELD=COLUMN overrides, e.g. text=body,author=user (dotted paths reach into JSON).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Text encoding; detected when left out.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Author handle for tweets.js and plain-text files.")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="Zone for timestamps written without one.")] = "UTC",
) -> None:
    """Import conversations from files: generic CSV or JSONL, twcs, an X archive's tweets.js, or plain text.

    Formats: generic CSV or JSONL (see docs/import-formats.md), Customer Support
    on Twitter (twcs), an X archive's tweets.js, plain text (one message a line).

    Every file is checked whole before anything is written; a bad file changes
    nothing. Re-importing adds nothing; an interrupted import resumes.

    Example:

        goodwill import mentions.csv --map text=body,author=user --platform mastodon
    """
    settings = settings_of(ctx)
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(ConfigError(f"--timezone {timezone!r} is not a known time zone"))
    try:
        options = ImportOptions(
            format=format, platform=platform, mapping=parse_mapping(map_ or []), encoding=encoding, author=author, default_tz=tz
        )
        store = service.open_workspace(settings)
    except GoodwillError as exc:
        fail(exc)
    failed = False
    try:
        for path in files:
            try:
                report = _import_one(store, settings, path, options)
            except GoodwillError as exc:
                err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
                failed = True
                continue
            if report.already_imported:
                out.print(f"{path}: already imported (run {report.run_id}); nothing new.")
            else:
                resumed = f", resumed after record {report.resumed_from:,}" if report.resumed_from else ""
                out.print(
                    f"{path}: {report.records:,} records ({report.format}), "
                    f"[bold]{report.added:,} new[/] messages in {report.seconds:.1f}s{resumed}."
                )
    finally:
        store.close()
    if failed:
        raise typer.Exit(1)


def _import_one(store: Any, settings: Settings, path: Path, options: ImportOptions) -> Any:
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
        return service.import_path(store, settings, path, options, progress=advance, on_validated=validated)


@app.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Summarise the workspace: messages by platform and day, threads, people, unanswered threads.

    Example:

        goodwill status --json | jq .unanswered_threads
    """
    try:
        store = service.open_workspace(settings_of(ctx))
        try:
            data = service.workspace_status(store)
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    ws = data["workspace"]
    out.print(f"[bold]{ws['name']}[/]", highlight=False)
    handles = ", ".join(f"{p}:{h}" for p, hs in ws["brand_accounts"].items() for h in hs) or "none set"
    out.print(f"Brand accounts: {handles} ({data['brand_accounts']:,} accounts write as the brand)", highlight=False)
    totals = Table(title="Workspace", show_header=False)
    totals.add_column("what")
    totals.add_column("count", justify="right")
    for label, key in (
        ("Messages", "messages"),
        ("  by the brand", "brand_messages"),
        ("Threads", "threads"),
        ("  started by others", "customer_threads"),
        ("  answered by the brand", "answered_threads"),
        ("  [bold]unanswered[/]", "unanswered_threads"),
        ("Accounts", "accounts"),
        ("People", "people"),
        ("Interactions", "interactions"),
    ):
        totals.add_row(label, f"{data[key]:,}")
    out.print(totals)
    if data["by_platform"]:
        platforms = sorted(data["by_platform"])
        days = Table(title="Messages by day (latest 14 days with data)")
        days.add_column("day")
        for p in platforms:
            days.add_column(p, justify="right")
        days.add_column("all", justify="right")
        for day, counts in data["by_day"].items():
            days.add_row(day, *(f"{counts.get(p, 0):,}" for p in platforms), f"{sum(counts.values()):,}")
        days.add_row(
            "[bold]total[/]",
            *(f"{data['by_platform'][p]['messages']:,}" for p in platforms),
            f"{data['messages']:,}",
        )
        out.print(days)
    for run in data["incomplete_imports"]:
        out.print(
            f"[yellow]Import {run['run']} of {run['name']} stopped after {run['records_done']:,} records: "
            "import the same file again to resume.[/]",
            highlight=False,
        )


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find; \"quoted words\" for a phrase, word* for a prefix.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Most results to show.")] = 20,
    newest: Annotated[bool, typer.Option("--newest", help="Newest first instead of best match first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Find messages by full text.

    Best matches come first, chosen among the 2,000 most recently stored
    messages that match; --newest lists every match newest first.

    Example:

        goodwill search "battery range" --limit 5
    """
    try:
        store = service.open_workspace(settings_of(ctx))
        try:
            rows = service.search_messages(store, query, limit=limit, newest_first=newest)
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print("No messages match.")
        return
    table = Table(show_lines=False)
    table.add_column("when", no_wrap=True)
    table.add_column("platform")
    table.add_column("author")
    table.add_column("text")
    for row in rows:
        author = f"{row['author']} (brand)" if row["is_brand"] else row["author"]
        table.add_row(row["created_at"][:16].replace("T", " "), row["platform"], author, row["text"])
    out.print(table, markup=False, highlight=False)


@app.command()
def demo(
    ctx: typer.Context,
    messages: Annotated[int | None, typer.Option("--messages", min=1, help="Synthesise a large workspace of this many messages instead of the hand-written one.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --messages.")] = 7,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the workspace in the web app when built.")] = True,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to serve on (on 127.0.0.1).")] = 8000,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing demo workspace.")] = False,
) -> None:
    """Build a ready demo workspace for Halcyon Bikes, a fictional e-bike maker, and serve it.

    The workspace gets an admin `demo` (password `halcyon-demo`) unless it has
    users already. --no-serve builds it and stops.

    Example:

        goodwill --workspace demo-ws demo --messages 100000 --no-serve
    """
    from goodwill.demo.build import build_demo

    settings = settings_of(ctx)
    try:
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("Building the demo", total=messages)
            summary = build_demo(settings, messages=messages, seed=seed, force=force, progress=lambda n: bar.advance(task, n))
        where = "the database" if settings.database_url else str(settings.workspace)
        if summary["built"]:
            out.print(f"Demo workspace [bold]{summary['name']}[/] built in {where}: {summary['messages']:,} messages.")
            _demo_topics(settings)
        else:
            out.print(f"The demo workspace [bold]{summary['name']}[/] is already in {where} (--force rebuilds it).")
        if serve:
            from goodwill.cli.web import serve_workspace
            from goodwill.demo.build import DEMO_PASSWORD, DEMO_USER

            serve_workspace(
                settings, "127.0.0.1", port,
                banner=f"Open [bold]http://127.0.0.1:{port}/[/] and sign in as [bold]{DEMO_USER}[/] "
                f"with the password [bold]{DEMO_PASSWORD}[/] (Ctrl+C stops).",
            )
    except GoodwillError as exc:
        fail(exc)


def _demo_topics(settings: Settings) -> None:
    """Topics, alerts and share of voice for a new demo, as `goodwill topics refresh` would."""
    from goodwill.service import topics as topic_service
    from goodwill.service.team import cli_actor

    store = service.open_workspace(settings)
    try:
        done = topic_service.refresh(store, cli_actor())
    finally:
        store.close()
    alerts = "1 alert" if done.alerts == 1 else f"{done.alerts} alerts"
    out.print(f"Topics: {done.topics} over {done.messages:,} people's messages, {alerts}.", highlight=False)


from goodwill.cli import graph as _graph  # noqa: E402
from goodwill.cli import listen as _listen  # noqa: E402
from goodwill.cli import topics as _topics  # noqa: E402
from goodwill.cli import understand as _understand  # noqa: E402
from goodwill.cli import web as _web  # noqa: E402

for _group in (_web, _listen, _understand, _graph, _topics):
    _group.register(app)


def main() -> None:
    app()

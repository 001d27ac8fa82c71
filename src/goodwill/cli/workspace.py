"""Workspace commands: `init`, `status`, `search` and `demo`."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from goodwill.cli.console import err, out, reporting
from goodwill.cli.shell import settings_of, state_of, workspace_session
from goodwill.domain import Workspace


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
    from goodwill.service import workspace as service

    settings = settings_of(ctx)
    with reporting():
        ws = Workspace(
            name=name.strip() or "My brand",
            brand_accounts=service.parse_accounts(account or []),
            keywords=list(keyword or []),
            competitors=list(competitor or []),
        )
        service.init_workspace(settings, ws).close()
    where = settings.database_url and "the database" or str(settings.workspace)
    out.print(f"Created workspace [bold]{ws.name}[/] in {where}.")


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Summarise the workspace: messages by platform and day, threads, people, unanswered threads, open cases.

    Example:

        goodwill status --json | jq .unanswered_threads
    """
    from goodwill.service.workspace import workspace_status

    with workspace_session(ctx) as ws:
        data = workspace_status(ws.store, ws.actor)
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
        ("Open cases (new, open, waiting)", "open_cases"),
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
    sig = data["signals"]
    if sig["messages_with_signals"]:
        counts = Table(title="Others' messages by signal")
        counts.add_column("signal")
        counts.add_column("messages", justify="right")
        for intent, n in sig["by_intent"].items():
            counts.add_row(f"intent: {intent.replace('_', ' ')}", f"{n:,}")
        counts.add_row("[bold]needing a response[/]", f"{sig['needs_response']:,}")
        counts.add_row("[bold]urgent[/] (safety, leaving, or the urgency model)", f"{sig['urgent']:,}")
        counts.add_row("from the fast models only (provisional)", f"{sig['provisional']:,}")
        counts.add_row("with signals, in all", f"{sig['messages_with_signals']:,}")
        out.print(counts)
    if sig["by_model_version"] or sig["pending"]:
        versions = Table(title="Signals by model version (all messages)")
        versions.add_column("model version")
        versions.add_column("messages", justify="right")
        for version, n in sig["by_model_version"].items():
            versions.add_row(version, f"{n:,}")
        versions.add_row("[bold]pending the accurate pass[/] (no signals, or the fast models' only)", f"{sig['pending']:,}")
        out.print(versions)
    for name, what in (("retention", "Retention (once a day)"), ("rescore", "Scoring people")):
        job = data["upkeep"].get(name)
        if job is None:
            continue
        last = (job["last_run_at"] or "")[:16].replace("T", " ")
        nxt = (job["next_run_at"] or "")[:16].replace("T", " ")
        line = f"{what}: last ran {last + ' UTC' if last else 'never'}; next {nxt + ' UTC' if nxt else 'at the next look'}"
        if job["last_error"]:
            line += f"; the last attempt failed: {job['last_error']}"
        out.print(line, markup=False, highlight=False)
    for run in data["incomplete_imports"]:
        out.print(
            f"[yellow]Import {run['run']} of {run['name']} stopped after {run['records_done']:,} records: "
            "import the same file again to resume.[/]",
            highlight=False,
        )


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find; \"quoted words\" for a phrase, word* for a prefix.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Most results to show.")] = 20,
    newest: Annotated[bool, typer.Option("--newest", help="Newest first instead of best match first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    sentiment: Annotated[str | None, typer.Option("--sentiment", help="Only messages of this sentiment: negative, neutral, positive.")] = None,
    intent: Annotated[str | None, typer.Option("--intent", help="Only this intent: question, complaint, praise, suggestion, purchase_intent, other.")] = None,
    urgency: Annotated[str | None, typer.Option("--urgency", help="Only this urgency: low, normal, high.")] = None,
    needs_response: Annotated[bool | None, typer.Option("--needs-response/--no-response-needed", help="Only messages that need (or do not need) a response.")] = None,
    aspect: Annotated[str | None, typer.Option("--aspect", help="Only messages about this aspect (battery, delivery, ...).")] = None,
) -> None:
    """Find messages by full text; each result shows its id, which `goodwill reply` takes, and its signals.

    Best matches come first, chosen among the 2,000 most recently stored
    messages that match; --newest lists every match newest first. The signal
    options keep the messages whose stored signals match; each label is shown
    with its reason (--json: `signals.reasons`), and `fast` marks signals from
    the fast models only.

    Example:

        goodwill search "battery range" --limit 5
        goodwill search refund --intent complaint --urgency high --json
    """
    from goodwill.domain.signals import SignalFilter
    from goodwill.service.search import search_messages

    with workspace_session(ctx) as ws:
        wanted = SignalFilter(sentiment=sentiment, intent=intent, needs_response=needs_response, urgency=urgency,
                              aspect=aspect)
        rows = search_messages(ws.store, ws.actor, query, limit=limit, newest_first=newest, signals=wanted)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print("No messages match.")
        return
    table = Table(show_lines=False)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("when", no_wrap=True)
    table.add_column("platform")
    table.add_column("author")
    table.add_column("text")
    table.add_column("signals (with reasons)")
    for row in rows:
        author = f"{row['author']} (brand)" if row["is_brand"] else row["author"]
        table.add_row(str(row["id"]), row["created_at"][:16].replace("T", " "), row["platform"], author, row["text"],
                      signal_words(row["signals"]))
    out.print(table, markup=False, highlight=False)


def signal_words(signals: dict[str, Any] | None) -> str:
    """A message's signals in a few lines: each label with its reason."""
    if signals is None:
        return "no signals yet (goodwill enrich)"
    reasons = signals["reasons"]
    lines = [reasons["intent"], reasons["sentiment"], f"urgency {reasons['urgency']}", reasons["needs_response"]]
    if signals["aspects"]:
        lines.append("about " + ", ".join(signals["aspects"]))
    if signals["provisional"]:
        lines.append("fast models only (provisional)")
    return "\n".join(lines)


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
    from goodwill.service.demo import DEMO_PASSWORD, DEMO_USER, build_demo

    state = state_of(ctx)
    settings = state.settings
    with reporting():
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("Building the demo", total=messages)
            summary = build_demo(settings, messages=messages, seed=seed, force=force, progress=lambda n: bar.advance(task, n))
        where = "the database" if settings.database_url else str(settings.workspace)
        if summary["built"]:
            out.print(f"Demo workspace [bold]{summary['name']}[/] built in {where}: {summary['messages']:,} messages.")
            if summary.get("give_ratio") is not None:
                out.print(f"Its own posts and replies give {summary['give_ratio']:.0%} of the time "
                          "(goodwill giving shows why).")
            _demo_topics(ctx)
            _demo_health(ctx)
        else:
            out.print(f"The demo workspace [bold]{summary['name']}[/] is already in {where} (--force rebuilds it).")
        if serve:
            from goodwill.cli.web import serve_workspace

            serve_workspace(
                settings, "127.0.0.1", port,
                banner=f"Open [bold]http://127.0.0.1:{port}/[/] and sign in as [bold]{DEMO_USER}[/] "
                f"with the password [bold]{DEMO_PASSWORD}[/] (Ctrl+C stops).",
            )


def _demo_health(ctx: typer.Context) -> None:
    """One line of the demo's relationship health (goodwill report shows the rest)."""
    from goodwill.service import health

    with workspace_session(ctx) as ws:
        f = health.report(ws.store, ws.actor)
    out.print(health.summary_line(f), highlight=False, markup=False)


def _demo_topics(ctx: typer.Context) -> None:
    """Topics, alerts and share of voice for a new demo, as `goodwill topics refresh` would."""
    from goodwill.service import topics as topic_service

    with workspace_session(ctx) as ws:
        done = topic_service.refresh(ws.store, ws.actor)
    alerts = "1 alert" if done.alerts == 1 else f"{done.alerts} alerts"
    out.print(f"Topics: {done.topics} over {done.messages:,} people's messages, {alerts}.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command()(init)
    app.command()(status)
    app.command()(search)
    app.command()(demo)

"""Commands for topics and the audience of a workspace: `goodwill topics`
(and `topics refresh`, `topics voice`), `goodwill alerts`, `goodwill influencers`.
`goodwill communities` without `--edges` also lands here (see `communities_of_workspace`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import err, fail, out
from goodwill.cli.shell import workspace_session
from goodwill.errors import ConfigError
from goodwill.service import audience
from goodwill.service import topics as topic_service

topics_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _json_lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, default=_plain, ensure_ascii=False) + "\n")


def _table(columns: list[str], rows: list[list[str]]) -> None:
    table = Table()
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out.print(table, markup=False, highlight=False)


@topics_app.callback()
def topics(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List the topics of the workspace's messages, biggest first: keyphrases,
    messages, negative share. `goodwill topics refresh` computes them.

    Example:

        goodwill topics refresh && goodwill topics --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with workspace_session(ctx) as ws:
        rows = topic_service.topics(ws.store, ws.actor)
    if as_json:
        _json_lines(rows)
        return
    if not rows:
        out.print("No topics yet: run goodwill topics refresh.")
        return
    _table(["id", "topic", "messages", "negative", "keyphrases"],
           [[str(r["id"]), r["label"], f"{r['messages']:,}", f"{r['negative_share']:.0%}", ", ".join(r["keyphrases"])]
            for r in rows])


@topics_app.command("refresh")
def refresh(
    ctx: typer.Context,
    k: Annotated[int | None, typer.Option("--k", min=2, max=500, help="How many topics \\[default: chosen by silhouette].", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the clustering.")] = 0,
) -> None:
    """Recompute topics, their daily figures, alerts and share of voice from
    every stored message (a manager's action, written to the audit log).

    Example:

        goodwill topics refresh --k 12
    """
    say: Callable[[str], None] = (lambda text: err.print(text, highlight=False)) if err.is_terminal else (lambda _: None)
    with workspace_session(ctx) as ws:
        done = topic_service.refresh(ws.store, ws.actor, k=k, seed=seed, progress=say)
    alerts = "1 alert" if done.alerts == 1 else f"{done.alerts} alerts"
    out.print(f"{done.topics} topics over {done.messages:,} messages ({done.assigned:,} in a topic); "
              f"{alerts}; share of voice for {done.periods} weeks.", highlight=False)


@topics_app.command("voice")
def voice(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Share of voice per week: mentions of the brand and of each competitor
    (the workspace's competitors) in people's messages.

    Example:

        goodwill topics voice --json
    """
    with workspace_session(ctx) as ws:
        rows = topic_service.voice(ws.store, ws.actor)
    if as_json:
        _json_lines(rows)
        return
    _table(["week of", "name", "mentions", "share"],
           [[r["period"].isoformat(), f"{r['name']} (brand)" if r["is_brand"] else r["name"], str(r["mentions"]),
             f"{r['share']:.0%}"] for r in rows])


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(ConfigError(f"--since: unreadable date {value!r} (expected YYYY-MM-DD)"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(topics_app, name="topics")

    @app.command()
    def alerts(
        ctx: typer.Context,
        since: Annotated[str | None, typer.Option("--since", help="Only alerts on or after this day (YYYY-MM-DD).", show_default=False)] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Most alerts to show.")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    ) -> None:
        """Emerging issues: days when a topic's volume or negative share rose
        beyond its normal range, newest first, with example messages. See docs/topics.md.

        Example:

            goodwill alerts --since 2026-11-01
        """
        with workspace_session(ctx) as ws:
            rows = topic_service.alerts(ws.store, ws.actor, since=_since(since), limit=limit)
        if as_json:
            _json_lines(rows)
            return
        if not rows:
            out.print("No alerts.")
            return
        for row in rows:
            out.print(f"[bold]{row['day']}[/] {row['kind']} rise in [bold]{_escape(row['topic'])}[/]: "
                      f"{_escape(row['summary'])}", highlight=False)
            for example in row["examples"]:
                text = " ".join(example["text"].split())
                out.print(f"  {example['platform']} {example['handle']}: {text[:160]}", markup=False, highlight=False)

    @app.command()
    def influencers(
        ctx: typer.Context,
        topic: Annotated[str | None, typer.Option("--topic", help="Influence within one topic (its label or first keyphrase).", show_default=False)] = None,
        top: Annotated[int, typer.Option("--top", min=1, max=10_000, help="How many accounts to list.")] = 20,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    ) -> None:
        """The workspace's most influential accounts by quality (what others do
        with them), with their outreach (what they give) and the reasons in
        words; the brand's own accounts are left out. See docs/influence.md.

        Example:

            goodwill influencers --topic battery --top 10
        """
        with workspace_session(ctx) as ws:
            rows = audience.influencers(ws.store, ws.actor, topic=topic, top=top)
        if as_json:
            _json_lines(rows)
            return
        _table(["#", "platform", "account", "influence", "outreach", "why"],
               [[str(r["rank"]), r["platform"], r["handle"], f"{r['influence']:.2f}", f"{r['outreach']:.2f}",
                 "; ".join(r["influence_reasons"])] for r in rows])


def communities_of_workspace(ctx: typer.Context, min_size: int, as_json: bool) -> None:
    """`goodwill communities` without --edges: the workspace's communities."""
    with workspace_session(ctx) as ws:
        rows = audience.communities(ws.store, ws.actor, min_size=min_size)
    if as_json:
        _json_lines(rows)
        return
    if not rows:
        out.print("No communities: the workspace has no interactions yet.")
        return

    def names(members: list[dict[str, str]]) -> str:
        return ", ".join(f"{m['handle']} ({m['platform']})" for m in members)

    _table(["#", "size", "inner", "central", "generous", "topics"],
           [[str(r["id"]), str(r["size"]), str(r["inner_interactions"]), names(r["central"]), names(r["generous"]),
             "; ".join(t["topic"] for t in r["topics"])] for r in rows])


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

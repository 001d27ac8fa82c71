"""`goodwill sources`: add, list, remove, enable, disable and test live sources."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session
from goodwill.domain.sources import SOURCE_PLATFORMS

sources_app = typer.Typer(
    help="Configure live sources: Mastodon, Bluesky, Jetstream, Reddit, RSS/Atom.\n\n"
    "Example:\n\n    goodwill sources add reviews --platform rss --url https://reviews.example/feed.xml",
    no_args_is_help=True,
)


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the source, e.g. mastodon-mentions.")],
    platform: Annotated[str, typer.Option("--platform", "-p", help=f"{', '.join(SOURCE_PLATFORMS)}.")],
    url: Annotated[str | None, typer.Option("--url", help="Server: a Mastodon instance's base URL, a Jetstream /subscribe endpoint, a feed's URL, an API host (needed for mastodon, jetstream and rss).")] = None,
    query: Annotated[list[str] | None, typer.Option("--query", "-q", help="Keyword, #hashtag, r/subreddit or mentions/notifications (repeatable).")] = None,
    account: Annotated[str | None, typer.Option("--account", help="The brand's handle (or DID) on this platform (needed for bluesky).")] = None,
    token_env: Annotated[str | None, typer.Option("--token-env", help="Environment variable (or secrets.toml key) holding the credential (needed for bluesky and reddit).")] = None,
    every: Annotated[int, typer.Option("--every", min=1, help="Seconds between runs when listening continuously.")] = 300,
    backfill: Annotated[int | None, typer.Option("--backfill", min=0, help="Mastodon, Bluesky: posts per query the first run reads back (default 1000; 0: only the newest page).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Mastodon, Bluesky: the first run reads back no further than this date, e.g. 2026-09-01.")] = None,
) -> None:
    """Add a live source; what its platform needs is checked now, not at the first run.

    A new Mastodon or Bluesky source's first run reads back into each query's
    history (--backfill posts per query, or back to --since), then pages forward.

    Example:

        goodwill sources add fedi --platform mastodon --url https://mastodon.social --query halcyon --query mentions --token-env MASTODON_TOKEN --backfill 500
    """
    from goodwill.service import sources

    with workspace_session(ctx) as ws:
        config = sources.new_source(
            name, platform, url=url, queries=tuple(query or ()), account=account, token_env=token_env,
            every=every, backfill=backfill, since=since,
        )
        config = sources.add_source(ws.store, ws.actor, config)
    out.print(f"Added source [bold]{config.name}[/] ({platform}).", highlight=False)


@sources_app.command("list")
def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List sources with their checkpoints and last errors.

    Example:

        goodwill sources list --json
    """
    from rich.table import Table

    from goodwill.service import sources

    with workspace_session(ctx) as ws:
        rows = sources.list_sources(ws.store, ws.actor)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        out.print("No sources yet: `goodwill sources add --help` shows how.")
        return
    table = Table()
    table.add_column("name", no_wrap=True)
    table.add_column("platform", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("listens to")
    table.add_column("stored", justify="right")
    table.add_column("last success / error")
    for r in rows:
        where = ", ".join([*r["queries"], *([r["url"]] if r["url"] else [])])
        last = r["last_error"] or ("never" if not r["last_ok_at"] else r["last_ok_at"][:16].replace("T", " "))
        table.add_row(r["name"], r["platform"], "enabled" if r["enabled"] else "disabled", where, f"{r['items_added']:,}", last)
    out.print(table, markup=False, highlight=False)


@sources_app.command("remove")
def sources_remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to remove.")]) -> None:
    """Remove a source and its checkpoint (messages it stored stay).

    Example:

        goodwill sources remove fedi
    """
    from goodwill.service import sources

    with workspace_session(ctx) as ws:
        sources.remove_source(ws.store, ws.actor, name)
    out.print(f"Removed source [bold]{name}[/].", highlight=False)


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    from goodwill.service import sources

    with workspace_session(ctx) as ws:
        changed = sources.set_enabled(ws.store, ws.actor, name, enabled)
    state = "enabled" if enabled else "disabled"
    out.print(f"Source [bold]{name}[/] is {state}" + ("." if changed else " (it was already)."), highlight=False)


@sources_app.command("enable")
def sources_enable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to enable.")]) -> None:
    """Enable a source again: `listen` runs it, from its checkpoint.

    Example:

        goodwill sources enable fedi
    """
    _set_enabled(ctx, name, True)


@sources_app.command("disable")
def sources_disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to disable.")]) -> None:
    """Disable a source: `listen` skips it; its checkpoint and messages stay.

    Example:

        goodwill sources disable fedi
    """
    _set_enabled(ctx, name, False)


@sources_app.command("test")
def sources_test(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to try.")]) -> None:
    """Fetch one batch from a source and show it, storing nothing.

    Example:

        goodwill sources test fedi
    """
    from goodwill.service import sources

    with workspace_session(ctx) as ws:
        batch = sources.test_source(ws.store, ws.actor, ws.settings, name, environ=dict(os.environ))
    out.print(
        f"{name}: reached; {batch.seen:,} records, {len(batch.items):,} new messages, {len(batch.edits):,} edits, "
        f"{len(batch.deletions):,} deletions in the first batch.",
        highlight=False,
    )
    for m in batch.items[:5]:
        out.print(f"  {m.created_at:%Y-%m-%d %H:%M} {m.author}: {m.text[:100]}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(sources_app, name="sources")

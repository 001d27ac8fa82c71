"""Commands for listening: `sources add|list|remove|test`, `listen`, `reply`."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.cli.shell import fail, settings_of
from goodwill.errors import GoodwillError

if TYPE_CHECKING:
    from goodwill.config import Settings
    from goodwill.ingest.listen import ListenOptions, SourceProgress

sources_app = typer.Typer(help="Configure live sources: Mastodon, Bluesky, Jetstream, Reddit, RSS/Atom.", no_args_is_help=True)




def _options(settings: Settings) -> ListenOptions:
    from goodwill.connectors.base import Backoff
    from goodwill.ingest.listen import ListenOptions

    return ListenOptions(
        backoff=Backoff(base=settings.listen_backoff_base, max_wait=settings.listen_max_wait, attempts=settings.listen_attempts),
        timeout=settings.listen_timeout,
    )


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the source, e.g. mastodon-mentions.")],
    platform: Annotated[str, typer.Option("--platform", "-p", help="mastodon, bluesky, jetstream, reddit or rss.")],
    url: Annotated[str | None, typer.Option("--url", help="Server: a Mastodon instance's base URL, a Jetstream /subscribe endpoint, a feed's URL, an API host.")] = None,
    query: Annotated[list[str] | None, typer.Option("--query", "-q", help="Keyword, #hashtag, r/subreddit or mentions/notifications (repeatable).")] = None,
    account: Annotated[str | None, typer.Option("--account", help="The brand's handle (or DID) on this platform.")] = None,
    token_env: Annotated[str | None, typer.Option("--token-env", help="Environment variable (or secrets.toml key) holding the credential.")] = None,
    every: Annotated[int, typer.Option("--every", min=1, help="Seconds between runs when listening continuously.")] = 300,
    backfill: Annotated[int | None, typer.Option("--backfill", min=0, help="Mastodon, Bluesky: posts per query the first run reads back (default 1000; 0: only the newest page).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Mastodon, Bluesky: the first run reads back no further than this date, e.g. 2026-09-01.")] = None,
) -> None:
    """Add a live source.

    A new Mastodon or Bluesky source's first run reads back into each query's
    history (--backfill posts per query, or back to --since), then pages forward.

    Example:

        goodwill sources add fedi --platform mastodon --url https://mastodon.social --query halcyon --query mentions --token-env MASTODON_TOKEN --backfill 500
    """
    from goodwill.cli.shell import out
    from goodwill.domain.sources import BACKFILL_PLATFORMS, DEFAULT_BACKFILL, SOURCE_PLATFORMS, SourceConfig
    from goodwill.domain.timeparse import parse_time
    from goodwill.errors import ConfigError
    from goodwill.service.workspace import open_workspace
    from goodwill.store.sources import add_source

    try:
        if platform not in SOURCE_PLATFORMS:
            raise ConfigError(f"--platform {platform!r}: use one of {', '.join(SOURCE_PLATFORMS)}")
        if not name.strip() or len(name) > 100:
            raise ConfigError("a source's name must be 1 to 100 characters")
        if platform in ("mastodon", "jetstream", "rss") and not url:
            raise ConfigError(f"a {platform} source needs --url")
        if url is not None and url.split("://", 1)[0] not in ("http", "https", "ws", "wss"):
            raise ConfigError(f"--url {url!r}: give an http(s):// or ws(s):// URL")
        if token_env is not None and not token_env.replace("_", "").isalnum():
            raise ConfigError(f"--token-env {token_env!r}: give the NAME of a variable (letters, digits, _), not its value")
        if (backfill is not None or since is not None) and platform not in BACKFILL_PLATFORMS:
            raise ConfigError(f"--backfill and --since: only {' and '.join(BACKFILL_PLATFORMS)} sources read back")
        try:
            since_at = parse_time(since) if since is not None else None
        except ValueError as exc:
            raise ConfigError(f"--since {since!r}: {exc}") from None
        if platform not in BACKFILL_PLATFORMS:
            posts = None
        else:  # --since alone bounds by time only
            posts = backfill if backfill is not None else (None if since_at is not None else DEFAULT_BACKFILL)
        config = SourceConfig(
            name=name.strip(), platform=platform, url=url, queries=tuple(query or ()), account=account,
            token_env=token_env, schedule_seconds=every, backfill_posts=posts, backfill_since=since_at,
        )
        store = open_workspace(settings_of(ctx))
        try:
            with store.begin() as conn:
                add_source(conn, config)
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
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

    from goodwill.cli.shell import out
    from goodwill.service.workspace import open_workspace
    from goodwill.store.sources import source_table

    try:
        store = open_workspace(settings_of(ctx))
        try:
            with store.begin() as conn:
                rows = source_table(conn)
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        out.print("No sources yet: `goodwill sources add --help` shows how.")
        return
    table = Table()
    table.add_column("name", no_wrap=True)
    table.add_column("platform", no_wrap=True)
    table.add_column("listens to")
    table.add_column("stored", justify="right")
    table.add_column("last success / error")
    for r in rows:
        where = ", ".join([*r["queries"], *([r["url"]] if r["url"] else [])])
        last = r["last_error"] or ("never" if not r["last_ok_at"] else r["last_ok_at"][:16].replace("T", " "))
        table.add_row(r["name"], r["platform"], where, f"{r['items_added']:,}", last)
    out.print(table, markup=False, highlight=False)


@sources_app.command("remove")
def sources_remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to remove.")]) -> None:
    """Remove a source and its checkpoint (messages it stored stay).

    Example:

        goodwill sources remove fedi
    """
    from goodwill.cli.shell import out
    from goodwill.service.workspace import open_workspace
    from goodwill.store.sources import remove_source

    try:
        store = open_workspace(settings_of(ctx))
        try:
            with store.begin() as conn:
                remove_source(conn, name)
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
    out.print(f"Removed source [bold]{name}[/].", highlight=False)


@sources_app.command("test")
def sources_test(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to try.")]) -> None:
    """Fetch one batch from a source and show it, storing nothing.

    Example:

        goodwill sources test fedi
    """
    from goodwill.cli.shell import out
    from goodwill.connectors.credentials import secrets_path
    from goodwill.ingest.listen import try_source
    from goodwill.service.workspace import open_workspace
    from goodwill.store.sources import get_source, load_checkpoint

    settings = settings_of(ctx)
    try:
        store = open_workspace(settings)
        try:
            with store.begin() as conn:
                source_id, config = get_source(conn, name)
                checkpoint = load_checkpoint(conn, source_id)
        finally:
            store.close()
        batch = try_source(
            config, checkpoint, environ=os.environ, secrets=secrets_path(settings.workspace, os.environ),
            options=_options(settings),
        )
    except GoodwillError as exc:
        fail(exc)
    out.print(
        f"{name}: reached; {batch.seen:,} records, {len(batch.items):,} new messages, {len(batch.edits):,} edits, "
        f"{len(batch.deletions):,} deletions in the first batch.",
        highlight=False,
    )
    for m in batch.items[:5]:
        out.print(f"  {m.created_at:%Y-%m-%d %H:%M} {m.author}: {m.text[:100]}", markup=False, highlight=False)


def _view(progress: dict[str, SourceProgress]) -> Any:
    from rich.table import Table

    table = Table(title="Listening")
    for col in ("source", "platform", "state", "batches", "seen", "new", "edited", "deleted", "note"):
        table.add_column(col)
    for p in progress.values():
        table.add_row(
            p.name, p.platform, p.state, f"{p.batches:,}", f"{p.seen:,}", f"{p.added:,}", f"{p.edited:,}",
            f"{p.deleted:,}", p.error or p.note,
        )
    return table


def listen(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run every source until it has caught up, then exit.")] = False,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")] = None,
) -> None:
    """Listen: run every enabled source on its schedule, storing what it finds.

    Each batch is committed together with the source's checkpoint, so a
    listener that is stopped or killed resumes where it left off. Failing
    sources are retried with backoff and never stop the others.

    Example:

        goodwill listen --once
    """
    from rich.live import Live

    from goodwill.cli.shell import err, out
    from goodwill.connectors.credentials import secrets_path
    from goodwill.ingest.listen import Listener, run_until_done
    from goodwill.service.workspace import open_workspace

    settings = settings_of(ctx)
    try:
        store = open_workspace(settings)
    except GoodwillError as exc:
        fail(exc)
    try:
        try:
            listener = Listener(
                store, environ=dict(os.environ), secrets=secrets_path(settings.workspace, os.environ),
                options=_options(settings), once=once, names=source,
            )
        except GoodwillError as exc:
            fail(exc)
        if not listener.sources:
            out.print("No enabled sources: add one with `goodwill sources add`.")
            return
        if err.is_terminal:
            with Live(_view(listener.progress), console=err, refresh_per_second=4, transient=once) as live:
                run_until_done(listener, tick=lambda: live.update(_view(listener.progress)))
        else:
            run_until_done(listener)
    finally:
        store.close()
    failed = False
    for p in listener.progress.values():
        status = f"failed: {p.error}" if p.error else p.state
        failed |= p.error is not None
        out.print(
            f"{p.name} ({p.platform}): {p.seen:,} seen, {p.added:,} new, {p.edited:,} edited, {p.deleted:,} deleted; {status}",
            markup=False, highlight=False,
        )
    if failed:
        raise typer.Exit(1)


def reply(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The stored message to answer (its id from `goodwill search --json`).")],
    text: Annotated[str, typer.Option("--text", "-t", help="The reply.")],
    send: Annotated[bool, typer.Option("--send", help="Publish it (without --send, only show what would be published).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Reply to a message on its own platform, in public; stored as the brand's reply.

    Example:

        goodwill reply 4182 --text "Thanks, the fix is in firmware 2.1: https://halcyon.example/fw" --send
    """
    from goodwill.cli.shell import out
    from goodwill.connectors.credentials import secrets_path
    from goodwill.service import replies as replying
    from goodwill.service.workspace import open_workspace

    settings = settings_of(ctx)
    try:
        store = open_workspace(settings)
        try:
            plan = replying.reply(
                store, message_id, text, send=send, environ=dict(os.environ),
                secrets=secrets_path(settings.workspace, os.environ), options=_options(settings),
            )
        finally:
            store.close()
    except GoodwillError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False) + "\n")
        return
    if plan.published_id is None:
        out.print(
            f"Dry run: would reply on {plan.platform} through source {plan.source} to {plan.in_reply_to_author} "
            f"({plan.in_reply_to}):\n{plan.text}\nAdd --send to publish.",
            markup=False, highlight=False,
        )
    else:
        out.print(
            f"Published on {plan.platform} as {plan.published_id}"
            + (f" ({plan.url})" if plan.url else "") + f"; stored as message {plan.stored_id}.",
            markup=False, highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(sources_app, name="sources")
    app.command("listen")(listen)
    app.command("reply")(reply)

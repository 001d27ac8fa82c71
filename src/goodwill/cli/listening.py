"""`goodwill listen` (run the live sources) and `goodwill reply` (answer in public)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.cli.console import err, out
from goodwill.cli.shell import workspace_session
from goodwill.cli.tone import print_reply_tone

if TYPE_CHECKING:
    from goodwill.service.listening import SourceProgress


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

    from goodwill.service.listening import PostPublisher, run_until_done
    from goodwill.service.listening import listener as make_listener

    with workspace_session(ctx) as ws:
        listener = make_listener(ws.store, ws.actor, ws.settings, environ=dict(os.environ), once=once, names=source)
        if not listener.sources:
            out.print("No enabled sources: add one with `goodwill sources add`.")
            return
        publisher = PostPublisher(ws.store, ws.settings, dict(os.environ))
        if err.is_terminal:
            with Live(_view(listener.progress), console=err, refresh_per_second=4, transient=once) as live:

                def tick() -> None:
                    live.update(_view(listener.progress))
                    publisher()

                run_until_done(listener, tick=tick)
        else:
            run_until_done(listener, tick=publisher)
        if once:
            publisher.finish()
    if publisher.published or publisher.error:
        out.print(f"posts: {publisher.published} published" + (f"; {publisher.error}" if publisher.error else ""),
                  markup=False, highlight=False)
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
    message_id: Annotated[int, typer.Argument(help="The stored message to answer (its id, shown by `goodwill search`).")],
    text: Annotated[str, typer.Option("--text", "-t", help="The reply.")],
    send: Annotated[bool, typer.Option("--send", help="Publish it (without --send, only show what would be published).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Reply to a message on its own platform, in public; stored as the brand's reply.

    The reply is tone-checked first and any flags are shown (docs/tone.md); sending
    anyway is allowed, and the flags overridden are recorded in the audit log.

    Example:

        goodwill reply 4182 --text "Thanks, the fix is in firmware 2.1: https://halcyon.example/fw" --send
    """
    from goodwill.service import replies as replying

    with workspace_session(ctx) as ws:
        plan = replying.reply(ws.store, ws.actor, message_id, text, send=send, environ=dict(os.environ), settings=ws.settings)
    if as_json:
        sys.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False) + "\n")
        return
    print_reply_tone(plan.tone, sent=plan.published_id is not None)
    if plan.published_id is None and plan.source is None:
        out.print(
            f"Dry run: a reply on {plan.platform} to {plan.in_reply_to_author} ({plan.in_reply_to}):\n{plan.text}\n"
            f"It cannot be sent yet: {plan.note}",
            markup=False, highlight=False,
        )
    elif plan.published_id is None:
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
    app.command("listen")(listen)
    app.command("reply")(reply)

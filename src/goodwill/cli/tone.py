"""`goodwill tone-check` (advice on a draft reply) and `goodwill replies saved` (canned responses)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session

replies_app = typer.Typer(
    help="Replies the team keeps ready.\n\nExample:\n\n    goodwill replies saved list",
    no_args_is_help=True,
)
saved_app = typer.Typer(
    help="Saved replies (canned responses): a title, the text and tags; each is tone-checked when saved.\n\n"
         "Example:\n\n    goodwill replies saved add \"Firmware 2.1\" --body \"The fix is in firmware 2.1: "
         "https://halcyon.example/fw\" --tag firmware",
    no_args_is_help=True,
)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_flags(flags: list[dict[str, Any]], *, indent: str = "") -> None:
    """The tone check's flags, one paragraph each: severity, code, why, fix."""
    for f in flags:
        out.print(f"{indent}[{f['severity']}] {f['code']}: {f['why']}", markup=False, highlight=False)
        out.print(f"{indent}    fix: {f['fix']}", markup=False, highlight=False)


def print_reply_tone(flags: list[dict[str, Any]], *, sent: bool) -> None:
    """A planned or sent reply's tone flags (`plan["tone"]`), if any, before what happened to it."""
    if not flags:
        return
    n = len(flags)
    verb = "sent anyway; recorded in the audit log" if sent else "advice: --send sends it anyway"
    out.print(f"Tone check: {n} flag{'s' if n != 1 else ''} ({verb}):", highlight=False)
    print_flags(flags, indent="  ")


def tone_check(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The draft reply.")],
    reply_to: Annotated[int | None, typer.Option("--reply-to", help="The stored message it answers: checked against its question, on its platform.", show_default=False)] = None,
    platform: Annotated[str | None, typer.Option("--platform", "-p", help="bluesky, mastodon, reddit, twitter, x, threads or rss (default: the answered message's).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: ok, flags (code, severity, why, fix, words), platform, length, limit, articles.")] = False,
) -> None:
    """Check a draft reply's tone: hype, defensiveness, blame, no answer, no link, length or style for the platform.

    Advice only: exits 0 with or without flags. See docs/tone.md for each flag.

    Example:

        goodwill tone-check "Sorry about that! The fix is in firmware 2.1: https://halcyon.example/fw" --reply-to 4182
    """
    from goodwill.service import tone

    with workspace_session(ctx) as ws:
        result = tone.tone_check(ws.store, ws.actor, text, message_id=reply_to, platform=platform)
    if as_json:
        _json(result)
        return
    unit = "graphemes" if result["platform"] == "bluesky" else "characters"
    limit = f" of {result['limit']}" if result["limit"] else ""
    where = f" on {result['platform']}" if result["platform"] else ""
    if not result["flags"]:
        out.print(f"No tone flags{where} ({result['length']} {unit}{limit}).", highlight=False)
        return
    n = len(result["flags"])
    out.print(f"{n} tone flag{'s' if n != 1 else ''}{where} ({result['length']} {unit}{limit}):", highlight=False)
    print_flags(result["flags"], indent="  ")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    from goodwill.service import saved_replies as service

    @saved_app.command("list")
    def saved_list(
        ctx: typer.Context,
        tag: Annotated[str | None, typer.Option("--tag", help="Only saved replies with this tag.", show_default=False)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of saved replies, each with its tone flags.")] = False,
    ) -> None:
        """List the saved replies by title, each with its tone flags.

        Example:

            goodwill replies saved list --tag firmware --json
        """
        with workspace_session(ctx) as ws:
            rows = service.list_saved(ws.store, ws.actor, tag=tag)
        if as_json:
            _json(rows)
            return
        if not rows:
            out.print("No saved replies yet: `goodwill replies saved add TITLE --body TEXT`.", highlight=False)
        for r in rows:
            tags = f"  [{', '.join('#' + t for t in r['tags'])}]" if r["tags"] else ""
            out.print(f"{r['id']}  {r['title']}{tags}", markup=False, highlight=False)
            out.print(f"    {r['body']}", markup=False, highlight=False)
            print_flags(r["flags"], indent="    ")
            if r["too_long_for"]:
                out.print(f"    too long for {', '.join(r['too_long_for'])}", highlight=False)

    @saved_app.command("add")
    def saved_add(
        ctx: typer.Context,
        title: Annotated[str, typer.Argument(help="A short title agents pick it by (unique).")],
        body: Annotated[str, typer.Option("--body", "-b", help="The reply's text.")],
        tags: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeat for more).", show_default=False)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the saved reply as JSON.")] = False,
    ) -> None:
        """Save a reply; it is tone-checked, and its flags are shown (it is saved either way).

        Example:

            goodwill replies saved add "Battery range" --body "Range is 60-90 km per charge: https://halcyon.example/range" --tag battery
        """
        with workspace_session(ctx) as ws:
            row = service.add_saved(ws.store, ws.actor, title, body, tags or [])
        if as_json:
            _json(row)
            return
        out.print(f"Saved reply {row['id']}: {row['title']}", markup=False, highlight=False)
        if row["flags"]:
            out.print("Tone flags (saved anyway; agents will see them):", highlight=False)
            print_flags(row["flags"], indent="  ")

    @saved_app.command("remove")
    def saved_remove(
        ctx: typer.Context,
        reply_id: Annotated[int, typer.Argument(help="The saved reply's id (see `goodwill replies saved list`).")],
    ) -> None:
        """Remove a saved reply.

        Example:

            goodwill replies saved remove 3
        """
        with workspace_session(ctx) as ws:
            row = service.remove_saved(ws.store, ws.actor, reply_id)
        out.print(f"Removed saved reply {row['id']}: {row['title']}", markup=False, highlight=False)

    replies_app.add_typer(saved_app, name="saved")
    app.add_typer(replies_app, name="replies")
    app.command("tone-check")(tone_check)

"""`goodwill posts`: the brand's own posts, drafted, scheduled per channel and published once."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session
from goodwill.cli.tone import print_flags

posts_app = typer.Typer(
    help="The brand's own posts: drafts scheduled per channel, each read as give or take and tone-checked, "
         "published once at their time. See docs/publishing.md.\n\n"
         "Example:\n\n    goodwill posts draft \"How to true a wheel at home: https://halcyon.example/true\" "
         "--channel fedi --at 2026-12-01T09:30Z",
    no_args_is_help=True,
)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_post(post: dict[str, Any]) -> None:
    when = f" at {post['scheduled_at']}" if post["scheduled_at"] else ""
    out.print(f"Post {post['id']} on {post['channel']}: {post['status']}{when}", markup=False, highlight=False)
    reading = post["reading"]
    out.print(f"  reads as {reading['kind']} ({reading['subtype']}): {reading['reason']}", markup=False, highlight=False)
    if post["collaboration"]:
        out.print(f"  {post['collaboration']} with @{post['influencer']}", markup=False, highlight=False)
    if post["tone"]:
        n = len(post["tone"])
        out.print(f"  tone check: {n} flag{'s' if n != 1 else ''} (advice):", highlight=False)
        print_flags(post["tone"], indent="    ")
    if post["published_id"]:
        out.print(f"  published as {post['published_id']} {post['published_url'] or ''}", markup=False, highlight=False)
    if post["error"]:
        out.print(f"  last error: {post['error']}", markup=False, highlight=False)
    for warning in post.get("warnings", ()):
        out.print(f"Warning: {warning['why']}", markup=False, highlight=False)


@posts_app.command("draft")
def draft_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The post's text.")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="The source to publish through (its name, see `goodwill sources list`).")],
    at: Annotated[str | None, typer.Option("--at", help="Schedule it at once for this time (ISO 8601; UTC without an offset).", show_default=False)] = None,
    sponsored: Annotated[bool, typer.Option("--sponsored", help="A paid collaboration with --influencer.")] = False,
    pitched: Annotated[bool, typer.Option("--pitched", help="A collaboration pitched to --influencer (unpaid).")] = False,
    influencer: Annotated[str | None, typer.Option("--influencer", help="The influencer's handle, for --sponsored or --pitched.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the post as one JSON object.")] = False,
) -> None:
    """Write a draft for a channel: it is read as give or take and tone-checked, with the reasons shown.

    Example:

        goodwill posts draft "Winter riding: three checks before you go https://halcyon.example/winter" --channel fedi
    """
    from goodwill.service import posts

    kind = "sponsored" if sponsored else "pitched" if pitched else None
    with workspace_session(ctx) as ws:
        when = posts.parse_at(at) if at else None
        post = posts.draft(ws.store, ws.actor, text, channel, at=when, collaboration=kind, influencer=influencer)
    if as_json:
        _json(post)
        return
    _print_post(post)


@posts_app.command("schedule")
def schedule_command(
    ctx: typer.Context,
    post_id: Annotated[int, typer.Argument(help="The post's id.")],
    at: Annotated[str, typer.Option("--at", help="When it goes out (ISO 8601; UTC without an offset).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the post as one JSON object.")] = False,
) -> None:
    """Schedule a draft (or move a scheduled post) to go out at a time.

    Example:

        goodwill posts schedule 3 --at 2026-12-01T09:30Z
    """
    from goodwill.service import posts

    with workspace_session(ctx) as ws:
        post = posts.schedule(ws.store, ws.actor, post_id, posts.parse_at(at))
    if as_json:
        _json(post)
        return
    _print_post(post)


@posts_app.command("cancel")
def cancel_command(
    ctx: typer.Context,
    post_id: Annotated[int, typer.Argument(help="The post's id.")],
) -> None:
    """Cancel a draft or a scheduled post (a published post stays public).

    Example:

        goodwill posts cancel 3
    """
    from goodwill.service import posts

    with workspace_session(ctx) as ws:
        post = posts.cancel(ws.store, ws.actor, post_id)
    out.print(f"Post {post['id']} cancelled.", highlight=False)


@posts_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: posts (each with its reading and tone flags) and warnings.")] = False,
) -> None:
    """The plan: every post by its time with its reading, and the plan's warnings.

    Example:

        goodwill posts list
    """
    from goodwill.service import posts

    with workspace_session(ctx) as ws:
        plan = posts.plan(ws.store, ws.actor)
    if as_json:
        _json(plan)
        return
    for warning in plan["warnings"]:
        out.print(f"Warning: {warning['why']}", markup=False, highlight=False)
    if not plan["posts"]:
        out.print("No posts yet: `goodwill posts draft TEXT --channel SOURCE`.", highlight=False)
        return
    table = Table()
    for column in ("id", "when", "channel", "status", "reading", "tone", "text"):
        table.add_column(column)
    for p in plan["posts"]:
        text = " ".join(p["text"].split())
        table.add_row(str(p["id"]), (p["scheduled_at"] or "-")[:16], p["channel"], p["status"], p["reading"]["kind"],
                      ", ".join(f["code"] for f in p["tone"]) or "-", text[:80])
    out.print(table, markup=False, highlight=False)


@posts_app.command("publish-due")
def publish_due_command(
    ctx: typer.Context,
    reclaim_after: Annotated[int, typer.Option("--reclaim-after", min=0, help="Seconds after which a post claimed by a publisher that stopped is taken over.")] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per run: published (post_id, outcome, published_id, url, error).")] = False,
) -> None:
    """Publish the posts whose time has come, each exactly once (safe to run again, or after a crash).
    The listener (`goodwill listen`) runs it on every pass.

    Example:

        goodwill posts publish-due
    """
    from goodwill.service import posts

    with workspace_session(ctx) as ws:
        done = posts.publish_due(ws.store, ws.actor, environ=dict(os.environ), settings=ws.settings,
                                 reclaim_after=timedelta(seconds=reclaim_after))
    if as_json:
        _json({"published": [d.as_dict() for d in done]})
        return
    if not done:
        out.print("No posts due.", highlight=False)
    for d in done:
        tail = f" as {d.published_id} {d.url or ''}" if d.published_id else f": {d.error}" if d.error else ""
        out.print(f"Post {d.post_id}: {d.outcome}{tail}", markup=False, highlight=False)
    if any(d.outcome == "failed" for d in done):
        raise typer.Exit(1)


@posts_app.command("collaborations")
def collaborations_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: collaborations, each with the network's figures toward the influencer and the brand before and after.")] = False,
) -> None:
    """What each sponsored or pitched post cost: how the influencer's network engaged with and felt
    about the influencer and the brand in the 14 days before the post and the 14 days after.

    Example:

        goodwill posts collaborations
    """
    from goodwill.service import posts

    with workspace_session(ctx) as ws:
        found = posts.collaborations(ws.store, ws.actor)
    if as_json:
        _json({"collaborations": found})
        return
    if not found:
        out.print("No collaborations: mark a draft with --sponsored or --pitched and --influencer.", highlight=False)
    for c in found:
        flag = " [DRAINS TRUST]" if c.get("drains_trust") else ""
        out.print(f"Post {c['post']['id']}, {c['collaboration']} with @{c['influencer']} at {c['at'] or '-'}{flag}",
                  markup=False, highlight=False)
        out.print(f"  {c['why']}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(posts_app, name="posts")

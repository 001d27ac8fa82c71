"""Commands for people: the audience list, one person's relationship, merge and split, forget, retention."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out
from goodwill.cli.shell import workspace_session

people_app = typer.Typer(no_args_is_help=True)
retention_app = typer.Typer(
    help="The workspace's retention policy for personal data.\n\nExample:\n\n    goodwill retention set 365",
    no_args_is_help=True,
)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _handles(accounts: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['platform']}:@{a['handle']}" for a in accounts)


def _parts(title: str, score: dict[str, Any]) -> None:
    out.print(f"[bold]{title}: {score['score']:+d}[/]", highlight=False)
    for part in score["parts"]:
        out.print(f"  {part['points']:+d}  {part['name']}: {part['words']}", markup=False, highlight=False)
    if not score["parts"]:
        out.print("  nothing yet", highlight=False)


def _when(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ") + " UTC" if value else "never"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    from goodwill.service import people as service
    from goodwill.service import privacy

    @people_app.callback(invoke_without_command=True)
    def people_list(
        ctx: typer.Context,
        stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage: new, engaged, advocate, detractor, at-risk, lapsed.")] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=200, help="Most people to list.")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    ) -> None:
        """List the most recently active people with their stage and its reason.

        Example:

            goodwill people --stage at-risk --json
        """
        if ctx.invoked_subcommand is not None:
            return
        with workspace_session(ctx) as ws:
            data = service.list_people(ws.store, ws.actor, stage=stage, limit=limit)
        if as_json:
            _json(data)
            return
        table = Table(title=f"People as of {(data['as_of'] or '')[:10]}")
        for col in ("id", "accounts", "stage", "reason", "trust", "reciprocity"):
            table.add_column(col, justify="right" if col in ("id", "trust", "reciprocity") else "left")
        for p in data["items"]:
            table.add_row(str(p["id"]), _handles(p["accounts"]), p["stage"], p["reason"], f"{p['trust']:+d}",
                          f"{p['reciprocity']:+d}")
        out.print(table, markup=False, highlight=False)
        out.print(", ".join(f"{n} {s}" for s, n in sorted(data["stages"].items())) or "Nobody scored yet.", highlight=False)
        out.print(f"Scores as of {_when(data['scores_as_of'])}." if data["scores_as_of"] else
                  "Nobody is scored yet: `goodwill people rescore` scores everyone now.", highlight=False)

    @people_app.command("rescore")
    def people_rescore(ctx: typer.Context) -> None:
        """Score everyone again now: stage, trust, reciprocity, influence and outreach, with their reasons.

        The people list, the person page and the influencers read these scores.
        `goodwill import`, the listener and the web server score again on their
        own (GOODWILL_RESCORE_EVERY); this is for now.

        Example:

            goodwill people rescore
        """
        with workspace_session(ctx) as ws:
            done = service.rescore(ws.store, ws.actor)
        out.print(f"Scored {done['people']} people as of {_when(done['computed_at'])} "
                  f"(stages judged at {_when(done['judged_at'])}).", highlight=False)

    @people_app.command("merge")
    def people_merge(
        ctx: typer.Context,
        keep: Annotated[int, typer.Argument(help="The person who keeps every account.")],
        other: Annotated[int, typer.Argument(help="The person merged into KEEP.")],
    ) -> None:
        """Merge two people known to be one human (a split undoes it).

        Example:

            goodwill people merge 12 40
        """
        with workspace_session(ctx) as ws:
            done = service.merge(ws.store, ws.actor, keep, other)
        out.print(f"Person {other} merged into person {keep} ({len(done['accounts_moved'])} accounts moved).")

    @people_app.command("split")
    def people_split(
        ctx: typer.Context,
        person_id: Annotated[int, typer.Argument(metavar="PERSON", help="The person holding the account.")],
        account: Annotated[int, typer.Argument(help="The account to move out (its id, from `goodwill person`).")],
    ) -> None:
        """Move one account out of a person: back to the person a merge took it from, or to a new person.

        Example:

            goodwill people split 12 57
        """
        with workspace_session(ctx) as ws:
            done = service.split(ws.store, ws.actor, person_id, account)
        out.print(f"Account {account} is now person {done['to_person']}.")

    @people_app.command("link")
    def people_link(ctx: typer.Context) -> None:
        """Merge people whose accounts strong evidence says one human holds (same user id, verified links).

        Example:

            goodwill people link
        """
        with workspace_session(ctx) as ws:
            done = service.link(ws.store, ws.actor)
        for m in done["merged"]:
            out.print(f"Person {m['merged']} merged into person {m['person']}: {m['reason']}", markup=False,
                      highlight=False)
        out.print(f"{len(done['merged'])} merges.")

    @app.command("person")
    def person_show(
        ctx: typer.Context,
        person_id: Annotated[int, typer.Argument(metavar="ID", help="The person's id.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Show a person: accounts, stage with its reason, trust and reciprocity with their parts, influence and outreach.

        Example:

            goodwill person 12 --json
        """
        with workspace_session(ctx) as ws:
            data = service.person(ws.store, ws.actor, person_id, limit=10)
        if as_json:
            _json(data)
            return
        rel = data["relationship"]
        out.print(f"[bold]{data['display_name'] or 'Person ' + str(data['id'])}[/] (person {data['id']})", highlight=False)
        for a in data["accounts"]:
            out.print(f"  account {a['id']}: {a['platform']} @{a['handle']}", markup=False, highlight=False)
        out.print(f"Stage: [bold]{rel['stage']}[/]: {rel['reason']}", highlight=False)
        out.print(f"{rel['messages']} messages; the brand replied {rel['brand_replies']} times"
                  + (f", median answer {rel['median_answer_minutes']} minutes" if rel["median_answer_minutes"] is not None else ""),
                  highlight=False)
        _parts("Trust", rel["trust"])
        _parts("Reciprocity", rel["reciprocity"])
        out.print(f"Scores as of {_when(data['scores_as_of'])}." if data["scores_as_of"] else
                  "Not scored yet: stage, trust and reciprocity from their profile now; no influence until "
                  "the next scoring run (`goodwill people rescore`).", highlight=False)
        scores = data["scores"]
        if scores:
            out.print(f"[bold]Influence {scores['influence']:.3f}[/]: {'; '.join(scores['influence_reasons'])}", highlight=False)
            out.print(f"[bold]Outreach {scores['outreach']:.3f}[/]: {'; '.join(scores['outreach_reasons'])}", highlight=False)
        for ask in rel["asks"][:10]:
            state = f"answered in {ask['answer_minutes']} min" if ask["answered"] else "unanswered"
            out.print(f"  {ask['at'][:10]} {ask['intent']} ({state}): {ask['text'][:100]}", markup=False, highlight=False)

    @app.command("forget")
    def forget(
        ctx: typer.Context,
        person_id: Annotated[int, typer.Argument(metavar="PERSON", help="The person to erase.")],
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    ) -> None:
        """Erase a person everywhere: accounts, messages, signals, scores, and mentions of them in others' messages.

        The audit log keeps an entry that a person was forgotten, without who.

        Example:

            goodwill forget 12 --yes
        """
        if not yes and not typer.confirm(f"Erase person {person_id} and everything about them?"):
            raise typer.Exit(1)
        with workspace_session(ctx) as ws:
            done = privacy.forget(ws.store, ws.actor, person_id)
        out.print(f"Forgotten: {done['accounts']} accounts, {done['messages']} messages, "
                  f"{done['interactions']} interactions; {done['redacted_elsewhere']} other records redacted.")

    @retention_app.command("set")
    def retention_set(
        ctx: typer.Context,
        days: Annotated[int | None, typer.Argument(help="Days to keep others' messages; leave out to keep them until forgotten.")] = None,
    ) -> None:
        """Set how long personal data is kept.

        Example:

            goodwill retention set 365
        """
        with workspace_session(ctx) as ws:
            privacy.set_retention(ws.store, ws.actor, days)
        out.print(f"Personal data is kept {days} days." if days else "Personal data is kept until forgotten.")

    @retention_app.command("show")
    def retention_show(ctx: typer.Context) -> None:
        """Show the retention policy.

        Example:

            goodwill retention show
        """
        with workspace_session(ctx) as ws:
            policy = privacy.retention(ws.store, ws.actor)
        days = policy["retention_days"]
        out.print(f"Personal data is kept {days} days." if days else "Personal data is kept until forgotten.")
        out.print(f"Scheduled run: last {_when(policy['last_run_at'])}, next {_when(policy['next_run_at'])} "
                  "(the web server or the listener runs it once a day).", highlight=False)

    @retention_app.command("run")
    def retention_run(ctx: typer.Context) -> None:
        """Delete personal data older than the policy allows, now.

        The web server and the listener apply the policy on their own once a
        day (`goodwill retention show` says when); this runs it at once.

        Example:

            goodwill retention run
        """
        with workspace_session(ctx) as ws:
            done = privacy.apply_retention(ws.store, ws.actor)
        if done["retention_days"] is None:
            out.print("No retention policy: nothing deleted (`goodwill retention set DAYS` sets one).")
            return
        out.print(f"Deleted {done['messages']} messages, {done['accounts']} accounts and {done['people']} people "
                  f"from before {done['cutoff'][:10]}.")

    app.add_typer(people_app, name="people")
    app.add_typer(retention_app, name="retention")

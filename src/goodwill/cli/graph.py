"""Commands for the graph capability: influence and communities, from files, no workspace needed."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from goodwill.cli.scoring import Problem, influence_from_edges, load_edges, params, report, write_scores

if TYPE_CHECKING:
    from goodwill.service.graph import Edges


def _fail(message: str) -> typer.Exit:
    report(message)
    return typer.Exit(1)


def _load_edges(path: Path, topic: str | None) -> Edges:
    try:
        return load_edges(path, topic)
    except Problem as exc:
        raise _fail(str(exc)) from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""

    @app.command()
    def influence(
        accounts: Annotated[Path | None, typer.Option("--accounts", help="CSV of per-account figures: account, followers, following, listed, mentions_received, reposts_received, mentions_sent, reposts_sent, posts.", show_default=False)] = None,
        edges: Annotated[Path | None, typer.Option("--edges", help="CSV of interactions: source, target, kind (reply, mention, repost, quote), time (ISO 8601 or Unix seconds)[, topic].", show_default=False)] = None,
        topic: Annotated[str | None, typer.Option("--topic", help="Score within one topic (--edges with a topic column).", show_default=False)] = None,
        half_life: Annotated[float, typer.Option("--half-life", min=0.01, help="Days for an interaction's weight to halve (--edges).")] = 30.0,
        now: Annotated[str | None, typer.Option("--now", help="Measure ages from this time (--edges) \\[default: the latest interaction].", show_default=False)] = None,
        top: Annotated[int | None, typer.Option("--top", min=1, help="Print only the N most influential accounts.", show_default=False)] = None,
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of CSV.")] = False,
    ) -> None:
        """Score accounts' influence (what others do with them) and outreach (what
        they give others), with the top reasons in words, as CSV on standard output:
        account, influence, outreach, influence_reasons, outreach_reasons; most
        influential first. 1.0 is an average (--edges) or typical (--accounts)
        account; an empty score is unknown. See docs/influence.md.

        With --accounts, a missing column or an empty cell is unknown, not zero.

        Example:

            goodwill influence --edges interactions.csv --top 20
        """
        if (accounts is None) == (edges is None):
            raise _fail("give either --accounts FILE or --edges FILE")
        if edges is not None:
            try:
                influence_from_edges(edges, topic, half_life, now, top, as_json)
            except Problem as exc:
                raise _fail(str(exc)) from None
            return
        assert accounts is not None
        if topic is not None:
            raise _fail("--topic needs --edges")
        from goodwill.errors import GoodwillError
        from goodwill.service.graph import read_accounts, score_accounts

        try:
            scores = score_accounts(read_accounts(accounts))
        except GoodwillError as exc:
            raise _fail(str(exc)) from None
        write_scores(scores, as_json, top)

    @app.command()
    def communities(
        ctx: typer.Context,
        edges: Annotated[Path | None, typer.Option("--edges", help="CSV of interactions, as for `goodwill influence --edges` \\[default: the workspace's interactions].", show_default=False)] = None,
        topic: Annotated[str | None, typer.Option("--topic", help="Only interactions about this topic.", show_default=False)] = None,
        min_size: Annotated[int, typer.Option("--min-size", min=1, help="Leave out communities smaller than this.")] = 3,
        half_life: Annotated[float, typer.Option("--half-life", min=0.01, help="Days for an interaction's weight to halve.")] = 30.0,
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of CSV.")] = False,
    ) -> None:
        """Find communities (Leiden) in an interaction graph and print each, largest
        first: community, size, inner_interactions, central (most influential
        members), generous (most outreach), topics.

        With --edges FILE, the graph of a CSV file, printed as CSV, no workspace
        needed. Without it, the workspace's interactions, as a table, each
        community's topics being the commonest of its members' messages
        (`goodwill topics refresh` computes them).

        Example:

            goodwill communities --edges interactions.csv --min-size 10
        """
        if edges is None:
            if topic is not None:
                raise _fail("--topic needs --edges")
            from goodwill.cli.topics import communities_of_workspace

            communities_of_workspace(ctx, min_size, as_json)
            return
        from goodwill.service.graph import find_communities, score_edges

        graph = _load_edges(edges, topic)
        knobs = params(half_life)
        found = find_communities(graph, score_edges(graph, knobs), min_size=min_size, params=knobs)
        rows: list[dict[str, Any]] = [
            {"community": c.id, "size": c.size, "inner_interactions": c.inner_interactions,
             "central": c.central, "generous": c.generous, "topics": c.topics}
            for c in found
        ]
        if as_json:
            for row in rows:
                sys.stdout.write(json.dumps(row) + "\n")
            return
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["community", "size", "inner_interactions", "central", "generous", "topics"])
        for row in rows:
            writer.writerow([row["community"], row["size"], row["inner_interactions"],
                             "; ".join(row["central"]), "; ".join(row["generous"]), "; ".join(row["topics"])])

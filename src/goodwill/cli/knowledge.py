"""Commands for the knowledge base: `goodwill kb import|list|remove|suggest`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from goodwill.cli.console import out, reporting
from goodwill.cli.shell import workspace_session
from goodwill.errors import ConfigError

kb_app = typer.Typer(
    help="The knowledge base: help articles to link in replies, and the best ones for a customer's message.\n\n"
         "Example:\n\n    goodwill kb import articles.jsonl && goodwill kb suggest \"my battery will not charge\"",
    no_args_is_help=True,
)


def _line(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _short(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "score": row["score"], "title": row["title"]}


@kb_app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A JSONL file (one article per line: id, title, body, url, tags), a Markdown file, or a folder of them.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as one JSON object.")] = False,
) -> None:
    """Add or update knowledge-base articles from a file; an id already stored is updated.

    The whole file is checked first and written in one transaction: a bad
    article (named by file and line) changes nothing. Importing the same file
    again changes nothing. Markdown files take their id, title, url and tags
    from YAML front matter, or the title from the first `# heading` and the id
    from the file's path. Needs the manager role.

    Example:

        goodwill kb import help-centre/
    """
    from goodwill.service import knowledge

    with workspace_session(ctx) as ws:
        done = knowledge.import_articles(ws.store, ws.actor, path)
    if as_json:
        _line({"added": done.added, "updated": done.updated, "unchanged": done.unchanged})
        return
    out.print(f"{done.added:,} added, {done.updated:,} updated, {done.unchanged:,} unchanged.", highlight=False)


@kb_app.command("list")
def list_(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Option("--tag", help="Only articles with this tag.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines (id, title, body, url, tags, updated_at).")] = False,
) -> None:
    """List the knowledge base's articles by id.

    Example:

        goodwill kb list --tag battery
    """
    from goodwill.service import knowledge

    with workspace_session(ctx) as ws:
        rows = knowledge.articles(ws.store, ws.actor, tag=tag)
    if as_json:
        for row in rows:
            _line(row)
        return
    if not rows:
        out.print("No articles: add some with goodwill kb import FILE.")
        return
    table = Table()
    for column in ("id", "title", "url", "tags"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["title"], row["url"], ", ".join(row["tags"]))
    out.print(table, markup=False, highlight=False)


@kb_app.command("remove")
def remove(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.", show_default=False)],
) -> None:
    """Remove one article from the knowledge base. Needs the manager role.

    Example:

        goodwill kb remove battery-care
    """
    from goodwill.service import knowledge

    with workspace_session(ctx) as ws:
        knowledge.remove_article(ws.store, ws.actor, article_id)
    out.print(f"Removed article {article_id}.", markup=False, highlight=False)


@kb_app.command("suggest")
def suggest(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The customer's message.", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only articles with this tag.", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", "-k", min=1, max=100, help="How many articles.")] = 5,
    queries: Annotated[Path | None, typer.Option("--queries", help="A JSONL file of messages (text, optional tag and id): one JSON line of ranked article ids per message.", show_default=False)] = None,
    case: Annotated[int | None, typer.Option("--case", min=1, help="Suggest for this case's question (its customer's latest messages).", show_default=False)] = None,
    articles: Annotated[Path | None, typer.Option("--articles", help="Rank the articles of this JSONL or Markdown file instead of the workspace's (no workspace needed).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array (id, url, score, title, and the parts of the score).")] = False,
) -> None:
    """The best knowledge-base articles for a customer's message, best first:
    a hybrid of BM25 and the shared sentence encoder (see docs/knowledge-base.md).

    Ranks the workspace's articles (after `goodwill kb import`), or with
    `--articles FILE` those of a file, without a workspace. `--case ID`
    suggests for a case's question. With `--queries`,
    prints one JSON line per message: `{"line", "id", "tag", "ids", "articles"}`.

    Example:

        goodwill kb suggest "my battery dies after 10 km" --tag battery --top 3 --json
    """
    from goodwill.service import knowledge

    if (text is not None) + (queries is not None) + (case is not None) != 1:
        with reporting():
            raise ConfigError("give one of the customer's TEXT, --queries FILE.jsonl or --case ID")
    if case is not None:
        with workspace_session(ctx) as ws:
            found = knowledge.suggest_for_case(ws.store, ws.actor, case, tag=tag, top=top)
        if as_json:
            sys.stdout.write(json.dumps(found["items"], ensure_ascii=False, indent=2) + "\n")
        else:
            _show(found["items"], tag)
        return
    with reporting():
        asked = knowledge.queries(queries) if queries is not None else [(1, text or "", tag, None)]
        pairs = [(q_text, q_tag) for _, q_text, q_tag, _ in asked]
        if articles is not None:
            ranked = knowledge.suggest_from_file(articles, pairs, top=top)
    if articles is None:
        with workspace_session(ctx) as ws:
            ranked = knowledge.suggest_many(ws.store, ws.actor, pairs, top=top)
    if queries is not None:
        for (line, _, q_tag, q_id), rows in zip(asked, ranked, strict=True):
            _line({"line": line, "id": q_id, "tag": q_tag, "ids": [r["id"] for r in rows],
                   "articles": [_short(r) for r in rows]})
        return
    rows = ranked[0]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    _show(rows, tag)


def _show(rows: list[dict[str, Any]], tag: str | None) -> None:
    if not rows:
        out.print("No articles to suggest" + (f" with the tag {tag!r}." if tag else ": the knowledge base is empty."),
                  markup=False, highlight=False)
        return
    table = Table()
    for column in ("#", "score", "article", "link", "why"):
        table.add_column(column)
    for n, row in enumerate(rows, start=1):
        table.add_row(str(n), f"{row['score']:.3f}", f"{row['title']} ({row['id']})", row["url"], row["reason"])
    out.print(table, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(kb_app, name="kb")


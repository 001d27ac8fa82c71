"""The `goodwill` command: the app, its global options, and its command groups.

Each group lives in its own module (`workspace`, `imports`, `sources`,
`listening`, `understand`, `web`) and registers its commands here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from goodwill import __version__
from goodwill.cli.console import fail, out
from goodwill.cli.shell import ShellState
from goodwill.config import load_settings
from goodwill.errors import GoodwillError

app = typer.Typer(
    name="goodwill",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"goodwill {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", envvar="GOODWILL_WORKSPACE", show_default="./goodwill-workspace",
                     help="Workspace directory."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="GOODWILL_DATABASE_URL", help="PostgreSQL URL to use instead of the workspace's SQLite file."),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", envvar="GOODWILL_AS", show_default="the operator, as the workspace's owner",
                     help="Act as this Goodwill user, with that user's role (recorded as `USER (via cli:<you>)`)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Goodwill: listen, respond and earn trust on social media, one person at a time.

    Goodwill keeps a workspace: a store of public conversations about one brand.

    At the terminal you act as the local operator (`cli:<your user name>`),
    the workspace's owner, unless `--as USER` names a Goodwill user.

    Example:

        goodwill demo --no-serve && goodwill status
    """
    values: dict[str, Any] = {}
    if workspace is not None:
        values["workspace"] = workspace
    if database_url:
        values["database_url"] = database_url
    try:
        ctx.obj = ShellState(load_settings(**values), as_user or None)
    except GoodwillError as exc:
        fail(exc)


from goodwill.cli import advocacy as _advocacy  # noqa: E402
from goodwill.cli import cases as _cases  # noqa: E402
from goodwill.cli import classify as _classify  # noqa: E402
from goodwill.cli import giving as _giving  # noqa: E402
from goodwill.cli import graph as _graph  # noqa: E402
from goodwill.cli import imports as _imports  # noqa: E402
from goodwill.cli import knowledge as _knowledge  # noqa: E402
from goodwill.cli import listening as _listening  # noqa: E402
from goodwill.cli import people as _people  # noqa: E402
from goodwill.cli import posts as _posts  # noqa: E402
from goodwill.cli import report as _report  # noqa: E402
from goodwill.cli import routing as _routing  # noqa: E402
from goodwill.cli import sources as _sources  # noqa: E402
from goodwill.cli import tone as _tone  # noqa: E402
from goodwill.cli import topics as _topics  # noqa: E402
from goodwill.cli import understand as _understand  # noqa: E402
from goodwill.cli import web as _web  # noqa: E402
from goodwill.cli import workspace as _workspace  # noqa: E402

for _group in (_workspace, _imports, _web, _sources, _listening, _classify, _understand, _graph, _topics, _people, _tone, _routing,
               _advocacy, _giving, _knowledge, _report, _cases, _posts):
    _group.register(app)


def main() -> None:
    app()

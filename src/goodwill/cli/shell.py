"""What every command shares: the consoles, the settings, and failing with a one-line message."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from goodwill.config import Settings
from goodwill.errors import GoodwillError

out = Console()
err = Console(stderr=True)


def fail(exc: GoodwillError) -> NoReturn:
    """A GoodwillError becomes one line on standard error and its class's exit code."""
    err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the app's callback built (sub-commands' contexts hang below the app's)."""
    settings: Settings = ctx.find_root().obj
    return settings

"""What every command shares: the consoles, the settings and actor options,
opening a workspace, and failing with a one-line message.

    with workspace_session(ctx) as ws:      # opens the store, resolves the actor
        rows = search.search_messages(ws.store, ws.actor, query)

Any GoodwillError raised inside becomes one line on standard error and the
error's exit code; the store is closed either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions

from goodwill.config import Settings
from goodwill.errors import GoodwillError
from goodwill.service import workspace as workspace_service
from goodwill.service.workspace import Session

#: Output that is not a terminal (a pipe, a file) is not wrapped.
UNWRAPPED = 100_000


class ShellConsole(Console):
    """A console that wraps at the terminal's width, and not at all when writing elsewhere."""

    @property
    def size(self) -> ConsoleDimensions:
        if self.is_terminal or self._width is not None:
            return super().size
        return ConsoleDimensions(UNWRAPPED, 25)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = ShellConsole()
err = ShellConsole(stderr=True)


@dataclass
class ShellState:
    """What the app's callback gathered: the settings and `--as`."""

    settings: Settings
    as_user: str | None = None


def fail(exc: GoodwillError) -> NoReturn:
    """A GoodwillError becomes one line on standard error and its exit code."""
    err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def state_of(ctx: typer.Context) -> ShellState:
    state = ctx.find_root().obj
    if isinstance(state, Settings):  # a caller that set plain settings
        return ShellState(state)
    assert isinstance(state, ShellState)
    return state


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the app's callback built (sub-commands' contexts hang below the app's)."""
    return state_of(ctx).settings


@contextmanager
def reporting() -> Iterator[None]:
    """Turn a GoodwillError raised inside into one line and an exit code."""
    try:
        yield
    except GoodwillError as exc:
        fail(exc)


@contextmanager
def workspace_session(ctx: typer.Context) -> Iterator[Session]:
    """Open the workspace, resolve who acts (the operator, or `--as USER`), and
    close it afterwards; a GoodwillError becomes one line and an exit code."""
    state = state_of(ctx)
    with reporting(), workspace_service.session(state.settings, state.as_user) as ws:
        yield ws


def _hide_flag_types() -> None:
    """Plain flags (`--json`, `--force`, `--help`) take no value, so help shows
    no type for them; Typer would print `<bool>`."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_goodwill", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    display_type_rich._goodwill = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_hide_flag_types()

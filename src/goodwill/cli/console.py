"""The consoles every command writes to, and failing with a one-line message.

This module loads no workspace, store or service layer, so commands that work on
files alone (`goodwill classify`) start fast; `cli.shell` adds the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions

from goodwill.errors import GoodwillError

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


def fail(exc: GoodwillError) -> NoReturn:
    """A GoodwillError becomes one line on standard error and its exit code."""
    err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def standalone(register: Callable[[typer.Typer], None]) -> typer.Typer:
    """An app holding only the commands `register` adds, for `goodwill.cli.launch` (commands on files alone)."""
    app = typer.Typer(name="goodwill", add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich")
    register(app)
    return app


@contextmanager
def reporting() -> Iterator[None]:
    """Turn a GoodwillError raised inside into one line and an exit code."""
    try:
        yield
    except GoodwillError as exc:
        fail(exc)


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

"""What every command that reads a workspace shares: the settings and actor
options, and opening a workspace (the consoles and failing with a one-line
message come from `cli.console`).

    with workspace_session(ctx) as ws:      # opens the store, resolves the actor
        rows = search.search_messages(ws.store, ws.actor, query)

Any GoodwillError raised inside becomes one line on standard error and the
error's exit code; the store is closed either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from goodwill.cli.console import reporting
from goodwill.config import Settings
from goodwill.service import workspace as workspace_service
from goodwill.service.workspace import Session


@dataclass
class ShellState:
    """What the app's callback gathered: the settings and `--as`."""

    settings: Settings
    as_user: str | None = None


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
def workspace_session(ctx: typer.Context) -> Iterator[Session]:
    """Open the workspace, resolve who acts (the operator, or `--as USER`), and
    close it afterwards; a GoodwillError becomes one line and an exit code."""
    state = state_of(ctx)
    with reporting(), workspace_service.session(state.settings, state.as_user) as ws:
        yield ws

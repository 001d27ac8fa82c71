"""Helpers for the listening tests: run the CLI, read the store."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.store import Store

FAST = {
    "GOODWILL_LISTEN_MAX_WAIT": "0.5",
    "GOODWILL_LISTEN_BACKOFF_BASE": "0.05",
    "GOODWILL_LISTEN_TIMEOUT": "5",
    "GOODWILL_LISTEN_ATTEMPTS": "4",
}


def cli_args(settings: Settings) -> list[str]:
    args = ["--workspace", str(settings.workspace)]
    if settings.database_url:
        args += ["--database-url", settings.database_url]
    return args


def cli(settings: Settings, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run `goodwill` in-process; returns the click result."""
    merged = {**FAST, **(env or {})}
    return CliRunner().invoke(app, [*cli_args(settings), *args], env=merged, catch_exceptions=False)


def cli_process(settings: Settings, *args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    """Start `goodwill` as a real process."""
    full_env = {**os.environ, **FAST, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "goodwill", *cli_args(settings), *args],
        env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )


def rows(store: Store, sql: str, **params: Any) -> list[Any]:
    with store.begin() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def scalar(store: Store, sql: str, **params: Any) -> Any:
    with store.begin() as conn:
        return conn.execute(sa.text(sql), params).scalar()

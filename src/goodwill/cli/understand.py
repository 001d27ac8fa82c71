"""Commands for the understand capability: enrich, train (classify: `cli.classify`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli.console import err, out, reporting
from goodwill.cli.shell import workspace_session

if TYPE_CHECKING:

    from goodwill.service.understanding import Mode
    from goodwill.service.workspace import Session


def _enrich(ws: Session, mode: Mode = "cascade", *, force: bool = False) -> int:
    """`backfill` with a progress bar on standard error when it is a terminal (also `goodwill import --wait`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from goodwill.service import understanding

    todo = understanding.count_to_enrich(ws.store, ws.actor, mode, force=force)
    with Progress("Enriching", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("enrich", total=todo)
        return understanding.backfill(ws.store, ws.actor, sentiment=mode, force=force, progress=lambda n: bar.advance(task, n))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""

    @app.command()
    def enrich(
        ctx: typer.Context,
        fast: Annotated[bool, typer.Option("--fast", help="The fast models only: fills in messages with no signals, never replaces the encoder's.")] = False,
        accurate: Annotated[bool, typer.Option("--accurate", help="The encoder on every message, not only those that might reach the inbox.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Read every message again, whatever models gave its signals.")] = False,
    ) -> None:
        """Store signals for messages that have none, or only provisional ones
        (the fast models'), or ones from other models (e.g. after an upgrade).

        Import and listening store the fast models' signals with the messages
        (provisional); this is the accurate pass that follows (the cascade:
        the encoder reads again every message that might reach the inbox).
        The listener and the web server run it in the background too. It
        goes a batch at a time and resumes where it stopped. Signals are never
        replaced by a weaker model's unless `--force`; a model that is not
        installed stops it with one line.

        Example:

            goodwill enrich
        """
        from goodwill.errors import ConfigError
        from goodwill.service import understanding

        mode: understanding.Mode = "fast" if fast else "accurate" if accurate else "cascade"
        with workspace_session(ctx) as ws, reporting():
            if fast and accurate:
                raise ConfigError("--fast and --accurate exclude each other")
            done = _enrich(ws, mode, force=force)
            out.print(f"Stored signals for {done:,} messages ({understanding.model_version(mode)}).")

    @app.command()
    def train(
        task: Annotated[str, typer.Option("--task", help="intent (intent, needs_response and urgency), sentiment, all (both), or give-take (the give-or-take heads of the brand's posts).")] = "intent",
        data: Annotated[Path | None, typer.Option("--data", show_default="../shared/data", help="The shared data folder.")] = None,
        out: Annotated[Path | None, typer.Option("--out", show_default="the package's models folder", help="Where the intent heads (or the give-take model) go.")] = None,
        fast_only: Annotated[bool, typer.Option("--fast-only", help="Train only the fast intent head (no encoder or torch needed).")] = False,
    ) -> None:
        """Train the understanding models from the labelled data (seeded, reproducible).

        Writes the artifacts into the package's models folder and prints
        held-out scores.

        Example:

            goodwill train --task intent
        """
        from goodwill.service.understanding import train as train_models

        with reporting():
            train_models(task, data, out, fast_only=fast_only)

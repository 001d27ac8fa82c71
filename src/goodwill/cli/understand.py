"""Commands for the understand capability: classify, enrich, train."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli.shell import err, out, reporting, workspace_session

if TYPE_CHECKING:
    from rich.console import Console

    from goodwill.service.understanding import Mode
    from goodwill.service.workspace import Session


@contextlib.contextmanager
def _progress(console: Console, path: Path | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the bytes of `path` (a spinner for stdin) on standard error, only when it is a terminal."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn, TransferSpeedColumn

    total = path.stat().st_size if path is not None and path.is_file() else None
    with Progress("Classifying", BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("classify", total=total)
        yield lambda n: bar.advance(task, n)


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
    def classify(
        file: Annotated[str, typer.Argument(help="A .txt (one message a line), .csv or .jsonl file; - for standard input.")] = "-",
        format: Annotated[str | None, typer.Option("--format", "-f", help="txt, csv or jsonl; guessed from the file name when left out (stdin: txt).")] = None,
        text_column: Annotated[str, typer.Option("--text-column", "-c", help="The CSV column or JSONL field holding the text.")] = "text",
        fast: Annotated[bool, typer.Option("--fast", help="The fast models only (no encoder pass).")] = False,
        accurate: Annotated[bool, typer.Option("--accurate", help="The encoder on every message, not only those that might reach the inbox.")] = False,
        workers: Annotated[int | None, typer.Option(
            "--workers", "-j", min=1, max=64,
            help="Processes to classify with (default: one per core, at most 4, for a file of 4 MB or more; else one).")] = None,
    ) -> None:
        """Print the signals of each message as JSON lines, in input order.

        Each line has language, sentiment, sentiment_scores, intent,
        intent_scores, needs_response, urgency, aspects, promotional and
        model_version. By default every message gets the fast models and
        every message that might reach the inbox (a possible question or
        complaint, negative, urgent or unsure) is read again by the encoder;
        `--fast` skips the encoder, `--accurate` runs it on every message.
        A record that cannot be read (binary data, bytes that are not UTF-8,
        a JSONL line that is not JSON or lacks the text field) stops the run
        with its file and line; blank lines get a line too. On a terminal,
        a progress bar shows on standard error.

        Example:

            goodwill classify mentions.csv --text-column body > signals.jsonl
        """
        from goodwill.errors import ConfigError
        from goodwill.service.understanding import auto_workers, classify_file

        path = None if file == "-" else Path(file)
        if workers is None:
            workers = auto_workers(path)
        stdout = typer.get_binary_stream("stdout")
        mode: Mode = "fast" if fast else "accurate" if accurate else "cascade"
        try:
            with reporting():
                if fast and accurate:
                    raise ConfigError("--fast and --accurate exclude each other")
                with _progress(err, path) as advance:
                    for lines in classify_file(path, format, text_column, mode=mode, workers=workers, progress=advance):
                        stdout.write(lines)
        finally:
            stdout.flush()

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

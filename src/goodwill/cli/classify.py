"""`goodwill classify`: the signals of a file's messages, without a workspace.

It loads no workspace, store or service layer (`goodwill.cli.launch` runs it on
an app of its own), so it starts in a fraction of a second.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli.console import err, reporting

if TYPE_CHECKING:
    from rich.console import Console

    from goodwill.service.classify import Mode


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


def register(app: typer.Typer) -> None:
    """Add this module's command to the app."""

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
        from goodwill.service.classify import auto_workers, classify_file

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

"""Commands for the understand capability: classify, enrich, train."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from goodwill.understand.enrich import Mode

BATCH = 2048


@contextlib.contextmanager
def _progress(err: Console, path: Path | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over the bytes of `path` (a spinner for stdin) on standard error, only when it is a terminal."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeElapsedColumn, TransferSpeedColumn

    total = path.stat().st_size if path is not None and path.is_file() else None
    with Progress("Classifying", BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("classify", total=total)
        yield lambda n: bar.advance(task, n)


def _chunks(texts: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for t in texts:
        chunk.append(t)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def classify_lines(texts: list[str], mode: Mode = "cascade") -> bytes:
    """JSON lines with the signals of `texts` (also the worker function of `--workers`)."""
    import orjson

    from goodwill.understand.enrich import enrich

    return b"".join(orjson.dumps(r) + b"\n" for r in enrich(texts, sentiment=mode).records())


def _one_thread() -> None:
    """Pool initializer: several worker processes share the cores, so each encoder gets one thread."""
    from goodwill.understand import encoder

    encoder.set_threads(1)


def _in_pool(chunks: Iterator[list[str]], workers: int, mode: Mode) -> Iterator[bytes]:
    """`classify_lines` over a process pool, in order, with at most two chunks
    per worker in flight (Pool.imap would read the whole input ahead)."""
    import multiprocessing
    from collections import deque
    from multiprocessing.pool import AsyncResult

    with multiprocessing.get_context("spawn").Pool(workers, initializer=_one_thread) as pool:
        pending: deque[AsyncResult[bytes]] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(classify_lines, (chunk, mode)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""

    @app.command()
    def classify(
        file: Annotated[str, typer.Argument(help="A .txt (one message a line), .csv or .jsonl file; - for standard input.")] = "-",
        format: Annotated[str | None, typer.Option("--format", "-f", help="txt, csv or jsonl; guessed from the file name when left out (stdin: txt).")] = None,
        text_column: Annotated[str, typer.Option("--text-column", "-c", help="The CSV column or JSONL field holding the text.")] = "text",
        fast: Annotated[bool, typer.Option("--fast", help="The fast models only (no encoder pass).")] = False,
        accurate: Annotated[bool, typer.Option("--accurate", help="The encoder on every message, not only those that might reach the inbox.")] = False,
        workers: Annotated[int, typer.Option("--workers", "-j", min=1, max=64, help="Processes to classify with.")] = 1,
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
        from rich.console import Console

        from goodwill.errors import ConfigError, GoodwillError
        from goodwill.ingest.readers.texts import read_texts
        from goodwill.understand import encoder

        err = Console(stderr=True)
        path = None if file == "-" else Path(file)
        stdout = typer.get_binary_stream("stdout")
        mode: Mode = "fast" if fast else "accurate" if accurate else "cascade"
        try:
            if fast and accurate:
                raise ConfigError("--fast and --accurate exclude each other")
            if mode != "fast":
                encoder.require()
            with _progress(err, path) as advance:
                chunks = _chunks(read_texts(path, format, text_column, progress=advance), BATCH)
                if workers > 1:
                    for lines in _in_pool(chunks, workers, mode):
                        stdout.write(lines)
                else:
                    for chunk in chunks:
                        stdout.write(classify_lines(chunk, mode))
            stdout.flush()
        except GoodwillError as exc:
            stdout.flush()
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    @app.command()
    def enrich(
        ctx: typer.Context,
        accurate: Annotated[bool, typer.Option("--accurate", help="Re-score the sentiment of messages that need a response with the accurate model, where it is installed (the cascade).")] = False,
    ) -> None:
        """Compute and store signals for messages that have none, or whose
        signals came from other models (e.g. after an upgrade).

        Import and listening store signals as they go, with the fast
        sentiment model; `--accurate` adds the accurate one for the
        messages that need a response.

        Example:

            goodwill enrich
        """
        from rich.console import Console

        from goodwill.errors import GoodwillError
        from goodwill.service import workspace as service
        from goodwill.store.signals import backfill, count_missing
        from goodwill.understand.enrich import model_version

        mode: Mode = "cascade" if accurate else "fast"
        out, err = Console(), Console(stderr=True)
        try:
            store = service.open_workspace(ctx.obj)
        except GoodwillError as exc:
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        try:
            with store.begin() as conn:
                todo = count_missing(conn, model_version(mode))
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            with Progress("Enriching", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
                          disable=not err.is_terminal) as bar:
                task = bar.add_task("enrich", total=todo)
                done = backfill(store, sentiment=mode, progress=lambda n: bar.advance(task, n))
        finally:
            store.close()
        out.print(f"Stored signals for {done:,} messages ({model_version(mode)}).")

    @app.command()
    def train(
        task: Annotated[str, typer.Option("--task", help="intent (intent and needs_response), sentiment, or all.")] = "intent",
        data: Annotated[Path | None, typer.Option("--data", help="The shared data folder [default: ../shared/data].")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Where the intent model goes [default: the package's models folder].")] = None,
    ) -> None:
        """Train the understanding models from the labelled data (seeded, reproducible).

        Writes the artifacts into the package's models folder and prints
        held-out scores.

        Example:

            goodwill train --task intent
        """
        from goodwill.understand.training import train as trainer

        args = ["--task", task] + (["--data", str(data)] if data else []) + (["--out", str(out)] if out else [])
        trainer.main(args)

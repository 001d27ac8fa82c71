"""Understanding for a workspace: backfilling stored messages' signals, and
the workspace-free bits the shells offer (classifying a file, training).

The models stay pure (texts in, signals out); saving their signals happens
here and in ingest. `enrich` needs the manager role and writes one audit
entry (`signals.enrich`, with the count) on the transaction of its last batch.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path

import orjson

from goodwill.domain.team import Actor, Role
from goodwill.errors import ConfigError
from goodwill.ingest.prepare import signal_rows
from goodwill.ingest.readers.texts import read_texts
from goodwill.service.audit import record, require
from goodwill.service.cases import sync_messages, system_actor
from goodwill.store import Store
from goodwill.store.signals import count_missing, missing, write_signals
from goodwill.understand.enrich import Mode, enrich, model_version

__all__ = ["ENRICH_ROLE", "TRAIN_TASKS", "Mode", "backfill", "classify_file", "count_to_enrich", "model_version", "train"]

ENRICH_ROLE = Role.MANAGER
TRAIN_TASKS = ("intent", "sentiment", "all", "give-take")
#: Texts classified per batch (and per worker task).
BATCH = 2048


def count_to_enrich(store: Store, actor: Actor, mode: Mode = "fast") -> int:
    """Messages without signals from the current models."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return count_missing(conn, model_version(mode))


def backfill(
    store: Store,
    actor: Actor | None = None,
    *,
    sentiment: Mode = "fast",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute and store signals for messages that lack them or whose
    model_version differs from the current models'. Returns how many.

    :param sentiment: as for `enrich`; "cascade" re-scores the sentiment of
        the messages that need a response with the accurate model."""
    if actor is not None:
        require(actor, ENRICH_ROLE)
    version = model_version(sentiment)
    done = 0
    last = 0
    while True:
        with store.begin() as conn:
            found = missing(conn, version, after=last, limit=batch_size)
            if found:
                batch = enrich([r[1] for r in found], sentiment=sentiment, is_brand=[r[2] for r in found])
                write_signals(conn, [[r[0], *row] for r, row in zip(found, signal_rows(batch), strict=True)])
                sync_messages(conn, [r[0] for r in found], actor or system_actor("enrich"))
                done += len(found)
            if len(found) < batch_size:  # the last batch: its transaction carries the run's audit entry
                if actor is not None and done:
                    record(conn, actor, "signals.enrich", "messages", messages=done, model_version=version)
                if progress and found:
                    progress(len(found))
                return done
        last = found[-1][0]
        if progress:
            progress(len(found))


# -- without a workspace --------------------------------------------------------


def classify_lines(texts: list[str], mode: Mode = "cascade") -> bytes:
    """JSON lines with the signals of `texts` (also the worker function of `workers`)."""
    return b"".join(orjson.dumps(r) + b"\n" for r in enrich(texts, sentiment=mode).records())


def _one_thread() -> None:
    """Pool initializer: several worker processes share the cores, so each encoder gets one thread."""
    from goodwill.understand import encoder

    encoder.set_threads(1)


def _chunks(texts: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for t in texts:
        chunk.append(t)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_pool(chunks: Iterator[list[str]], workers: int, mode: Mode) -> Iterator[bytes]:
    """`classify_lines` over a process pool, in order, with at most two chunks
    per worker in flight (Pool.imap would read the whole input ahead)."""
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_one_thread) as pool:
        pending: deque[AsyncResult[bytes]] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(classify_lines, (chunk, mode)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def classify_file(
    path: Path | None, fmt: str | None, text_column: str, *, mode: Mode = "cascade", workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """JSON lines of signals for each record of a file (None: standard input), in
    input order, a batch at a time. A mode that needs the encoder checks first
    that it is installed.

    :param progress: called now and then with the number of bytes read since its last call
    """
    if mode != "fast":
        from goodwill.understand import encoder

        encoder.require()
    chunks = _chunks(read_texts(path, fmt, text_column, progress=progress), BATCH)
    if workers > 1:
        yield from _in_pool(chunks, workers, mode)
    else:
        for chunk in chunks:
            yield classify_lines(chunk, mode)


def train(task: str, data: Path | None = None, out: Path | None = None, *, fast_only: bool = False) -> None:
    """Train the understanding models from the shared data folder (seeded, reproducible)."""
    if task not in TRAIN_TASKS:
        raise ConfigError(f"--task {task!r}: choose one of {', '.join(TRAIN_TASKS)}")
    if task == "give-take":  # the give-or-take heads of the brand's own posts (service.giving)
        from goodwill.service.giving import train_model

        train_model(data, None if out is None else out / "give_take.npz")
        return
    from goodwill.understand.training import train as trainer
    from goodwill.understand.training.corpus import data_dir

    try:
        if task in ("intent", "all"):
            data_dir(data)  # fail with one line before any work when the data is missing
        args = ["--task", task] + (["--data", str(data)] if data else []) + (["--out", str(out)] if out else [])
        trainer.main(args + (["--fast-only"] if fast_only else []))
    except FileNotFoundError as exc:
        raise ConfigError(f"training data: {exc}") from None

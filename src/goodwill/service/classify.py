"""Classifying a file without a workspace (`goodwill classify`): the signals of
each record as JSON lines, in input order, a batch at a time, on one process or
several.

This module imports only the models and the readers (no store, no service
layer), so the command and each worker process start in a fraction of a second.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path

import orjson

from goodwill.ingest.readers.texts import read_texts
from goodwill.understand.enrich import Mode, enrich

__all__ = ["AUTO_WORKERS_BYTES", "AUTO_WORKERS_MAX", "BATCH", "Mode", "auto_workers", "classify_file", "classify_lines"]

#: Texts classified per batch (and per worker task).
BATCH = 2048


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


#: `classify` spreads a file at least this big over several processes by default (smaller ones would
#: spend longer starting them, about half a second of CPU each to load the models (timed by hand), than classifying).
AUTO_WORKERS_BYTES = 4 << 20
AUTO_WORKERS_MAX = 4


def auto_workers(path: Path | None) -> int:
    """How many processes `classify` uses when not told: one per core (at most AUTO_WORKERS_MAX) for a file of
    AUTO_WORKERS_BYTES or more, else one (standard input included: its size is not known)."""
    try:
        big = path is not None and path.stat().st_size >= AUTO_WORKERS_BYTES
    except OSError:  # a missing file: the reader names it
        big = False
    return min(AUTO_WORKERS_MAX, os.cpu_count() or 1) if big else 1


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

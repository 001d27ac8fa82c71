"""Reading texts to classify: plain text, CSV or JSONL, from a file or stdin, streamed.

Every record yields exactly one text, in input order, so output lines match
input records one to one. A record that holds no usable text (a blank line,
a JSONL line that is not JSON or has no `text` string) yields "" and a
warning; only a file that cannot be read at all (missing, a CSV without the
text column, broken CSV quoting) raises `ImportFileError` naming the file
and line.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import orjson

from goodwill.errors import ImportFileError

FORMATS = ("txt", "csv", "jsonl")
csv.field_size_limit(1 << 30)

Warn = Callable[[str], None]


def guess_format(path: Path | None) -> str:
    if path is None:
        return "txt"
    suffix = path.suffix.lower().lstrip(".")
    return {"csv": "csv", "tsv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl"}.get(suffix, "txt")


def _open(path: Path | None) -> IO[str]:
    if path is None:
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="replace", newline="")
    try:
        return open(path, encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise ImportFileError(str(path), None, None, exc.strerror or str(exc)) from exc


def read_texts(path: Path | None, fmt: str | None = None, text_column: str = "text", warn: Warn | None = None) -> Iterator[str]:
    """The text of each record of `path` (stdin when None), in order."""
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise ImportFileError(str(path or "-"), None, None, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    name = str(path) if path is not None else "<stdin>"
    say: Warn = warn or (lambda _m: None)
    f = _open(path)
    try:
        if fmt == "txt":
            for line in f:
                yield line.rstrip("\r\n")
        elif fmt == "jsonl":
            yield from _jsonl(f, name, text_column, say)
        else:
            yield from _csv(f, name, text_column, path is not None and path.suffix.lower() == ".tsv")
    finally:
        if path is not None:
            f.close()


def _jsonl(f: IO[str], name: str, field: str, warn: Warn) -> Iterator[str]:
    for n, line in enumerate(f, 1):
        if not line.strip():
            yield ""
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            warn(f"{name}, line {n}: not JSON; classified as empty text")
            yield ""
            continue
        text = value.get(field) if isinstance(value, dict) else value
        if not isinstance(text, str):
            warn(f"{name}, line {n}, field {field!r}: no text; classified as empty text")
            text = ""
        yield text


def _csv(f: IO[str], name: str, column: str, tab: bool) -> Iterator[str]:
    reader = csv.reader(f, dialect="excel-tab" if tab else "excel")
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(name, 1, None, f"unreadable CSV: {exc}") from exc
    if header is None:
        return
    names = [h.strip() for h in header]
    lowered = [h.lower() for h in names]
    if column in names:
        index = names.index(column)
    elif column.lower() in lowered:
        index = lowered.index(column.lower())
    else:
        raise ImportFileError(name, 1, column, f"no such column; the header has {', '.join(repr(h) for h in names[:20])} (use --text-column)")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(name, reader.line_num, None, f"unreadable CSV: {exc}") from exc
        yield row[index] if index < len(row) else ""

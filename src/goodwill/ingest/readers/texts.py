"""Reading texts to classify: plain text, CSV or JSONL, from a file or stdin, streamed.

Every record yields exactly one text, in input order, so output lines match
input records one to one; a blank line yields "". Input is held to the
same standard as an import: a record that cannot be read stops the read
with `ImportFileError` naming the file, the line and, where there is one,
the field: bytes that are not UTF-8 or hold a NUL (a binary file), a JSONL
line that is not JSON or has no text in its field, broken CSV quoting, a
CSV without the text column, a missing file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from goodwill.errors import ImportFileError

FORMATS = ("txt", "csv", "jsonl")
csv.field_size_limit(1 << 30)

Warn = Callable[[str], None]
Progress = Callable[[int], None]  # called with the bytes read since its last call
PROGRESS_EVERY = 1024  # lines between progress calls


def guess_format(path: Path | None) -> str:
    if path is None:
        return "txt"
    suffix = path.suffix.lower().lstrip(".")
    return {"csv": "csv", "tsv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl"}.get(suffix, "txt")


def _open(path: Path | None) -> BinaryIO:
    if path is None:
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ImportFileError(str(path), None, None, exc.strerror or str(exc)) from exc


def _lines(f: BinaryIO, name: str, progress: Progress | None) -> Iterator[str]:
    """The decoded lines of `f` (newlines kept), or an error naming the first line that is not text."""
    pending = 0
    for n, raw in enumerate(f, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            raise ImportFileError(name, n, None, "binary data (a NUL byte), not text")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(name, n, None, f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})") from None
        if progress is not None:
            pending += len(raw)
            if n % PROGRESS_EVERY == 0:
                progress(pending)
                pending = 0
        yield line
    if progress is not None and pending:
        progress(pending)


def read_texts(path: Path | None, fmt: str | None = None, text_column: str = "text", warn: Warn | None = None,
               progress: Progress | None = None) -> Iterator[str]:
    """The text of each record of `path` (stdin when None), in order.

    :param progress: called now and then with the number of bytes read since its last call.
    """
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise ImportFileError(str(path or "-"), None, None, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    name = str(path) if path is not None else "<stdin>"
    f = _open(path)
    try:
        lines = _lines(f, name, progress)
        if fmt == "txt":
            for line in lines:
                yield line.rstrip("\r\n")
        elif fmt == "jsonl":
            yield from _jsonl(lines, name, text_column)
        else:
            yield from _csv(lines, name, text_column, path is not None and path.suffix.lower() == ".tsv")
    finally:
        if path is not None:
            f.close()


def _jsonl(lines: Iterable[str], name: str, field: str) -> Iterator[str]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            yield ""
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ImportFileError(name, n, None, f"not JSON ({exc.msg})") from None
        text = value.get(field) if isinstance(value, dict) else value
        if text is None and isinstance(value, dict):
            raise ImportFileError(name, n, field, f"missing; the record has {', '.join(repr(k) for k in list(value)[:10])} (use --text-column)")
        if not isinstance(text, str):
            raise ImportFileError(name, n, field if isinstance(value, dict) else None, f"expected text, found {type(text).__name__}")
        yield text


def _csv(lines: Iterable[str], name: str, column: str, tab: bool) -> Iterator[str]:
    reader = csv.reader(lines, dialect="excel-tab" if tab else "excel")
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

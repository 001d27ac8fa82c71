"""Reading a file's text: the encoding, lines decoded one by one (so an
undecodable byte is reported at its line), and CSV and JSON Lines records
numbered by the line they start on."""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from charset_normalizer import from_path

from goodwill.errors import ConfigError, ImportFileError


def resolve_encoding(path: Path, requested: str | None) -> str:
    """The encoding to read `path` with: the requested one, else UTF-8 if the
    whole file is valid UTF-8, else charset-normalizer's best guess."""
    if requested:
        try:
            codecs.lookup(requested)
            b"a".decode(requested, "ignore")  # refuses codecs that are not text encodings, like base64
        except LookupError as exc:
            raise ConfigError(f"unknown encoding {requested!r}") from exc
        except UnicodeError:
            pass  # a text encoding that refuses "ignore" (idna): lines are checked as they are read
        return requested
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return "utf-32"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    results = from_path(path, steps=20)
    best = results.best()
    if best is None:
        raise ImportFileError(str(path), None, None, "not text in any known encoding; pass --encoding")
    # The Latin code pages often tie (cp1250 and cp1252 both read "café"), and
    # charset-normalizer then takes whichever it tried first. Among equally
    # good guesses take cp1252, by far the most common outside UTF-8.
    for match in results:
        if (
            match.chaos <= best.chaos
            and match.coherence >= best.coherence
            and "cp1252" in (match.encoding, *match.could_be_from_charset)
        ):
            return "cp1252"
    return best.encoding



def decoded_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, line with its ending) pairs, decoded line by line so an
    undecodable byte is reported at its line."""
    if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        try:
            with path.open(encoding=encoding, newline="") as fh:
                for number, line in enumerate(fh, 1):
                    yield number, line[1:] if number == 1 and line.startswith("\ufeff") else line
        except UnicodeError as exc:  # UTF-16 without a BOM raises a plain UnicodeError
            number, reason = decode_error_line(path, encoding, exc)
            raise ImportFileError(
                str(path), number, None, f"not valid {encoding} text ({reason}); pass --encoding"
            ) from None
        return
    # The BOM (stripped below) is the only difference utf-8-sig makes, and
    # the plain codec is the fast one.
    codec = "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                line = raw.decode(codec)
            except UnicodeError as exc:
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
                raise ImportFileError(
                    str(path), number, None, f"not valid {encoding} text ({reason}); pass --encoding"
                ) from None
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield number, line


def decode_error_line(path: Path, encoding: str, exc: UnicodeError) -> tuple[int, str]:
    """The line holding the first byte `encoding` cannot decode, and why.

    A text-mode file decodes ahead of the line being read, so `exc` alone
    does not say which line is bad: decode the whole file to find it.
    """
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as whole:
        before = data[: whole.start].decode(encoding, errors="replace")
        return len(_LINE_BREAK.findall(before)) + 1, whole.reason
    except UnicodeError as whole:
        return 1, str(whole)
    return 1, exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def csv_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = decoded_lines(path, encoding)
    reader = csv.reader((line for _, line in lines), strict=True)
    csv.field_size_limit(sys.maxsize)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFileError(str(path), 1, None, f"bad CSV header: {exc}") from None
    header = [h.strip() for h in header]
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise ImportFileError(str(path), 1, sorted(dupes)[0], "column appears twice in the header")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(str(path), start, None, f"bad CSV: {exc}") from None
        if row and any(cell.strip() for cell in row):
            if len(row) != len(header):
                raise ImportFileError(
                    str(path), start, None, f"has {len(row)} fields where the header has {len(header)}"
                )
            yield start, dict(zip(header, row, strict=True))
        start = reader.line_num + 1


def jsonl_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = decoded_lines(path, encoding)
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if number == 1 and stripped.startswith("["):  # a JSON array file
            rest = line + "".join(line for _, line in lines)
            yield from json_array(path, rest)
            return
        try:
            record = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            indent = len(line) - len(line.lstrip())
            raise json_error(path, exc, "not valid JSON", line=number, column=exc.colno + indent) from None
        if not isinstance(record, dict):
            raise ImportFileError(str(path), number, None, "is not a JSON object")
        yield number, record


def json_error(
    path: Path, exc: orjson.JSONDecodeError, what: str, *, line: int | None = None, column: int | None = None
) -> ImportFileError:
    """The error for JSON that does not parse, naming one line: `line` when
    given (a JSON Lines record), else the line of the file the parser stopped
    at, with the column; the parser's own message is kept without its
    positions, which count from the text it was given rather than the file."""
    line = exc.lineno if line is None else line
    column = exc.colno if column is None else column
    return ImportFileError(str(path), line, None, f"{what} at column {column}: {exc.msg}")


def json_array(path: Path, body: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        records = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise json_error(path, exc, "not valid JSON") from None
    if not isinstance(records, list):
        raise ImportFileError(str(path), None, None, "expected a JSON array of objects")
    for index, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise ImportFileError(str(path), None, None, f"record {index} is not a JSON object")
        yield -index, record  # negative: a record number, not a line


"""Reading conversation exports, one module per format: generic CSV and JSON
Lines (`generic`), Customer Support on Twitter (`twcs`), an X/Twitter
archive's tweets.js (`tweets_js`) and plain text (`plain_text`), over the
shared parts: options and field aliases (`options`), text and records
(`lines`) and field reading (`fields`). `texts` reads texts to classify.

Every reader yields `ParsedMessage`s and raises `ImportFileError` naming the
file, line (or record) and field of the first thing it cannot read. Readers
never touch the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from goodwill.domain import ParsedMessage
from goodwill.errors import ConfigError, ImportFileError
from goodwill.ingest.readers.generic import read_csv, read_jsonl
from goodwill.ingest.readers.lines import decoded_lines, resolve_encoding
from goodwill.ingest.readers.options import FIELDS, FORMATS, PLATFORM_NAME, ImportOptions, parse_mapping
from goodwill.ingest.readers.plain_text import read_text
from goodwill.ingest.readers.twcs import TWCS_COLUMNS, read_twcs
from goodwill.ingest.readers.tweets_js import read_tweets_js

__all__ = [
    "FIELDS", "FORMATS", "READERS", "ImportOptions", "detect_format", "parse_mapping", "read_messages",
    "resolve_encoding", "settle_options",
]

READERS: dict[str, Callable[[Path, str, ImportOptions], Iterator[ParsedMessage]]] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "twcs": read_twcs,
    "tweets-js": read_tweets_js,
    "text": read_text,
}


def detect_format(path: Path, encoding: str) -> str:
    """Guess the format from the file name and, for CSV, its header row."""
    name = path.name.lower()
    if name.endswith(".js"):
        return "tweets-js"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        header = next(decoded_lines(path, encoding), (1, ""))[1]
        columns = {c.strip().strip('"') for c in header.strip().split(",")}
        return "twcs" if set(TWCS_COLUMNS) <= columns else "csv"
    if name.endswith((".txt", ".text", ".log")):
        return "text"
    raise ImportFileError(
        str(path), None, None, f"cannot tell the format from the name; pass --format ({', '.join(FORMATS)})"
    )



def read_messages(path: Path, options: ImportOptions) -> Iterator[ParsedMessage]:
    """Every message in the file at `path`, in file order."""
    settled = settle_options(path, options)
    assert settled.format is not None and settled.encoding is not None
    if settled.platform is not None and not PLATFORM_NAME.match(settled.platform):
        raise ConfigError(f"--platform {settled.platform!r}: use lowercase letters, digits, '-', '_' or '.'")
    return READERS[settled.format](path, settled.encoding, settled)


def settle_options(path: Path, options: ImportOptions) -> ImportOptions:
    """`options` with the format and encoding worked out for `path`, so that
    reading the file again (or in another process) detects nothing twice."""
    _require_file(path)
    if options.format is not None and options.encoding is not None and options.format in READERS:
        return options
    encoding = resolve_encoding(path, options.encoding)
    fmt = options.format or detect_format(path, encoding)
    if fmt not in READERS:
        raise ConfigError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    return dataclasses.replace(options, format=fmt, encoding=encoding)


def _require_file(path: Path) -> None:
    if not path.exists():
        raise ImportFileError(str(path), None, None, "no such file")
    if not path.is_file():
        raise ImportFileError(str(path), None, None, "is not a file")


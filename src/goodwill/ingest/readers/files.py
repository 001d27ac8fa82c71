"""Reading conversation exports: generic CSV and JSONL, Customer Support on
Twitter (twcs), an X/Twitter archive's tweets.js, and plain text.

Every reader yields `ParsedMessage`s and raises `ImportFileError` naming the
file, line (or record) and field of the first thing it cannot read. Readers
never touch the store.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import orjson
from charset_normalizer import from_path

from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain import text as textlib
from goodwill.domain.timeparse import EARLIEST, LATEST, parse_time
from goodwill.errors import ConfigError, ImportFileError

FORMATS = ("csv", "jsonl", "twcs", "tweets-js", "text")
TWCS_COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)

#: Generic fields and the column names recognised for each without a --map.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "message_id", "post_id", "status_id", "tweet_id", "id_str"),
    "platform": ("platform", "network", "source"),
    "author": ("author", "handle", "username", "user", "screen_name", "user_name", "author_handle"),
    "author_id": ("author_id", "user_id", "account_id"),
    "author_name": ("author_name", "name", "display_name", "user_display_name"),
    "text": ("text", "body", "message", "content", "full_text"),
    "created_at": ("created_at", "timestamp", "date", "time", "created", "published"),
    "reply_to": ("reply_to", "in_reply_to", "in_reply_to_id", "parent_id", "in_response_to"),
    "quote_of": ("quote_of", "quoted_id"),
    "repost_of": ("repost_of", "retweet_of", "reblog_of"),
    "url": ("url", "link", "permalink"),
    "kind": ("kind", "type"),
    "is_brand": ("is_brand", "brand", "outbound"),
    "likes": ("likes", "like_count", "favorite_count", "favourites_count"),
    "reposts": ("reposts", "retweet_count", "reblogs_count", "repost_count"),
    "replies": ("replies", "reply_count", "replies_count"),
    "quotes": ("quotes", "quote_count"),
    "rating": ("rating", "stars", "score"),
}
REQUIRED = ("author", "text", "created_at")
METRICS = ("likes", "reposts", "replies", "quotes", "rating")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
MAX_ID = 200
MAX_HANDLE = 400
MAX_METRIC = 2**63 - 1  # what a signed 64-bit integer (and orjson) can hold


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file. Unset values are detected or defaulted."""

    format: str | None = None
    platform: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    encoding: str | None = None
    author: str | None = None
    default_tz: tzinfo = UTC


def parse_mapping(spec: Iterable[str]) -> dict[str, str]:
    """`["text=body,author=user"]` -> `{"text": "body", "author": "user"}`, checked against FIELDS."""
    out: dict[str, str] = {}
    for part in (p.strip() for item in spec for p in item.split(",")):
        if not part:
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise ConfigError(f"--map {part!r}: write FIELD=COLUMN, e.g. text=body")
        if name not in FIELDS:
            raise ConfigError(f"--map {part!r}: unknown field {name!r}; fields are {', '.join(FIELDS)}")
        out[name] = column
    return out


def detect_format(path: Path, encoding: str) -> str:
    """Guess the format from the file name and, for CSV, its header row."""
    name = path.name.lower()
    if name.endswith(".js"):
        return "tweets-js"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        header = next(_decoded_lines(path, encoding), (1, ""))[1]
        columns = {c.strip().strip('"') for c in header.strip().split(",")}
        return "twcs" if set(TWCS_COLUMNS) <= columns else "csv"
    if name.endswith((".txt", ".text", ".log")):
        return "text"
    raise ImportFileError(
        str(path), None, None, f"cannot tell the format from the name; pass --format ({', '.join(FORMATS)})"
    )


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


def read_messages(path: Path, options: ImportOptions) -> Iterator[ParsedMessage]:
    """Every message in the file at `path`, in file order."""
    settled = settle_options(path, options)
    assert settled.format is not None and settled.encoding is not None
    if settled.platform is not None and not _PLATFORM.match(settled.platform):
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


# --- line access -----------------------------------------------------------


def _decoded_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, line with its ending) pairs, decoded line by line so an
    undecodable byte is reported at its line."""
    if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        try:
            with path.open(encoding=encoding, newline="") as fh:
                for number, line in enumerate(fh, 1):
                    yield number, line[1:] if number == 1 and line.startswith("\ufeff") else line
        except UnicodeError as exc:  # UTF-16 without a BOM raises a plain UnicodeError
            number, reason = _decode_error_line(path, encoding, exc)
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


def _decode_error_line(path: Path, encoding: str, exc: UnicodeError) -> tuple[int, str]:
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


def _csv_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    lines = _decoded_lines(path, encoding)
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


def _jsonl_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = _decoded_lines(path, encoding)
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if number == 1 and stripped.startswith("["):  # a JSON array file
            rest = stripped + "".join(line for _, line in lines)
            yield from _json_array(path, rest)
            return
        try:
            record = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise ImportFileError(str(path), number, None, f"not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise ImportFileError(str(path), number, None, "is not a JSON object")
        yield number, record


def _json_array(path: Path, body: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        records = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ImportFileError(str(path), None, None, f"not valid JSON: {exc}") from None
    if not isinstance(records, list):
        raise ImportFileError(str(path), None, None, "expected a JSON array of objects")
    for index, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise ImportFileError(str(path), None, None, f"record {index} is not a JSON object")
        yield -index, record  # negative: a record number, not a line


# --- field helpers ---------------------------------------------------------


class _Fields:
    """Reads generic fields from one record, raising errors that name them."""

    def __init__(self, path: Path, number: int, record: Mapping[str, Any], columns: Mapping[str, str]):
        self.path, self.number, self.record, self.columns = path, number, record, columns
        self._paths = {name: tuple(column.split(".")) for name, column in columns.items()}

    def at(self, number: int, record: Mapping[str, Any]) -> _Fields:
        """The same reader moved to another record of the same file."""
        self.number, self.record = number, record
        return self

    def error(self, name: str | None, problem: str) -> ImportFileError:
        column = self.columns.get(name, name) if name else None
        if self.number < 0:
            return ImportFileError(str(self.path), None, column, f"record {-self.number}: {problem}")
        return ImportFileError(str(self.path), self.number, column, problem)

    def get(self, name: str) -> Any:
        path = self._paths.get(name)
        if path is None:
            return None
        value: Any = self.record.get(path[0])
        for part in path[1:]:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def text(self, name: str, *, required: bool = False, limit: int | None = None) -> str | None:
        value = self.get(name)
        if type(value) is str and (name == "text" or value.strip()):  # the common case, fast
            if name != "text":
                value = value.strip()
            if "\x00" in value:
                value = _clean(value)
            if limit is not None and len(value) > limit:
                raise self.error(name, f"is longer than {limit} characters")
            return value
        if value is None or (isinstance(value, str) and not value.strip() and name != "text"):
            if required:
                raise self.error(name, "is missing" if self.columns.get(name) else "has no column; use --map")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(name, f"should be text, not {type(value).__name__}")
        out = _clean(str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value)))
        if name != "text":
            out = out.strip()
        if limit is not None and len(out) > limit:
            raise self.error(name, f"is longer than {limit} characters")
        return out

    def time(self, name: str, default_tz: tzinfo) -> datetime:
        value = self.get(name)
        if value is None or value == "":
            raise self.error(name, "is missing")
        try:
            return parse_time(str(value), default_tz)
        except ValueError as exc:
            raise self.error(name, str(exc)) from None

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return None
        if type(value) is int and 0 <= value <= MAX_METRIC:
            return value
        if isinstance(value, bool):
            raise self.error(name, "should be a whole number")
        try:
            if isinstance(value, str):
                try:
                    number: Any = int(value)  # exact, even past what a float holds
                except ValueError:
                    number = float(value)  # "12.0" from a spreadsheet
            else:
                number = value
            if not isinstance(number, (int, float)) or number != int(number) or number < 0:
                raise ValueError
        except (ValueError, OverflowError):
            raise self.error(name, f"should be a whole number, not {str(value)[:40]!r}") from None
        if number > MAX_METRIC:
            raise self.error(name, f"is too large: {str(value)[:40]!r}")
        return int(number)

    def boolean(self, name: str) -> bool | None:
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return None if word == "" else False
        raise self.error(name, f"should be true or false, not {str(value)[:40]!r}")

    def identifier(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required, limit=MAX_ID)
        if value is not None and value.endswith(".0") and value[:-2].isdigit():
            value = value[:-2]  # ids that went through a spreadsheet as floats
        return value


def _clean(value: str) -> str:
    """Text safe for every store: NUL characters removed (PostgreSQL refuses them)."""
    return value.replace("\x00", "") if "\x00" in value else value


def _resolve_columns(available: Iterable[str], mapping: Mapping[str, str], nested: bool) -> dict[str, str]:
    """Which column feeds each field: --map first, else the first recognised alias."""
    present = {c.lower(): c for c in available}
    columns: dict[str, str] = {}
    for name, aliases in FIELDS.items():
        if name in mapping:
            columns[name] = mapping[name]
            continue
        for alias in aliases:
            if alias in present:
                columns[name] = present[alias]
                break
    if nested:  # JSON records differ; map the canonical names even if absent here
        for name in FIELDS:
            columns.setdefault(name, name)
    return columns


def _message(
    f: _Fields,
    *,
    platform: str,
    platform_id: str,
    author: str,
    text: str,
    created_at: datetime,
    kind: MessageKind | None = None,
    raw: dict[str, Any],
    **extra: Any,
) -> ParsedMessage:
    reply_to = extra.pop("reply_to_id", None)
    if kind is None:
        kind = MessageKind.REPLY if reply_to else MessageKind.POST
    mentions = extra.pop("mentions", None) or textlib.mentions(text)
    return ParsedMessage(
        platform=platform,
        platform_id=platform_id,
        author=author.lstrip("@"),
        text=text,
        created_at=created_at,
        kind=kind,
        reply_to_id=reply_to,
        mentions=mentions,
        hashtags=extra.pop("hashtags", None) or textlib.hashtags(text),
        links=extra.pop("links", None) or textlib.links(text),
        raw=raw,
        line=f.number if f.number > 0 else None,
        **extra,
    )


def _platform(f: _Fields, options: ImportOptions, default: str) -> str:
    value = f.text("platform") or options.platform or default
    value = value.lower()
    if not _PLATFORM.match(value):
        raise f.error("platform", f"{value[:40]!r} is not a platform name (lowercase letters, digits, - _ .)")
    return value


def _content_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


# --- the readers -----------------------------------------------------------


def _generic(path: Path, records: Iterator[tuple[int, dict[str, Any]]], options: ImportOptions, nested: bool) -> Iterator[ParsedMessage]:
    reader: _Fields | None = None
    fast: Callable[[int, dict[str, Any]], ParsedMessage | None] | None = None
    for number, record in records:
        if reader is None:
            columns = _resolve_columns(record.keys(), options.mapping, nested)
            if not nested:
                missing = [c for n, c in columns.items() if n in options.mapping and c not in record]
                if missing:
                    raise ImportFileError(str(path), 1, missing[0], "--map names a column the header does not have")
                absent = [n for n in REQUIRED if n not in columns]
                if absent:
                    raise ImportFileError(
                        str(path), 1, absent[0], f"no column in the header; name one with --map {absent[0]}=COLUMN"
                    )
            reader = _Fields(path, number, record, columns)
            fast = _fast_reader(columns, options)
        message = fast(number, record) if fast is not None else None
        yield message if message is not None else _generic_message(reader.at(number, record), options)


def _generic_message(f: _Fields, options: ImportOptions) -> ParsedMessage:
    """One generic record, read field by field with errors that name the field."""
    author = f.text("author", required=True, limit=MAX_HANDLE)
    text = f.text("text", required=True)
    created_at = f.time("created_at", options.default_tz)
    assert author is not None and text is not None
    if not author.lstrip("@"):
        raise f.error("author", "is empty")
    platform = _platform(f, options, "other")
    platform_id = f.identifier("id") or _content_id(platform, author, created_at.isoformat(), text)
    kind_name = f.text("kind")
    kind = None
    if kind_name:
        try:
            kind = MessageKind(kind_name.lower())
        except ValueError:
            raise f.error("kind", f"should be one of {', '.join(k.value for k in MessageKind)}") from None
    metrics = {m: v for m in METRICS if (v := f.integer(m)) is not None}
    return _message(
        f,
        platform=platform,
        platform_id=platform_id,
        author=author,
        text=text,
        created_at=created_at,
        kind=kind,
        raw=dict(f.record),
        reply_to_id=f.identifier("reply_to"),
        quote_of_id=f.identifier("quote_of"),
        repost_of_id=f.identifier("repost_of"),
        author_id=f.text("author_id", limit=MAX_ID),
        author_name=f.text("author_name", limit=MAX_HANDLE),
        url=f.text("url"),
        is_brand=f.boolean("is_brand"),
        metrics=metrics,
    )


_KINDS = {k.value: k for k in MessageKind}


def _fast_reader(columns: Mapping[str, str], options: ImportOptions) -> Callable[[int, dict[str, Any]], ParsedMessage | None] | None:
    """A reader for the common case: flat columns holding plain, clean values.

    It returns None for any record it is not sure about, and that record is
    read by `_generic_message` instead, so both give the same result and
    every error still comes from one place.
    """
    if any("." in column for column in columns.values()):
        return None
    col = columns.get
    c_author, c_text, c_time, c_platform, c_id = col("author"), col("text"), col("created_at"), col("platform"), col("id")
    c_kind, c_brand = col("kind"), col("is_brand")
    optional = [(n, c, limit) for n, limit in (("reply_to", MAX_ID), ("quote_of", MAX_ID), ("repost_of", MAX_ID), ("author_id", MAX_ID), ("author_name", MAX_HANDLE), ("url", None)) if (c := col(n))]
    metric_columns = [(m, c) for m in METRICS if (c := col(m))]
    default_platform = (options.platform or "other").lower()
    if c_author is None or c_text is None or c_time is None or c_id is None:
        return None

    def plain(value: str, limit: int | None) -> bool:
        return value == value.strip() and "\x00" not in value and (limit is None or len(value) <= limit)

    def read(number: int, record: dict[str, Any]) -> ParsedMessage | None:
        get = record.get
        author, text, created, pid = get(c_author), get(c_text), get(c_time), get(c_id)
        if type(author) is not str or type(text) is not str or type(created) is not str or type(pid) is not str:
            return None
        if not author or author[0] == "@" or not plain(author, MAX_HANDLE) or "\x00" in text:
            return None
        if not pid or not plain(pid, MAX_ID) or (pid.endswith(".0") and pid[:-2].isdigit()):
            return None
        try:
            created_at = datetime.fromisoformat(created)
        except ValueError:
            return None
        if created_at.tzinfo is None:
            return None
        created_at = created_at.astimezone(UTC)
        if not EARLIEST <= created_at < LATEST:
            return None
        platform = get(c_platform) if c_platform else None
        if platform is None or platform == "":
            platform = default_platform
        elif type(platform) is not str or not _PLATFORM.match(platform):
            return None
        values: dict[str, Any] = {}
        for name, column, limit in optional:
            value = get(column)
            if value is None or value == "":
                values[name] = None
            elif type(value) is str and plain(value, limit) and (limit is None or value.strip()):
                if name in ("reply_to", "quote_of", "repost_of") and value.endswith(".0") and value[:-2].isdigit():
                    return None
                values[name] = value
            else:
                return None
        kind = None
        if c_kind:
            kind_name = get(c_kind)
            if kind_name is not None and kind_name != "":
                kind = _KINDS.get(kind_name) if type(kind_name) is str else None
                if kind is None:
                    return None
        is_brand = get(c_brand) if c_brand else None
        if is_brand == "":
            is_brand = None
        elif is_brand is not None and type(is_brand) is not bool:
            is_brand = {"true": True, "false": False}.get(is_brand) if type(is_brand) is str else None
            if is_brand is None:
                return None
        metrics: dict[str, int] = {}
        for name, column in metric_columns:
            value = get(column)
            if value is None or value == "":
                continue
            if type(value) is int and 0 <= value <= MAX_METRIC:
                metrics[name] = value
            elif type(value) is str and value.isascii() and value.isdigit() and len(value) < 19:
                metrics[name] = int(value)
            else:
                return None
        reply_to = values.get("reply_to")
        return ParsedMessage(
            platform=platform,
            platform_id=pid,
            author=author,
            text=text,
            created_at=created_at,
            kind=kind or (MessageKind.REPLY if reply_to else MessageKind.POST),
            author_id=values.get("author_id"),
            author_name=values.get("author_name"),
            url=values.get("url"),
            reply_to_id=reply_to,
            quote_of_id=values.get("quote_of"),
            repost_of_id=values.get("repost_of"),
            mentions=textlib.mentions(text),
            hashtags=textlib.hashtags(text),
            links=textlib.links(text),
            metrics=metrics,
            raw=record,
            is_brand=is_brand,
            line=number if number > 0 else None,
        )

    return read


def read_csv(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    return _generic(path, _csv_records(path, encoding), options, nested=False)


def read_jsonl(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    return _generic(path, _jsonl_records(path, encoding), options, nested=True)


def read_twcs(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """Customer Support on Twitter: brand accounts are the authors of non-inbound tweets."""
    reader = _Fields(path, 1, {}, {c: c for c in TWCS_COLUMNS})
    header_checked = False
    for number, record in _csv_records(path, encoding):
        if not header_checked:
            missing = [c for c in TWCS_COLUMNS if c not in record]
            if missing:
                raise ImportFileError(str(path), 1, missing[0], "twcs column missing from the header")
            header_checked = True
        f = reader.at(number, record)
        inbound = record["inbound"].strip().lower()
        if inbound not in ("true", "false"):
            raise f.error("inbound", f"should be True or False, not {record['inbound'][:20]!r}")
        tweet_id = f.identifier("tweet_id", required=True)
        author = f.text("author_id", required=True, limit=MAX_HANDLE)
        text = f.text("text") or ""
        assert tweet_id is not None and author is not None
        yield _message(
            f,
            platform=options.platform or "twitter",
            platform_id=tweet_id,
            author=author,
            text=text,
            created_at=f.time("created_at", options.default_tz),
            raw=record,
            reply_to_id=f.identifier("in_response_to_tweet_id"),
            is_brand=inbound == "false",
            url=None,
        )


_YTD_PREFIX = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")


def _ytd(path: Path, encoding: str) -> Any:
    body = "".join(line for _, line in _decoded_lines(path, encoding))
    body = _YTD_PREFIX.sub("", body, count=1)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ImportFileError(str(path), None, None, f"not an X archive data file: {exc}") from None


def _archive_owner(path: Path, options: ImportOptions) -> tuple[str, str | None, str | None]:
    """(handle, user id, display name) of the archive's owner: --author, else account.js beside it."""
    account_js = path.with_name("account.js")
    if account_js.is_file():
        data = _ytd(account_js, resolve_encoding(account_js, None))
        try:
            account = data[0]["account"]
            owner = (account["username"], account.get("accountId"), account.get("accountDisplayName"))
        except (LookupError, TypeError):
            raise ImportFileError(str(account_js), None, "account.username", "is missing") from None
        if options.author is None or options.author.lstrip("@").casefold() == owner[0].casefold():
            return owner
    if options.author:
        return options.author.lstrip("@"), None, None
    raise ImportFileError(
        str(path), None, None, "tweets.js does not name its author: pass --author HANDLE or keep account.js beside it"
    )


def read_tweets_js(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """An X/Twitter archive's data/tweets.js (`window.YTD.tweets.part0 = [...]`)."""
    data = _ytd(path, encoding)
    if not isinstance(data, list):
        raise ImportFileError(str(path), None, None, "expected a list of tweets")
    handle, user_id, name = _archive_owner(path, options)
    columns = {n: n for n in ("id_str", "full_text", "created_at", "in_reply_to_status_id_str", "favorite_count", "retweet_count")}
    for index, item in enumerate(data, 1):
        tweet = item.get("tweet", item) if isinstance(item, dict) else None
        if not isinstance(tweet, dict):
            raise ImportFileError(str(path), None, None, f"record {index} is not a tweet object")
        f = _Fields(path, -index, tweet, columns)
        found = tweet.get("entities")
        entities: dict[str, Any] = found if isinstance(found, dict) else {}
        text = f.text("full_text") or _clean(str(tweet.get("text") or ""))
        metrics = {"likes": f.integer("favorite_count"), "reposts": f.integer("retweet_count")}
        yield _message(
            f,
            platform=options.platform or "twitter",
            platform_id=f.identifier("id_str", required=True) or "",
            author=handle,
            text=text,
            created_at=f.time("created_at", options.default_tz),
            raw=tweet,
            reply_to_id=f.identifier("in_reply_to_status_id_str"),
            author_id=user_id,
            author_name=name,
            url=f"https://x.com/{handle}/status/{tweet.get('id_str')}",
            mentions=_entity_strings(entities, "user_mentions", "screen_name"),
            hashtags=_entity_strings(entities, "hashtags", "text"),
            links=_entity_strings(entities, "urls", "expanded_url"),
            metrics={k: v for k, v in metrics.items() if v is not None},
        )


def _entity_strings(entities: Mapping[str, Any], kind: str, key: str) -> list[str]:
    """The non-empty strings at `key` in the list `entities[kind]`, each once."""
    items = entities.get(kind)
    if not isinstance(items, list):
        return []
    out: list[str] = []
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str) and (value := _clean(value)).strip() and value not in out:
            out.append(value)
    return out


def read_text(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """One message per non-blank line. Ids come from the text, so re-imports add nothing."""
    platform = options.platform or "text"
    author = (options.author or "unknown").lstrip("@")
    created_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    seen: dict[str, int] = {}
    for number, line in _decoded_lines(path, encoding):
        message = _clean(line.rstrip("\r\n"))
        if not message.strip():
            continue
        digest = _content_id(platform, author, message)
        seen[digest] = seen.get(digest, 0) + 1
        f = _Fields(path, number, {"text": message}, {"text": "text"})
        yield _message(
            f,
            platform=platform,
            platform_id=f"{digest}-{seen[digest]}",
            author=author,
            text=message,
            created_at=created_at,
            raw={"text": message, "line": number},
        )


READERS: dict[str, Callable[[Path, str, ImportOptions], Iterator[ParsedMessage]]] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "twcs": read_twcs,
    "tweets-js": read_tweets_js,
    "text": read_text,
}

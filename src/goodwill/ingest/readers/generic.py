"""Generic CSV and JSON Lines: any columns, matched to fields by name or `--map`.

Most records are read by a fast path (`fast_reader`) that handles flat,
clean values and hands anything else to `generic_message`, which reads field
by field and raises the errors; both give the same message for a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain import text as textlib
from goodwill.domain.timeparse import EARLIEST, LATEST
from goodwill.errors import ImportFileError
from goodwill.ingest.readers.fields import Fields, build_message, content_id, platform_of, resolve_columns
from goodwill.ingest.readers.lines import csv_records, jsonl_records
from goodwill.ingest.readers.options import (
    MAX_HANDLE,
    MAX_ID,
    MAX_METRIC,
    METRICS,
    PLATFORM_NAME,
    REQUIRED,
    ImportOptions,
)


def _generic(path: Path, records: Iterator[tuple[int, dict[str, Any]]], options: ImportOptions, nested: bool) -> Iterator[ParsedMessage]:
    reader: Fields | None = None
    fast: Callable[[int, dict[str, Any]], ParsedMessage | None] | None = None
    for number, record in records:
        if reader is None:
            columns = resolve_columns(record.keys(), options.mapping, nested)
            if not nested:
                missing = [c for n, c in columns.items() if n in options.mapping and c not in record]
                if missing:
                    raise ImportFileError(str(path), 1, missing[0], "--map names a column the header does not have")
                absent = [n for n in REQUIRED if n not in columns]
                if absent:
                    raise ImportFileError(
                        str(path), 1, absent[0], f"no column in the header; name one with --map {absent[0]}=COLUMN"
                    )
            reader = Fields(path, number, record, columns)
            fast = fast_reader(columns, options)
        message = fast(number, record) if fast is not None else None
        yield message if message is not None else generic_message(reader.at(number, record), options)


def generic_message(f: Fields, options: ImportOptions) -> ParsedMessage:
    """One generic record, read field by field with errors that name the field."""
    author = f.text("author", required=True, limit=MAX_HANDLE)
    text = f.text("text", required=True)
    created_at = f.time("created_at", options.default_tz)
    assert author is not None and text is not None
    if not author.lstrip("@"):
        raise f.error("author", "is empty")
    platform = platform_of(f, options, "other")
    platform_id = f.identifier("id") or content_id(platform, author, created_at.isoformat(), text)
    kind_name = f.text("kind")
    kind = None
    if kind_name:
        try:
            kind = MessageKind(kind_name.lower())
        except ValueError:
            raise f.error("kind", f"should be one of {', '.join(k.value for k in MessageKind)}") from None
    metrics = {m: v for m in METRICS if (v := f.integer(m)) is not None}
    return build_message(
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


def fast_reader(columns: Mapping[str, str], options: ImportOptions) -> Callable[[int, dict[str, Any]], ParsedMessage | None] | None:
    """A reader for the common case: flat columns holding plain, clean values.

    It returns None for any record it is not sure about, and that record is
    read by `generic_message` instead, so both give the same result and
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
            if created_at.tzinfo is None:
                return None
            created_at = created_at.astimezone(UTC)
        except (ValueError, OverflowError):  # unreadable, or past the calendar's ends in UTC
            return None
        if not EARLIEST <= created_at < LATEST:
            return None
        platform = get(c_platform) if c_platform else None
        if platform is None or platform == "":
            platform = default_platform
        elif type(platform) is not str or not PLATFORM_NAME.match(platform):
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
    return _generic(path, csv_records(path, encoding), options, nested=False)


def read_jsonl(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    return _generic(path, jsonl_records(path, encoding), options, nested=True)


"""What every reader shares: reading named fields from one record with
errors that name the field, the column each field comes from, and building
the `ParsedMessage`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain import text as textlib
from goodwill.domain.timeparse import parse_time
from goodwill.errors import ImportFileError
from goodwill.ingest.readers.options import (
    FALSE_WORDS,
    FIELDS,
    MAX_ID,
    MAX_METRIC,
    PLATFORM_NAME,
    TRUE_WORDS,
    ImportOptions,
)


class Fields:
    """Reads generic fields from one record, raising errors that name them."""

    def __init__(self, path: Path, number: int, record: Mapping[str, Any], columns: Mapping[str, str]):
        self.path, self.number, self.record, self.columns = path, number, record, columns
        self._paths = {name: tuple(column.split(".")) for name, column in columns.items()}

    def at(self, number: int, record: Mapping[str, Any]) -> Fields:
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
                value = clean(value)
            if limit is not None and len(value) > limit:
                raise self.error(name, f"is longer than {limit} characters")
            return value
        if value is None or (isinstance(value, str) and not value.strip() and name != "text"):
            if required:
                raise self.error(name, "is missing" if self.columns.get(name) else "has no column; use --map")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(name, f"should be text, not {type(value).__name__}")
        out = clean(str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value)))
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
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return None if word == "" else False
        raise self.error(name, f"should be true or false, not {str(value)[:40]!r}")

    def identifier(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required, limit=MAX_ID)
        if value is not None and value.endswith(".0") and value[:-2].isdigit():
            value = value[:-2]  # ids that went through a spreadsheet as floats
        return value


def clean(value: str) -> str:
    """Text safe for every store: NUL characters removed (PostgreSQL refuses them)."""
    return value.replace("\x00", "") if "\x00" in value else value


def resolve_columns(available: Iterable[str], mapping: Mapping[str, str], nested: bool) -> dict[str, str]:
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


def build_message(
    f: Fields,
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


def platform_of(f: Fields, options: ImportOptions, default: str) -> str:
    value = f.text("platform") or options.platform or default
    value = value.lower()
    if not PLATFORM_NAME.match(value):
        raise f.error("platform", f"{value[:40]!r} is not a platform name (lowercase letters, digits, - _ .)")
    return value


def content_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


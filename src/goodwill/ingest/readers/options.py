"""What an import is told: the formats, the generic fields and their column
aliases, `ImportOptions`, and `--map` parsing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from goodwill.errors import ConfigError

FORMATS = ("csv", "jsonl", "twcs", "tweets-js", "text")
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
PLATFORM_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f", ""}
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



"""The nouns of Goodwill as plain data: no I/O here.

A `ParsedMessage` is what every source (a file format, later a connector)
produces; ingest turns a stream of them into stored messages, accounts,
people, threads and interactions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

#: Columns of a message row as ingest prepares it and the store writes it, in
#: order; `account_id`, `thread_root_id` and `ingest_run_id` are filled in on
#: the store's side.
MESSAGE_ROW_COLUMNS = (
    "platform", "platform_id", "account_id", "kind", "text", "created_at", "url", "reply_to_id", "thread_root_id",
    "quote_of_id", "repost_of_id", "mentions", "hashtags", "links", "metrics", "raw", "is_brand", "ingest_run_id",
)
#: Positions in a message row: its account id, thread root, ingest run, creation time and brand flag.
ACCOUNT, ROOT, RUN, CREATED, BRAND = 2, 8, 17, 5, 16
#: Columns of an account row: platform, account key, handle, platform user id, display name, is_brand, first seen.
ACCOUNT_ROW_COLUMNS = ("platform", "account_key", "handle", "platform_user_id", "display_name", "is_brand", "first_seen_at")


class MessageKind(enum.StrEnum):
    POST = "post"
    REPLY = "reply"
    COMMENT = "comment"
    REVIEW = "review"


class InteractionKind(enum.StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    REPOST = "repost"
    QUOTE = "quote"
    LIKE = "like"


class Platform(enum.StrEnum):
    """Platforms Goodwill knows by name. Imports may use any other lowercase name too."""

    TWITTER = "twitter"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    REDDIT = "reddit"
    RSS = "rss"
    REVIEWS = "reviews"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Workspace:
    """The brand Goodwill serves."""

    name: str
    brand_accounts: dict[str, list[str]] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedMessage:
    """One message as a source delivered it, normalised but not yet stored.

    `author` is the handle (or, where a platform has no handles, the stable
    author id). `line` is where the record started in its file, for errors.
    """

    platform: str
    platform_id: str
    author: str
    text: str
    created_at: datetime
    kind: MessageKind = MessageKind.POST
    author_id: str | None = None
    author_name: str | None = None
    url: str | None = None
    reply_to_id: str | None = None
    quote_of_id: str | None = None
    repost_of_id: str | None = None
    mentions: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    metrics: dict[str, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    is_brand: bool | None = None
    line: int | None = None


def normalise_handle(handle: str) -> str:
    """The form of a handle used to match accounts: no leading @, lower case."""
    return handle.strip().lstrip("@").casefold()


@lru_cache(maxsize=1 << 17)
def account_key(handle: str) -> str:
    """The key an account is stored under on its platform."""
    return "@" + normalise_handle(handle)

"""Live sources as plain data: a source's configuration, its checkpoint, and what one fetch brings back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from goodwill.domain.messages import ParsedMessage

Checkpoint = dict[str, Any]

#: Platforms a source can listen on (`jetstream` stores its posts as `bluesky`).
SOURCE_PLATFORMS = ("mastodon", "bluesky", "jetstream", "reddit", "rss")
#: Platforms whose polled queries page back on a new source's first run.
BACKFILL_PLATFORMS = ("mastodon", "bluesky")
#: Posts per query a new source reads back unless told otherwise (`sources add --backfill`).
DEFAULT_BACKFILL = 1000


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A configured source, as `goodwill sources add` stored it."""

    name: str
    platform: str
    url: str | None = None
    queries: tuple[str, ...] = ()
    account: str | None = None
    token_env: str | None = None
    schedule_seconds: int = 300
    #: The first run of each polled query pages back through this many posts
    #: (0: none, only the newest page; None: no limit by count) ...
    backfill_posts: int | None = DEFAULT_BACKFILL
    #: ... and no further back than this time (None: no limit by time).
    backfill_since: datetime | None = None

    def backfill_horizon(self) -> tuple[int | None, datetime | None] | None:
        """(posts, since) bounding a first run's paging back, or None when it
        takes only the newest page (no limit at all would read a query's whole history)."""
        if self.backfill_posts == 0 or (self.backfill_posts is None and self.backfill_since is None):
            return None
        return self.backfill_posts, self.backfill_since


@dataclass(slots=True)
class Edit:
    """A later version of a message: the whole new message. With
    `store_if_new` an edit of a message not yet stored stores it; without, it
    only updates a stored one (a stream's edit that no longer matches the filter)."""

    message: ParsedMessage
    edited_at: datetime
    store_if_new: bool = True


@dataclass(frozen=True, slots=True)
class Deletion:
    """A platform reported that a message was deleted."""

    platform: str
    platform_id: str
    deleted_at: datetime


@dataclass(slots=True)
class Batch:
    """What one `fetch` found: new items, edits, deletions, and the checkpoint after them.

    `seen` counts every record the platform sent (a filtered stream sees many
    more than it keeps); `done` says the source has caught up (or, for a
    stream, that the server closed it).
    """

    items: list[ParsedMessage] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    done: bool = True
    edits: list[Edit] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    seen: int = 0


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The stored message a reply answers, with what platforms need to thread it."""

    platform: str
    platform_id: str
    author: str
    thread_root_id: str
    raw: Mapping[str, Any]
    url: str | None = None

"""The demo brand, Halcyon Bikes (a fictional e-bike maker): its workspace,
its hand-written conversations and the demo sign-in. `goodwill.service.demo`
builds the workspace from them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from goodwill.domain import ParsedMessage, Workspace
from goodwill.ingest.readers import ImportOptions, read_messages

CONVERSATIONS = Path(__file__).with_name("conversations.jsonl")
#: The demo's sign-in, printed by `goodwill demo` and given in the README. Local demos only.
DEMO_USER = "demo"
DEMO_PASSWORD = "halcyon-demo"

HALCYON = Workspace(
    name="Halcyon Bikes",
    brand_accounts={
        "twitter": ["halcyonbikes"],
        "mastodon": ["halcyon@bikes.example"],
        "bluesky": ["halcyonbikes.bsky.social"],
        "reddit": ["HalcyonBikes"],
        "reviews": ["HalcyonBikes"],
    },
    keywords=["halcyon", "halcyon drift", "halcyon ridge", "halcyon loop", "halcyon ride"],
    competitors=["Vantor", "Pedalwise"],
)


def hand_written(now: datetime | None = None) -> Iterator[ParsedMessage]:
    """The hand-written conversations, moved by whole days so the newest is from today."""
    items = list(read_messages(CONVERSATIONS, ImportOptions(format="jsonl")))
    newest = max(m.created_at for m in items)
    today = (now or datetime.now(UTC)).date()
    shift = timedelta(days=(today - newest.date()).days)
    for m in items:
        yield dataclasses.replace(m, created_at=m.created_at + shift)

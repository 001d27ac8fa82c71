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


#: The team's saved replies (title, text, tags). The last is an old launch post kept as a template: the tone
#: check flags it (promotional, shouting) wherever it is listed.
SAVED_REPLIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Winter range", "Below 0°C expect roughly 20–30% less range than in summer: a Drift that does 70 km in July "
     "does about 50 km in January. Keeping the battery indoors overnight helps: "
     "https://halcyonbikes.example/help/winter-riding", ("battery", "winter")),
    ("Frame size", "Use your inseam: under 78 cm → S, 78 cm and over → M. The chart: "
     "https://halcyonbikes.example/help/sizing. A partner shop can also do a test ride.", ("sizing",)),
    ("Service partners", "Every partner shop services Halcyon bikes and most have demo bikes to try: "
     "https://halcyonbikes.example/help/service-partners", ("service",)),
    ("Drift 2027 launch", "Our best bike ever. Don't miss out!!! The all-new Halcyon Drift 2027 is HERE. "
     "Order now 👉 https://halcyonbikes.example/drift", ("launch",)),
)


def hand_written(now: datetime | None = None) -> Iterator[ParsedMessage]:
    """The hand-written conversations, moved by whole days so the newest is from today."""
    items = list(read_messages(CONVERSATIONS, ImportOptions(format="jsonl")))
    newest = max(m.created_at for m in items)
    today = (now or datetime.now(UTC)).date()
    shift = timedelta(days=(today - newest.date()).days)
    for m in items:
        yield dataclasses.replace(m, created_at=m.created_at + shift)

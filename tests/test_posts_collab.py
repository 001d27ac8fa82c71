"""Influencer collaborations worked out by hand: the influencer's network's
engagement and sentiment toward the influencer and the brand, 14 days before
the post and 14 days after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service import posts
from goodwill.service.workspace import operator
from goodwill.store import Store
from tests.listening import cli

POSTED = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)

# (id, author, time, reply to, sentiment: positive minus negative)
MESSAGES = [
    ("i0", "ivy", "2026-09-01T09:00:00Z", None, 0.0),
    ("f3old", "fay", "2026-09-02T09:00:00Z", "i0", 0.0),  # fay is in ivy's network, from long before
    ("i1", "ivy", "2026-10-05T09:00:00Z", None, 0.0),
    ("b1", "halcyon", "2026-10-05T10:00:00Z", None, 0.0),
    ("f1a", "finn", "2026-10-06T09:00:00Z", "i1", 0.8),
    ("f2a", "flo", "2026-10-06T10:00:00Z", "i1", 0.6),
    ("f1b", "finn", "2026-10-07T09:00:00Z", "b1", 0.6),
    ("o1", "olga", "2026-10-08T09:00:00Z", "b1", 0.9),  # not in the network: left out
    ("i2", "ivy", "2026-10-20T09:00:00Z", None, 0.0),
    ("b2", "halcyon", "2026-10-20T10:00:00Z", None, 0.0),
    ("f1c", "finn", "2026-10-21T09:00:00Z", "i2", -0.2),
    ("f2b", "flo", "2026-10-21T10:00:00Z", "b2", -0.8),
    ("f3a", "fay", "2026-10-22T09:00:00Z", "b2", -0.4),
    ("f1d", "finn", "2026-11-20T09:00:00Z", "b2", -1.0),  # after the window: left out
]


def _load(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "collab.jsonl"
    path.write_text("".join(json.dumps({
        "id": i, "platform": "twitter", "author": a, "created_at": t, "reply_to": r, "is_brand": a == "halcyon",
        "text": f"message {i}",
    }) + "\n" for i, a, t, r, _ in MESSAGES))
    import_file(store, path, ImportOptions())
    with store.begin() as conn:
        for i, _, _, _, score in MESSAGES:
            conn.execute(sa.text(
                "UPDATE message_signals SET sentiment_positive = :pos, sentiment_negative = :neg "
                "WHERE message_id = (SELECT id FROM messages WHERE platform_id = :i)"),
                {"pos": max(score, 0.0), "neg": max(-score, 0.0), "i": i})


def test_a_sponsored_post_that_soured_the_network_on_the_brand_is_marked(store: Store, settings: Settings,
                                                                         tmp_path: Path) -> None:
    _load(store, tmp_path)
    cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", "https://bikes.example",
        "--token-env", "GW_TEST_MASTODON")
    post = posts.draft(store, operator(), "Ivy rides the Aero: see her review", "fedi", collaboration="sponsored",
                       influencer="@Ivy")
    with store.begin() as conn:  # published on the 15th, as the platform would have recorded it
        conn.execute(sa.text("UPDATE posts SET status = 'published', published_at = :t WHERE id = :i"),
                     {"t": POSTED.replace(tzinfo=None), "i": post["id"]})
    found = posts.collaborations(store, operator())
    assert len(found) == 1
    c = found[0]
    assert c["influencer"] == "ivy" and c["collaboration"] == "sponsored" and c["network"] == 3
    assert c["window_days"] == 14
    ivy, brand = c["toward_influencer"], c["toward_brand"]
    assert ivy["before"] == {"messages": 2, "people": 2, "sentiment": 0.7}
    assert ivy["after"] == {"messages": 1, "people": 1, "sentiment": -0.2}
    assert ivy["sentiment_change"] == -0.9 and ivy["engagement_change"] == -1
    assert brand["before"] == {"messages": 1, "people": 1, "sentiment": 0.6}
    assert brand["after"] == {"messages": 2, "people": 2, "sentiment": -0.6}
    assert brand["sentiment_change"] == -1.2 and brand["engagement_change"] == 1
    assert c["drains_trust"] and "drains trust" in c["why"] and "3 people in the influencer's network" in c["why"]
    shown = cli(settings, "posts", "collaborations")
    assert shown.exit_code == 0 and "DRAINS TRUST" in shown.output

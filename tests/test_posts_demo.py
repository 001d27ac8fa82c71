"""The demo brand's publishing plan: drafts and scheduled posts on a channel that never publishes,
a warning that follows from the plan, and a past sponsored post whose figures are recounted here
from the stored messages and interactions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.service import posts
from goodwill.service.demo import build_demo
from goodwill.service.workspace import operator
from goodwill.store import Store, open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    settings = Settings(workspace=tmp_path_factory.mktemp("demo") / "demo")
    build_demo(settings)
    store = open_store(settings.resolved_database_url())
    yield store
    store.close()


def _newest(store: Store) -> datetime:
    with store.begin() as conn:
        newest = conn.execute(sa.text("SELECT max(created_at) FROM messages")).scalar_one()
    newest = datetime.fromisoformat(str(newest))
    return newest if newest.tzinfo else newest.replace(tzinfo=UTC)


def test_the_demo_plans_posts_on_a_channel_that_never_publishes(demo: Store, tmp_path: Path) -> None:
    with demo.begin() as conn:
        channel = conn.execute(sa.text("SELECT name, enabled, url FROM sources WHERE name = 'halcyon-posts'")).one()
    assert not channel.enabled and "bikes.example" not in str(channel.url)
    plan = posts.plan(demo, operator())
    by_status: dict[str, list[dict[str, Any]]] = {}
    for p in plan["posts"]:
        by_status.setdefault(str(p["status"]), []).append(p)
    assert len(by_status["scheduled"]) == 3 and len(by_status["draft"]) == 1
    newest, now = _newest(demo), datetime.now(UTC)
    for p in by_status["scheduled"]:
        at = datetime.fromisoformat(str(p["scheduled_at"]).replace("Z", "+00:00"))
        assert at > newest and at > now
    assert posts.publish_due(demo, operator(), environ={}, secrets=tmp_path / "none") == []  # nothing due
    # Two of the three scheduled posts sell: the plan tips toward taking, and says so.
    tilt = next(w for w in plan["warnings"] if w["code"] == "tips_to_taking")
    assert "1 of 3 posts planned" in tilt["why"]
    assert sorted(tilt["posts"]) == sorted(p["id"] for p in by_status["scheduled"] if p["reading"]["kind"] == "take")


def test_the_demo_collaboration_figures_recount_from_the_stored_data(demo: Store) -> None:
    [item] = posts.collaborations(demo, operator())
    assert item["collaboration"] == "sponsored" and item["influencer"] == "mara_rides"
    at = datetime.fromisoformat(item["at"].replace("Z", "+00:00"))
    assert at < _newest(demo) - timedelta(days=13)  # published before the demo's last fortnight
    with demo.begin() as conn:
        accounts = {r.id: (r.handle, bool(r.is_brand)) for r in conn.execute(
            sa.text("SELECT id, handle, is_brand FROM accounts"))}
        edges = conn.execute(sa.text("SELECT source_account_id, target_account_id, message_id FROM interactions")).all()
        written = {r.id: r for r in conn.execute(sa.text(
            "SELECT m.id, m.created_at, s.sentiment_positive - s.sentiment_negative AS score "
            "FROM messages m LEFT JOIN message_signals s ON s.message_id = m.id"))}
    mara = {a for a, (h, _) in accounts.items() if h.lower() == "mara_rides" or h.lower().startswith("mara_rides@")}
    brand = {a for a, (_, is_brand) in accounts.items() if is_brand}
    network = ({s for s, t, _ in edges if t in mara} | {t for s, t, _ in edges if s in mara}) - mara - brand
    assert item["network"] == len(network) > 0

    def when(message_id: int) -> datetime:
        value = written[message_id].created_at
        value = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    for name, targets in (("influencer", mara), ("brand", brand)):
        found = {(m, s, t) for s, t, m in edges if s in network and t in targets
                 and at - timedelta(days=14) <= when(m) < at + timedelta(days=14)}
        for side, after in (("before", False), ("after", True)):
            mine = [(m, s) for m, s, _ in found if (when(m) >= at) == after]  # once per message and target, as the page counts
            scores = [written[m].score for m, _ in mine if written[m].score is not None]
            figures = item[f"toward_{name}"][side]
            assert figures["messages"] == len(mine) and figures["people"] == len({s for _, s in mine})
            assert figures["sentiment"] == (round(sum(scores) / len(scores), 3) if scores else None)
    assert item["toward_brand"]["before"]["messages"] > 0 and item["toward_brand"]["after"]["messages"] > 0
    assert item["drains_trust"] is False and "no sign of drained trust" in item["why"]

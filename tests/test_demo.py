"""The demo workspace: hand-written conversations and synthetic workspaces."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.demo.build import HALCYON, hand_written
from goodwill.service.demo import build_demo
from goodwill.service.workspace import open_workspace, workspace_status
from goodwill.store.tables import messages


def test_hand_written_demo_is_rich_and_current(settings: Settings) -> None:
    summary = build_demo(settings)
    assert summary["built"] and summary["messages"] >= 300
    store = open_workspace(settings)
    status = workspace_status(store)
    assert status["workspace"]["name"] == HALCYON.name
    assert len(status["by_platform"]) >= 4
    assert status["brand_messages"] >= 40
    assert status["answered_threads"] >= 40
    assert status["unanswered_threads"] >= 15
    assert status["interactions"] > status["messages"] // 2
    assert status["last_message_at"][:10] == datetime.now(UTC).date().isoformat()
    with store.begin() as conn:
        kinds = Counter(conn.execute(sa.select(messages.c.kind)).scalars())
        brand_posts = conn.execute(
            sa.select(sa.func.count()).where(messages.c.is_brand, messages.c.reply_to_id.is_(None))
        ).scalar_one()
        texts = conn.execute(sa.select(messages.c.text)).scalars().all()
    assert {"post", "reply", "comment", "review"} <= set(kinds)
    assert brand_posts >= 20  # the brand's own posts, helpful and promotional
    assert any("?" in t for t in texts) and any(len(t) > 1500 for t in texts)
    store.close()
    # building again keeps the workspace
    assert build_demo(settings)["built"] is False


def test_hand_written_times_move_to_today() -> None:
    now = datetime(2030, 5, 17, 12, tzinfo=UTC)
    items = list(hand_written(now))
    assert max(m.created_at for m in items).date() == now.date()
    assert len({(m.platform, m.platform_id) for m in items}) == len(items)


def test_synthetic_demo(settings: Settings) -> None:
    summary = build_demo(settings, messages=3000, seed=11)
    assert summary["messages"] == 3000
    store = open_workspace(settings)
    status = workspace_status(store)
    store.close()
    assert status["messages"] == 3000
    assert 0 < status["brand_messages"] < 3000
    assert status["threads"] < 3000  # replies join threads
    assert status["unanswered_threads"] > 0 and status["answered_threads"] > 0
    assert not any(settings.workspace.glob("*.jsonl"))  # the generated file is removed

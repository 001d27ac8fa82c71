"""The demo's people: stages and trust that follow from its hand-written conversations."""

from __future__ import annotations

import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.service import people
from goodwill.service.demo import build_demo
from goodwill.service.team import cli_actor
from goodwill.service.workspace import open_workspace


def test_demo_people_have_stages_reasons_and_trust(tmp_path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_demo(settings)
    store = open_workspace(settings)
    try:
        actor = cli_actor()
        listed = people.list_people(store, actor, limit=200)
        stages = listed["stages"]
        assert len(stages) >= 4, stages  # the demo's people are at different stages
        assert all(p["reason"] for p in listed["items"])
        with store.begin() as conn:
            mara = conn.execute(sa.text("SELECT DISTINCT person_id FROM accounts WHERE handle = 'mara_rides'")).scalars().all()
        assert len(mara) == 1  # her Twitter and review accounts are one person: the same verified site
        data = people.person(store, actor, mara[0])
        assert {a["platform"] for a in data["accounts"]} == {"twitter", "reviews"}
        rel = data["relationship"]
        assert rel["brand_replies"] > 0 and rel["trust"]["score"] > 0
        assert rel["trust"]["score"] == sum(p["points"] for p in rel["trust"]["parts"])
        assert data["scores"] is not None and data["scores"]["influence_reasons"]
        for stage in ("advocate", "at risk"):
            assert people.list_people(store, actor, stage=stage)["items"], stage
    finally:
        store.close()

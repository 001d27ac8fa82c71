"""The demo's help centre: the hand-written demo imports it, and its customers' questions find the articles the
brand's own replies linked."""

from __future__ import annotations

import json
from pathlib import Path

from goodwill.config import Settings
from goodwill.service import knowledge
from goodwill.service.demo import HELP_CENTRE, build_demo
from goodwill.service.workspace import open_workspace, operator

CONVERSATIONS = Path(__file__).resolve().parents[1] / "src" / "goodwill" / "demo" / "conversations.jsonl"


def test_the_demo_has_its_help_centre_and_suggests_what_the_brand_linked(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_demo(settings)
    store = open_workspace(settings)
    try:
        listed = knowledge.articles(store, operator())
        assert len(listed) == sum(1 for line in HELP_CENTRE.read_text(encoding="utf-8").splitlines() if line.strip())
        rows = {r["id"]: r for r in map(json.loads, CONVERSATIONS.read_text(encoding="utf-8").splitlines())}
        # the customer's question, and the help page the brand's reply to it linked
        for reply_id in ("tw-1177", "tw-1030", "tw-1057"):
            reply = rows[reply_id]
            question = rows[reply["reply_to"]]["text"]
            linked = next(w for w in reply["text"].split() if w.startswith("https://halcyonbikes.example/help/"))
            top = knowledge.suggest(store, operator(), question, top=3)
            assert top[0]["url"] == linked.rstrip("."), (question, top)
    finally:
        store.close()

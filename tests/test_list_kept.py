"""What the lists keep between requests is never stale (SQLite and PostgreSQL): a listed thread is made
again when its first message's signals or its counts change, and a case list row when its case changes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from goodwill.config import Settings
from goodwill.domain.threads import ThreadFilter
from goodwill.service import conversations, team
from goodwill.service.workspace import open_workspace
from tests.web_helpers import PASSWORD, build_workspace, csrf_of


def test_a_listed_thread_follows_its_signals_and_counts(settings: Settings, tmp_path: Path) -> None:
    build_workspace(settings, tmp_path)
    store = open_workspace(settings)
    try:
        actor = team.cli_actor()
        first = conversations.conversations(store, actor, ThreadFilter(), limit=20)["items"]
        again = conversations.conversations(store, actor, ThreadFilter(), limit=20)["items"]
        assert again == first
        target = next(t for t in first if t["root"] is not None and t["root"]["signals"] is not None
                      and t["root"]["signals"]["intent"] != "praise")
        with store.begin() as conn:
            message_id = conn.execute(text(
                "SELECT id FROM messages WHERE platform = :p AND platform_id = :i"),
                {"p": target["platform"], "i": target["root_platform_id"]}).scalar_one()
            conn.execute(text("UPDATE message_signals SET intent = 'praise', reasons = NULL WHERE message_id = :m"),
                         {"m": message_id})
            conn.execute(text("UPDATE threads SET message_count = message_count + 5 WHERE id = :t"), {"t": target["id"]})
        changed = next(t for t in conversations.conversations(store, actor, ThreadFilter(), limit=20)["items"]
                       if t["id"] == target["id"])
        assert changed["root"]["signals"]["intent"] == "praise"
        assert changed["root"]["signals"]["reasons"]["intent"] == "praise: the intent model's most likely label"
        assert changed["message_count"] == target["message_count"] + 5
        others = [t for t in conversations.conversations(store, actor, ThreadFilter(), limit=20)["items"]
                  if t["id"] != target["id"]]
        assert others == [t for t in first if t["id"] != target["id"]]
    finally:
        store.close()


def test_a_case_list_row_follows_its_case(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from goodwill.web.app import create_app

    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False).status_code == 303
        page = client.get("/cases").text
        case_id = int(page.split('<td><a href="/cases/', 1)[1].split('"', 1)[0])
        row = page.split(f'<td><a href="/cases/{case_id}">', 1)[1].split("</tr>", 1)[0]
        assert "<td>new</td>" in row and "(billing)" not in row
        store = open_workspace(settings)
        try:
            with store.begin() as conn:
                conn.execute(text("UPDATE cases SET status = 'open', team = 'billing' WHERE id = :i"), {"i": case_id})
        finally:
            store.close()
        row = client.get("/cases").text.split(f'<td><a href="/cases/{case_id}">', 1)[1].split("</tr>", 1)[0]
        assert "<td>open</td>" in row and "(billing)" in row

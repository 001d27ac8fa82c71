"""The knowledge base over real HTTP: the API under /api/v1/kb and the /kb page (CSRF, roles, escaping)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from goodwill.config import Settings
from goodwill.service import knowledge, team
from goodwill.service.workspace import init_workspace
from goodwill.web.app import create_app
from tests.conftest import BRAND
from tests.web_helpers import PASSWORD, csrf_of, serving

ARTICLES = [
    {"id": "battery-care", "title": "Looking after your battery", "body": "A battery that will not charge may need a reset.",
     "url": "https://help.example.com/battery-care", "tags": ["battery"]},
    {"id": "help/refunds", "title": "Refunds <b>and</b> returns", "body": "Return a bike within 30 days for a refund.",
     "url": "https://help.example.com/refunds", "tags": ["orders"]},
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp_path: Path = tmp_path_factory.mktemp("kb-web")
    settings = Settings(workspace=tmp_path / "ws")
    store = init_workspace(settings, BRAND)
    admin = team.cli_actor()
    tokens = {}
    for role in ("manager", "agent"):
        team.add_user(store, admin, f"{role}1", PASSWORD, role)
        tokens[role] = team.create_token(store, team.user_actor(store, f"{role}1"), f"{role} tests")[0]
    path = tmp_path / "kb.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    knowledge.import_articles(store, admin, path)
    store.close()
    with serving(create_app(settings)) as base:
        yield base, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_lists_suggests_and_changes_articles(web) -> None:
    base, tokens = web
    agent, manager = auth(tokens["agent"]), auth(tokens["manager"])
    with httpx.Client(base_url=base) as http:
        items = http.get("/api/v1/kb", headers=agent).json()["items"]
        assert [a["id"] for a in items] == ["battery-care", "help/refunds"]
        assert http.get("/api/v1/kb", params={"tag": "orders"}, headers=agent).json()["items"][0]["id"] == "help/refunds"
        found = http.get("/api/v1/kb/suggest", params={"text": "can I get a refund?", "top": 1}, headers=agent).json()["items"]
        assert [(s["id"], s["url"]) for s in found] == [("help/refunds", "https://help.example.com/refunds")]
        assert "'refund'" in found[0]["reason"]
        assert http.get("/api/v1/kb/help/refunds", headers=agent).json()["title"] == "Refunds <b>and</b> returns"
        denied = http.post("/api/v1/kb", json={"id": "x", "title": "X"}, headers=agent)
        assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
        made = http.post("/api/v1/kb", json={"id": "gears", "title": "Gear tuning", "body": "Index the gears.",
                                             "tags": ["Repair"]}, headers=manager)
        assert made.status_code == 201 and made.json()["tags"] == ["repair"]
        edited = http.put("/api/v1/kb/gears", json={"title": "Gears that skip", "url": "https://help.example.com/gears"},
                          headers=manager)
        assert edited.json()["title"] == "Gears that skip" and edited.json()["body"] == ""
        assert http.get("/api/v1/kb/suggest", params={"text": "my gears skip", "top": 1},
                        headers=agent).json()["items"][0]["id"] == "gears"
        bad = http.post("/api/v1/kb", json={"id": "y", "title": "Y", "url": "javascript:alert(1)"}, headers=manager)
        assert bad.status_code == 422 and bad.json()["field"] == "url"
        assert http.post("/api/v1/kb", json={"id": "z", "title": "Z", "extra": 1}, headers=manager).status_code == 422
        assert http.get("/api/v1/kb/suggest", params={"text": "x", "top": 0}, headers=agent).status_code == 422
        assert http.get("/api/v1/kb/for-case/99", headers=agent).json()["code"] == "not_found"
        assert http.delete("/api/v1/kb/gears", headers=manager).json() == {"removed": "gears"}
        missing = http.delete("/api/v1/kb/gears", headers=manager)
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def sign_in(http: httpx.Client, username: str) -> None:
    token = csrf_of(http.get("/login").text)
    r = http.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert r.status_code == 303


def test_the_page_lists_tries_adds_edits_and_removes(web) -> None:
    base, _ = web
    with httpx.Client(base_url=base) as http:
        sign_in(http, "manager1")
        page = http.get("/kb").text
        assert "Looking after your battery" in page and "Refunds &lt;b&gt;and&lt;/b&gt; returns" in page
        assert "<b>and</b>" not in page
        tried = http.get("/kb", params={"q": "my battery will not charge"}).text
        assert tried.index("Looking after your battery") < tried.index("Refunds &lt;b&gt;")
        assert "https://help.example.com/battery-care</code>" in tried and "shares the words" in tried
        token = csrf_of(page)
        assert http.post("/kb", data={"id": "chain", "title": "Chain care"}).status_code == 403  # no CSRF token
        r = http.post("/kb", data={"csrf_token": token, "id": "chain", "title": "Chain care", "tags": "Repair, chain",
                                   "url": "https://help.example.com/chain", "body": "Oil it."})
        assert r.status_code == 303
        listed = http.get("/kb", params={"tag": "repair"}).text
        assert "Chain care" in listed and "Looking after your battery" not in listed and "Saved Chain care." in listed
        form = http.get("/kb", params={"edit": "chain"}).text
        assert 'name="original" value="chain"' in form and "Oil it." in form
        http.post("/kb", data={"csrf_token": token, "original": "chain", "id": "chain", "title": "Chain and cassette"})
        assert "Chain and cassette" in http.get("/kb").text
        moved = http.post("/kb", data={"csrf_token": token, "original": "chain", "id": "other", "title": "X"})
        assert moved.status_code == 303 and "cannot change" in http.get("/kb").text
        http.post("/kb/remove", data={"csrf_token": token, "id": "chain"})
        assert "Chain and cassette" not in http.get("/kb").text


def test_agents_see_the_page_without_the_forms(web) -> None:
    base, _ = web
    with httpx.Client(base_url=base) as http:
        sign_in(http, "agent1")
        page = http.get("/kb").text
        assert "Looking after your battery" in page and "Add an article" not in page and "/kb/remove" not in page
        token = csrf_of(page)
        r = http.post("/kb", data={"csrf_token": token, "id": "a", "title": "A"})
        assert r.status_code == 403

"""Routing rules over real HTTP on loopback: /api/v1/rules (roles, versions, the dry-run figure) and the
rules page (try before saving, save, edit as a new version, remove), social-media text escaped."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from goodwill.config import Settings
from goodwill.service import routing, team
from goodwill.service.workspace import open_workspace
from goodwill.web.app import create_app
from tests.web_helpers import PASSWORD, XSS_SCRIPT, build_workspace, csrf_of, serving


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("routing-web")
    settings = Settings(workspace=tmp / "ws")
    tokens = build_workspace(settings, tmp)
    store = open_workspace(settings)
    try:
        admin = team.cli_actor()
        routing.add_team(store, admin, "support", manager="manager1")
        routing.join_team(store, admin, "support", "agent1")
        routing.set_policy(store, admin, "standard", first_response="4h", resolution="16h",
                           timezone="Europe/London", hours="mon-fri 09:00-17:00")
    finally:
        store.close()
    with serving(create_app(settings)) as base:
        yield base, tokens


def api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_rules_api_versions_roles_and_dry_run(site: tuple[str, dict[str, str]]) -> None:
    base, tokens = site
    with api(base, tokens["manager"]) as m, api(base, tokens["agent"]) as a:
        body = {"name": "Battery", "conditions": {"keywords": ["battery"]},
                "actions": {"team": "support", "strategy": "round-robin", "tags": ["odd"], "sla": "standard"}}
        assert a.post("/rules", json=body).status_code == 403
        created = m.post("/rules", json=body)
        assert created.status_code == 201, created.text
        rule = created.json()
        # tried before saving, on the same past messages a try alone looks at
        tried = a.post("/rules/test", json={"conditions": {"keywords": ["battery"]}}).json()
        assert rule["tried"] == tried and tried["matched"] >= 1
        assert tried["words"].startswith(f"this rule would have matched {tried['matched']} of {tried['looked_at']} ")
        assert all("battery" in e["text"].lower() for e in tried["examples"])
        rid = rule["id"]
        assert a.post("/rules/test", json={"conditions": {"keywords": ["battery"]}, "days": 0}).status_code == 422
        bad = m.post("/rules", json={"name": "x", "conditions": {"intents": ["rant"]}})
        assert bad.status_code == 422 and "intents" in bad.text
        assert m.post("/rules", json={"name": "x", "colour": "red"}).status_code == 422
        edited = m.patch(f"/rules/{rid}", json={"conditions": {"intents": ["question"]}, "actions": {"tags": None}})
        assert edited.status_code == 200, edited.text
        assert (edited.json()["version"], edited.json()["conditions"], edited.json()["actions"]["tags"]) == (
            2, {"intents": ["question"], "keywords": ["battery"]}, [])
        versions = a.get(f"/rules/{rid}").json()["items"]
        assert [v["version"] for v in versions] == [1, 2] and versions[0]["retired_at"] is not None
        assert [r["id"] for r in a.get("/rules").json()["items"]] == [rid]
        assert a.get("/teams").json()["items"][0]["members"] == [{"user": "agent1", "role": "agent", "available": True}]
        assert a.get("/sla-policies").json()["items"][0]["hours"] == "mon-fri 09:00-17:00"
        assert a.delete(f"/rules/{rid}").status_code == 403
        assert m.delete(f"/rules/{rid}").json()["version"] == 2
        assert a.get("/rules").json()["items"] == []
        assert len(a.get("/rules", params={"history": "true"}).json()["items"]) == 2
        assert m.patch(f"/rules/{rid}", json={"name": "again"}).status_code == 404


def sign_in(client: httpx.Client, username: str) -> None:
    token = csrf_of(client.get("/login").text)
    done = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert done.status_code == 303


def test_rules_page_try_then_save_then_edit(site: tuple[str, dict[str, str]]) -> None:
    base, _ = site
    with httpx.Client(base_url=base, timeout=30) as web:
        sign_in(web, "manager1")
        page = web.get("/rules")
        assert page.status_code == 200 and "No rules yet." in page.text or "Routing rules" in page.text
        form = {"csrf_token": csrf_of(page.text), "name": "Chargers", "keywords": "battery, ok",
                "team": "support", "assign": "least-loaded", "tags": "hardware", "sla": "", "days": "30",
                "position": "", "topics": "", "languages": "", "platforms": "", "min_priority": "", "assignee": ""}
        tried = web.post("/rules", data={**form, "do": "try"})
        assert tried.status_code == 200
        assert "would have matched" in tried.text
        assert "<li>" in tried.text.split("would have matched")[1]  # matching messages are shown
        assert 'value="battery, ok"' in tried.text  # the form keeps what was typed
        hostile = web.post("/rules", data={**form, "do": "try", "keywords": XSS_SCRIPT})
        assert XSS_SCRIPT not in hostile.text and "&lt;script&gt;window.__pwned" in hostile.text
        saved = web.post("/rules", data={**form, "do": "save"}, follow_redirects=False)
        assert saved.status_code == 303
        rule_url = saved.headers["location"]
        shown = web.get(rule_url)
        assert "would have matched" in shown.text and "Save as a new version" in shown.text
        edit = {**form, "csrf_token": csrf_of(shown.text), "keywords": "battery", "tags": "", "do": "save"}
        assert web.post(rule_url, data=edit, follow_redirects=False).status_code == 303
        again = web.get(rule_url)
        assert "now version 2" in again.text and "v1 by manager1" in again.text
        bad = web.post(rule_url, data={**edit, "csrf_token": csrf_of(again.text), "min_priority": "lots"})
        assert bad.status_code == 422 and "min_priority" in bad.text
        gone = web.post(rule_url, data={**edit, "csrf_token": csrf_of(again.text), "do": "remove"},
                        follow_redirects=False)
        assert gone.status_code == 303
    with httpx.Client(base_url=base, timeout=30) as web:
        sign_in(web, "agent1")
        page = web.get("/rules")
        assert "Try it on past messages" in page.text and "Save rule" not in page.text
        refused = web.post("/rules", data={**form, "csrf_token": csrf_of(page.text), "do": "save"})
        assert refused.status_code == 403

"""/api/v1/cases over the demo workspace: the list's order and contract, one case, assigning with the role
rules, notes, statuses, opening by hand and a reply's dry run; every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.web.app import create_app
from tests.listening import rows, scalar
from tests.web_helpers import build_workspace


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Settings]]:
    """A client of the demo workspace's app, and each role's token as a request header."""
    tokens = build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}, settings


def test_cases_api(web) -> None:
    client, headers, settings = web
    agent, manager = headers["agent"], headers["manager"]
    assert client.get("/api/v1/cases").status_code == 401
    items = client.get("/api/v1/cases", headers=agent).json()["items"]
    assert items, "the demo opens cases"
    assert [c["priority"] for c in items] == sorted((c["priority"] for c in items), reverse=True)
    assert all(c["reason"] and c["platform_id"] and c["status"] in ("new", "open", "waiting") for c in items)
    r = client.get("/api/v1/cases", params={"colour": "red"}, headers=agent)
    assert r.status_code == 422 and r.json()["field"] == "colour"
    assert client.get("/api/v1/cases", params={"status": "snoozed"}, headers=agent).status_code == 422
    top = items[0]
    one = client.get(f"/api/v1/cases/{top['id']}", headers=agent).json()
    assert one["id"] == top["id"] and one["messages"][0]["platform_id"] == top["platform_id"]
    assert client.get("/api/v1/cases/999999", headers=agent).status_code == 404
    # An agent takes a case; giving it to someone else needs a manager.
    r = client.patch(f"/api/v1/cases/{top['id']}", json={"assignee": "manager1"}, headers=agent)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.patch(f"/api/v1/cases/{top['id']}", json={"assignee": "agent1", "tags": ["urgent"]}, headers=agent)
    assert r.status_code == 200 and r.json()["assignee"] == "agent1" and r.json()["status"] == "open"
    r = client.patch(f"/api/v1/cases/{top['id']}", json={"assignee": "manager1", "team": "care"}, headers=manager)
    assert r.status_code == 200 and r.json()["assignee"] == "manager1" and r.json()["team"] == "care"
    assert client.patch(f"/api/v1/cases/{top['id']}", json={"colour": "red"}, headers=agent).status_code == 422
    assert client.patch(f"/api/v1/cases/{top['id']}", json={}, headers=agent).status_code == 422
    r = client.post(f"/api/v1/cases/{top['id']}/notes", json={"text": "Called the workshop"}, headers=agent)
    assert r.status_code == 201 and r.json()["author"] == "agent1"
    r = client.patch(f"/api/v1/cases/{top['id']}", json={"status": "resolved", "public": True}, headers=agent)
    assert r.status_code == 200 and r.json()["resolved_public"] is True
    r = client.patch(f"/api/v1/cases/{top['id']}", json={"status": "waiting"}, headers=agent)
    assert r.status_code == 409
    listed = {c["id"] for c in client.get("/api/v1/cases", params={"status": "resolved"}, headers=agent).json()["items"]}
    assert top["id"] in listed
    # Opening by hand: a brand message cannot open a case; a reply's dry run says what sending needs.
    store = _store(settings)
    try:
        brand = scalar(store, "SELECT min(id) FROM messages WHERE is_brand")
    finally:
        store.close()
    r = client.post("/api/v1/cases", json={"message_id": brand}, headers=agent)
    assert r.status_code == 409
    second = items[1]
    r = client.post(f"/api/v1/cases/{second['id']}/reply", json={"text": "Thanks, we are on it"}, headers=agent)
    assert r.status_code == 200 and r.json()["reply"]["published_id"] is None
    store = _store(settings)
    try:
        actions = [r.action for r in rows(store, "SELECT action FROM audit_log WHERE actor_name = 'agent1' ORDER BY id")]
    finally:
        store.close()
    assert {"case.assigned", "case.note", "case.status"} <= set(actions)


def test_the_case_list_pages_by_cursor_and_band(web) -> None:
    """Walking the list 7 at a time by `next_cursor` gives the one-page list, in its order, once each."""
    client, headers, _ = web
    agent = headers["agent"]
    whole = client.get("/api/v1/cases", params={"limit": 500}, headers=agent).json()
    assert whole["next_cursor"] is None and len(whole["items"]) > 14
    walked, cursor = [], None
    while True:
        page = client.get("/api/v1/cases", params={"limit": 7, **({"cursor": cursor} if cursor else {})},
                          headers=agent).json()
        assert len(page["items"]) <= 7
        walked += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [c["id"] for c in whole["items"]]
    high = client.get("/api/v1/cases", params={"band": "high", "limit": 500}, headers=agent).json()["items"]
    assert high and {c["band"] for c in high} == {"high"}
    assert [c["id"] for c in high] == [c["id"] for c in whole["items"] if c["band"] == "high"]
    for field, value in (("cursor", "nonsense"), ("band", "purple")):
        r = client.get("/api/v1/cases", params={field: value}, headers=agent)
        assert r.status_code == 422 and r.json()["field"] == field, r.json()


def _store(settings: Settings):
    from goodwill.service.workspace import open_workspace

    return open_workspace(settings)


def test_case_pages_escape_text_and_highlight_breaches(web) -> None:
    client, _headers, _settings = web
    assert client.get("/cases", follow_redirects=False).status_code in (302, 303)  # signs in first
    from tests.web_helpers import PASSWORD, csrf_of

    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": token, "next": "/cases"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/cases")
    assert page.status_code == 200 and 'id="cases"' in page.text
    assert "<script>window.__pwned" not in page.text and "&lt;script&gt;window.__pwned" in page.text
    assert 'class="breached' in page.text  # the demo's cases have waited past their default SLA
    case_id = page.text.split('href="/cases/', 1)[1].split('"', 1)[0]
    one = client.get(f"/cases/{case_id}")
    assert one.status_code == 200 and "Priority <strong>" in one.text and 'id="case-messages"' in one.text
    assert client.get("/cases/999999").status_code == 404


"""The JSON API, in process, on SQLite and PostgreSQL: auth, roles, paging, filters, errors, audit."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.service.workspace import open_workspace, workspace_status
from goodwill.store.tables import audit_log, messages, threads
from goodwill.web.app import create_app
from tests.web_helpers import XSS_IMG, XSS_SCRIPT, build_workspace


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Settings]]:
    tokens = build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, tokens, settings


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_every_resource_is_refused(api) -> None:
    client, _tokens, _ = api
    for path in ("/api/v1/me", "/api/v1/conversations", "/api/v1/threads/1", "/api/v1/audit"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.json()["status"] == 401 and r.json()["code"] == "unauthenticated"
        assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/v1/me", headers=auth("gw_not-a-real-token"))
    assert r.status_code == 401 and "token" in r.json()["message"]
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_openapi_document_lists_the_resources(api) -> None:
    client, _, _ = api
    doc = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/conversations", "/api/v1/threads/{thread_id}", "/api/v1/people/{person_id}",
                 "/api/v1/users", "/api/v1/tokens", "/api/v1/audit", "/api/v1/settings"):
        assert path in doc["paths"], path
    assert client.get("/api/v1/docs").status_code == 200


def test_conversations_page_by_cursor_through_every_thread(api) -> None:
    client, tokens, settings = api
    seen: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 37} | ({"cursor": cursor} if cursor else {})
        r = client.get("/api/v1/conversations", params=params, headers=auth(tokens["agent"]))
        assert r.status_code == 200, r.text
        body = r.json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    store = open_workspace(settings)
    with store.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(threads)).scalar_one()
    store.close()
    assert len(seen) == total and len({t["id"] for t in seen}) == total
    keys = [(t["last_at"], t["id"]) for t in seen]
    assert keys == sorted(keys, reverse=True)


def test_filters(api) -> None:
    client, tokens, _ = api
    h = auth(tokens["agent"])

    def items(**params: str) -> list[dict]:
        r = client.get("/api/v1/conversations", params={"limit": 200, **params}, headers=h)
        assert r.status_code == 200, r.text
        return r.json()["items"]

    everything = items()
    mastodon = items(platform="mastodon")
    assert mastodon and all(t["platform"] == "mastodon" for t in mastodon)
    assert len(mastodon) == sum(t["platform"] == "mastodon" for t in everything)
    waiting = items(answered="no")
    answered = items(answered="yes")
    assert waiting and answered
    assert all(not t["answered"] and not t["started_by_brand"] and t["brand_message_count"] == 0 for t in waiting)
    assert all(t["answered"] and t["brand_message_count"] > 0 for t in answered)
    day = everything[0]["last_at"][:10]
    today = items(since=day, until=day)
    assert today and all(t["last_at"][:10] == day for t in today)
    found = items(q="zebrafish")
    assert [t["root"]["text"] for t in found] == [XSS_SCRIPT]  # the thread whose reply matches
    thread = client.get(f"/api/v1/threads/{found[0]['id']}", headers=h).json()
    assert [m["text"] for m in thread["messages"]] == [XSS_SCRIPT, XSS_IMG]
    battery = items(q="battery")
    assert battery and len(battery) < len(everything)
    for t in battery[:5]:
        texts = " ".join(m["text"].lower() for m in client.get(f"/api/v1/threads/{t['id']}", headers=h).json()["messages"])
        assert "batter" in texts
    assert items(q="zzzxqnotaword") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"answered": "maybe"}, "answered"), ({"since": "yesterday"}, "since"),
     ({"cursor": "not-a-cursor"}, "cursor")],
)
def test_bad_input_names_the_field(api, params: dict, field: str) -> None:
    client, tokens, _ = api
    r = client.get("/api/v1/conversations", params=params, headers=auth(tokens["agent"]))
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["code"] == "validation_error" and body["field"] == field
    assert field in body["message"]


def test_thread_and_person(api) -> None:
    client, tokens, settings = api
    h = auth(tokens["agent"])
    store = open_workspace(settings)
    with store.begin() as conn:
        busiest = conn.execute(sa.select(threads.c.id, threads.c.message_count).order_by(threads.c.message_count.desc())).first()
    store.close()
    thread = client.get(f"/api/v1/threads/{busiest.id}", headers=h).json()
    assert len(thread["messages"]) == busiest.message_count > 2
    stamps = [(m["created_at"], m["id"]) for m in thread["messages"]]
    assert stamps == sorted(stamps)
    assert all(m["author"] for m in thread["messages"])
    author = next(m for m in thread["messages"] if not m["is_brand"])
    person = client.get(f"/api/v1/people/{author['person_id']}", headers=h).json()
    assert author["author"] in {a["handle"] for a in person["accounts"]}
    assert author["id"] in {m["id"] for m in person["messages"]}
    assert all(m["person_id"] == person["id"] for m in person["messages"])
    missing = client.get("/api/v1/threads/999999", headers=h)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/v1/people/abc", headers=h).json()["field"] == "person_id"


def test_roles_are_enforced_and_changes_audited(api) -> None:
    client, tokens, settings = api
    agent, manager, admin = (auth(tokens[r]) for r in ("agent", "manager", "admin"))
    assert client.get("/api/v1/me", headers=agent).json()["role"] == "agent"
    for method, path, body in (("GET", "/api/v1/users", None), ("GET", "/api/v1/audit", None),
                               ("PATCH", "/api/v1/settings", {"keywords": ["x"]}),
                               ("POST", "/api/v1/users", {"username": "eve", "password": "12345678", "role": "admin"})):
        r = client.request(method, path, json=body, headers=agent)
        assert r.status_code == 403, (method, path)
        assert r.json()["code"] == "forbidden" and "agent" in r.json()["message"]
    r = client.patch("/api/v1/settings", json={"keywords": ["halcyon", "drift <b>"]}, headers=manager)
    assert r.status_code == 200 and r.json()["keywords"] == ["halcyon", "drift <b>"]
    assert client.get("/api/v1/users", headers=manager).status_code == 403
    r = client.post("/api/v1/users", json={"username": "dana", "password": "longenough", "role": "agent"}, headers=admin)
    assert r.status_code == 201 and r.json()["role"] == "agent"
    dup = client.post("/api/v1/users", json={"username": "DANA", "password": "longenough"}, headers=admin)
    assert dup.status_code == 409 and dup.json()["code"] == "conflict"
    bad = client.post("/api/v1/users", json={"username": "fred", "password": "longenough", "role": "boss"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "role"
    short = client.post("/api/v1/users", json={"username": "fred", "password": "short"}, headers=admin)
    assert short.status_code == 422 and short.json()["field"] == "password"
    assert client.patch("/api/v1/users/dana", json={"disabled": True}, headers=admin).json()["disabled"] is True
    audit = client.get("/api/v1/audit", params={"limit": 500}, headers=admin).json()["items"]
    by_action = {e["action"]: e for e in reversed(audit)}
    change = by_action["settings.update"]
    assert change["actor"] == "manager1" and change["origin"] == "api" and change["address"] == "testclient"
    assert change["details"]["keywords"]["after"] == ["halcyon", "drift <b>"]
    assert by_action["user.add"]["target"] == "dana" and by_action["user.disable"]["target"] == "dana"
    # the refused attempts changed nothing
    assert "eve" not in {u["username"] for u in client.get("/api/v1/users", headers=admin).json()["items"]}
    store = open_workspace(settings)
    with store.begin() as conn:
        origins = set(conn.execute(sa.select(audit_log.c.origin)).scalars())
    store.close()
    assert {"cli", "api"} <= origins


def test_tokens_are_shown_once_and_revocable(api) -> None:
    client, tokens, _ = api
    h = auth(tokens["agent"])
    r = client.post("/api/v1/tokens", json={"name": "crm"}, headers=h)
    assert r.status_code == 201
    new = r.json()
    assert new["token"].startswith("gw_") and new["prefix"] == new["token"][:10]
    listed = client.get("/api/v1/tokens", headers=h).json()["items"]
    assert {"crm", "agent tests"} == {t["name"] for t in listed}
    assert new["token"] not in json.dumps(listed)
    assert client.get("/api/v1/me", headers=auth(new["token"])).status_code == 200
    # another agent cannot see or revoke it; its owner can
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=auth(tokens["manager"])).status_code == 404
    assert client.delete(f"/api/v1/tokens/{new['id']}", headers=h).json()["revoked_at"]
    assert client.get("/api/v1/me", headers=auth(new["token"])).status_code == 401
    empty = client.post("/api/v1/tokens", json={"name": ""}, headers=h)
    assert empty.status_code == 422 and empty.json()["field"] == "name"
    extra = client.post("/api/v1/tokens", json={"name": "x", "owner": 1}, headers=h)
    assert extra.status_code == 422 and extra.json()["field"] == "owner"


def test_audit_export(api) -> None:
    client, tokens, _ = api
    admin = auth(tokens["admin"])
    lines = client.get("/api/v1/audit/export", params={"format": "jsonl"}, headers=admin).text.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    assert {"user.add", "token.create", "audit.export"} <= {e["action"] for e in entries}
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/audit/export", params={"format": "csv"}, headers=admin).text)))
    assert rows[0][:5] == ["id", "at", "actor_id", "actor", "action"]
    assert len(rows) == len(entries) + 2  # header, and the second export's own entry
    refused = client.get("/api/v1/audit/export", headers=auth(tokens["manager"]))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_overview(api) -> None:
    client, tokens, settings = api
    data = client.get("/api/v1/overview", headers=auth(tokens["agent"])).json()
    store = open_workspace(settings)
    status = workspace_status(store)  # counted from the messages themselves
    with store.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one()
    store.close()
    assert data["messages"] == total == status["messages"]
    # the daily counts kept by ingest (two imports here, on the same days) agree with a full count
    for key in ("by_platform", "by_day", "brand_messages", "threads", "answered_threads", "unanswered_threads",
                "people", "accounts", "first_message_at", "last_message_at"):
        assert data[key] == status[key], key
    assert data["by_day"] and data["latest_unanswered"]
    assert all(not t["answered"] for t in data["latest_unanswered"])


def test_migration_fills_daily_counts_of_existing_messages(settings: Settings) -> None:
    from alembic import command

    from goodwill.service.demo import build_demo
    from goodwill.store.db import _alembic_config
    from goodwill.store.tables import message_days

    build_demo(settings)
    store = open_workspace(settings)
    expected = workspace_status(store)["by_platform"]
    with store.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        command.upgrade(cfg, "head")
    with store.begin() as conn:
        rows = conn.execute(sa.select(message_days.c.platform, sa.func.sum(message_days.c.messages))
                            .group_by(message_days.c.platform)).all()
    store.close()
    assert {p: int(n) for p, n in rows} == {p: v["messages"] for p, v in expected.items()}

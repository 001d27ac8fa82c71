"""Pages in process: sessions, CSRF, the sign-in rate limit, roles and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.service import audit, team
from goodwill.service.workspace import open_workspace
from goodwill.web.app import SESSION_COOKIE, create_app
from tests.web_helpers import PASSWORD, build_workspace, csrf_of


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, settings


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": next},
                       follow_redirects=False)


def test_pages_need_a_session(web) -> None:
    client, _ = web
    r = client.get("/conversations?platform=twitter", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fconversations%3Fplatform%3Dtwitter"
    r = sign_in(client, "agent1", next="/conversations?platform=twitter")
    assert r.status_code == 303 and r.headers["location"] == "/conversations?platform=twitter"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and SESSION_COOKIE in cookie
    assert client.get("/conversations").status_code == 200


def test_sign_in_goes_only_to_this_site(web) -> None:
    client, _ = web
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert sign_in(client, "agent1", next=target).headers["location"] == "/"


def test_sign_in_without_csrf_token_is_refused(web) -> None:
    client, _ = web
    client.get("/login")
    r = client.post("/login", data={"username": "agent1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "security token" in r.text
    r = client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_failed_sign_ins_are_rate_limited(web) -> None:
    client, settings = web
    for _ in range(5):
        r = sign_in(client, "agent1", "wrong password")
        assert r.status_code == 401 and "wrong username or password" in r.text
    r = sign_in(client, "agent1")  # even the right password waits now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in r.text and 'name="password"' in r.text  # the form again, with the reason
    assert sign_in(client, "manager1").status_code == 303  # another username is not blocked
    store = open_workspace(settings)
    entries = audit.read_audit(store, team.cli_actor(), action="user.login_failed", limit=100)["items"]
    store.close()
    assert len(entries) == 5 and {e["target"] for e in entries} == {"agent1"}
    assert {e["address"] for e in entries} == {"testclient"}


def test_password_reset_and_disable_end_sessions(web) -> None:
    client, settings = web
    assert sign_in(client, "agent1").status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    store = open_workspace(settings)
    team.reset_password(store, team.cli_actor(), "agent1", "another password")
    store.close()
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, "agent1", "another password").status_code == 303
    store = open_workspace(settings)
    team.set_disabled(store, team.cli_actor(), "agent1")
    store.close()
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, "agent1", "another password").status_code == 401


def test_roles_on_pages(web) -> None:
    client, _ = web
    sign_in(client, "agent1")
    for path in ("/users", "/audit", "/settings", "/audit/export.csv"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Not allowed" in r.text
    # the refusal is in the service, so a forged form post is refused too
    token = csrf_of(client.get("/").text)
    r = client.post("/users", data={"username": "x1", "password": "longenough", "role": "admin", "csrf_token": token})
    assert r.status_code == 403


def test_text_is_escaped(web) -> None:
    client, _ = web
    sign_in(client, "agent1")
    html = client.get("/conversations", params={"q": "zebrafish"}).text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<script>window" not in html
    found = re.search(r'href="(/threads/\d+)"', html)
    assert found
    thread = client.get(found.group(1)).text
    assert "&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt;" in thread
    assert "<img" not in thread
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_bad_page_input_is_named(web) -> None:
    client, _ = web
    sign_in(client, "agent1")
    r = client.get("/conversations", params={"since": "last week"})
    assert r.status_code == 422 and "since" in r.text
    assert client.get("/threads/999999").status_code == 404


def test_settings_form_changes_keywords_with_audit(web) -> None:
    client, settings = web
    sign_in(client, "manager1")
    token = csrf_of(client.get("/settings").text)
    r = client.post("/settings", data={"name": "Halcyon", "keywords": "halcyon\nhalcyon drift\nHALCYON\n",
                                       "competitors": "Vantor", "csrf_token": token})
    assert r.status_code == 200 and "Settings saved." in r.text
    store = open_workspace(settings)
    ws = team.get_settings(store, team.cli_actor())
    entry = audit.read_audit(store, team.cli_actor(), action="settings.update")["items"][0]
    store.close()
    assert ws["keywords"] == ["halcyon", "halcyon drift"] and ws["name"] == "Halcyon"
    assert entry["actor"] == "manager1" and entry["origin"] == "web"
    assert entry["details"]["competitors"] == {"before": ["Vantor", "Pedalwise"], "after": ["Vantor"]}

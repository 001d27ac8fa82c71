"""Regression tests for the security findings: sessions, tokens, the audit CSV, malformed input, cookies, docs, files."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.domain import Workspace
from goodwill.service import audit, team
from goodwill.service.workspace import init_workspace, open_workspace
from goodwill.web.app import SESSION_COOKIE, create_app
from tests.test_web_pages import sign_in
from tests.web_helpers import PASSWORD, build_workspace, csrf_of


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, Settings, dict[str, str]]]:
    settings = Settings(workspace=tmp_path / "ws")
    tokens = build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, settings, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _session_payload(cookie: str) -> str:
    data = cookie.split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode()


def test_a_saved_cookie_fails_after_sign_out(web) -> None:
    client, _, _ = web
    assert sign_in(client, "agent1").status_code == 303
    saved = client.cookies[SESSION_COOKIE]
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replay = TestClient(client.app, cookies={SESSION_COOKIE: saved})
    r = replay.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_new_token_is_shown_once_and_never_kept_in_the_cookie(web) -> None:
    client, _, _ = web
    sign_in(client, "agent1")
    r = client.post("/tokens/new", data={"name": "crm", "csrf_token": csrf_of(client.get("/tokens").text)})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    shown = r.text.split('id="new-token">')[1].split("<")[0]
    assert shown.startswith("gw_")
    assert shown not in _session_payload(client.cookies[SESSION_COOKIE])
    assert shown not in client.get("/tokens").text
    assert client.get("/api/v1/me", headers=auth(shown)).json()["username"] == "agent1"


def test_reset_and_disable_revoke_tokens_and_enabling_does_not_revive_them(web) -> None:
    client, settings, tokens = web
    assert client.get("/api/v1/me", headers=auth(tokens["agent"])).status_code == 200
    store = open_workspace(settings)
    operator = team.cli_actor()
    team.reset_password(store, operator, "agent1", "a new password")
    assert client.get("/api/v1/me", headers=auth(tokens["agent"])).status_code == 401
    fresh, _ = team.create_token(store, operator, "after reset", owner="agent1")
    assert client.get("/api/v1/me", headers=auth(fresh)).status_code == 200
    team.set_disabled(store, operator, "agent1", True)
    team.set_disabled(store, operator, "agent1", False)
    assert client.get("/api/v1/me", headers=auth(fresh)).status_code == 401
    disable = audit.read_audit(store, operator, action="user.disable")["items"][0]
    store.close()
    assert disable["details"]["tokens_revoked"] == [4]


def test_patch_user_is_all_or_nothing(web) -> None:
    client, settings, tokens = web
    # a new password and a role the admin may not give themselves: the request fails as a whole
    r = client.patch("/api/v1/users/admin1", json={"password": "changed password", "role": "agent"},
                     headers=auth(tokens["admin"]))
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert client.get("/api/v1/me", headers=auth(tokens["admin"])).json()["role"] == "admin"  # token not revoked
    assert sign_in(client, "admin1", PASSWORD).status_code == 303  # old password still good
    store = open_workspace(settings)
    assert audit.read_audit(store, team.cli_actor(), action="user.reset_password")["items"] == []
    store.close()
    r = client.patch("/api/v1/users/agent1", json={"password": "changed password", "role": "manager"},
                     headers=auth(tokens["admin"]))
    assert r.status_code == 200 and r.json()["role"] == "manager"


def test_audit_csv_neutralises_formulas_and_unknown_names_are_recorded_once_a_minute(web) -> None:
    client, settings, tokens = web
    for name in ('=HYPERLINK("http://evil.example","x")', "@SUM(1)", "+1", "-1", "\tx"):
        assert sign_in(client, name, "whatever pw").status_code == 401
    r = client.get("/api/v1/audit/export", params={"format": "csv"}, headers=auth(tokens["admin"]))
    rows = list(csv.reader(io.StringIO(r.text)))
    failed = [row for row in rows if row[4] == "user.login_failed"]
    assert len(failed) == 1  # the other unknown names within the minute are not recorded
    assert failed[0][3] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    # a failed sign-in as a real user is recorded every time
    sign_in(client, "agent1", "wrong")
    sign_in(client, "agent1", "wrong")
    store = open_workspace(settings)
    entries = audit.read_audit(store, team.cli_actor(), action="user.login_failed")["items"]
    store.close()
    assert [e["target"] for e in entries] == ["agent1", "agent1", None]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/threads/99999999999999999999", {}, "thread_id"),
    ("/api/v1/people/18446744073709551616", {}, "person_id"),
    ("/api/v1/people/1", {"before": "9223372036854775808"}, "before"),
    ("/api/v1/conversations", {"cursor": _cursor("0001-01-01T00:00:00+14:00|5")}, "cursor"),
    ("/api/v1/conversations", {"cursor": _cursor("9999-12-31T23:59:59-14:00|5")}, "cursor"),
    ("/api/v1/conversations", {"cursor": _cursor("2026-01-01T00:00:00+00:00|99999999999999999999")}, "cursor"),
    ("/api/v1/conversations", {"until": "9999-12-31"}, "until"),
    ("/api/v1/conversations", {"q": "refund\x00"}, "q"),
    ("/api/v1/conversations", {"text": "refund"}, "text"),
    ("/api/v1/audit", {"before": "-1", "limit": "5"}, "before"),
])
def test_malformed_input_is_a_4xx_naming_the_field(web, path: str, params: dict[str, str], field: str) -> None:
    client, _, tokens = web
    r = client.get(path, params=params, headers=auth(tokens["admin"]))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["status"] == 422 and body["code"] == "validation_error" and body["field"] == field


def test_malformed_pages_input_is_a_4xx(web) -> None:
    client, _, _ = web
    sign_in(client, "admin1")
    for path, params in (("/conversations", {"until": "9999-12-31"}), ("/conversations", {"q": "a\x00b"}),
                         ("/threads/99999999999999999999", {}),
                         ("/conversations", {"cursor": _cursor("0001-01-01T00:00:00+14:00|5")})):
        assert client.get(path, params=params).status_code == 422, (path, params)


def test_invalid_json_names_the_body_not_a_position(web) -> None:
    client, _, tokens = web
    r = client.patch("/api/v1/settings", content=b'{"name": "x",', headers={**auth(tokens["admin"]),
                                                                          "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body" and "JSON" in r.json()["message"]
    r = client.patch("/api/v1/settings", json={"keywords": ["ok", "bad\x00"]}, headers=auth(tokens["admin"]))
    assert r.status_code == 422 and r.json()["field"] == "keywords"
    r = client.post("/api/v1/users", json={"username": "x\x00y", "password": "long enough"}, headers=auth(tokens["admin"]))
    assert r.status_code == 422 and r.json()["field"] == "username"


def test_cookies_are_secure_over_https(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)

    def cookie(app_settings: Settings, **kwargs: object) -> str:
        with TestClient(create_app(app_settings), **kwargs) as client:  # type: ignore[arg-type]
            r = client.get("/login", headers={"X-Forwarded-Proto": "https"})
            return r.headers["set-cookie"].lower()

    assert "secure" not in cookie(settings)  # plain HTTP, proxy not trusted
    assert "secure" in cookie(settings, base_url="https://testserver")  # HTTPS straight to the server
    assert "secure" in cookie(settings.model_copy(update={"web_secure_cookies": True}))
    trusted = settings.model_copy(update={"web_trusted_proxies": "testclient"})
    assert "secure" in cookie(trusted)  # the trusted proxy says the browser came over HTTPS


def test_api_docs_are_served_from_this_origin(web) -> None:
    client, _, _ = web
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
    assert "http://" not in r.text and "https://" not in r.text and "//cdn" not in r.text
    for asset in ("/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/swagger-ui.css",
                  "/static/api-docs.js"):
        assert client.get(asset).status_code == 200, asset


def test_store_files_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        settings = Settings(workspace=tmp_path / "ws")
        store = init_workspace(settings, Workspace(name="Acme", brand_accounts={}, keywords=[], competitors=[]))
        team.add_user(store, team.cli_actor(), "alice", "long enough", "admin")  # a write: WAL and SHM exist
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in settings.workspace.iterdir()}
        store.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(settings.workspace.stat().st_mode) == 0o700
    assert files and {"goodwill.db", "goodwill.db-wal", "goodwill.db-shm"} <= set(files)
    assert all(mode == 0o600 for mode in files.values()), files


def test_an_old_store_others_could_read_is_tightened_on_open(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    init_workspace(settings, Workspace(name="Acme", brand_accounts={}, keywords=[], competitors=[])).close()
    db = settings.workspace / "goodwill.db"
    os.chmod(db, 0o644)
    open_workspace(settings).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_json_error_shape_for_an_unknown_token_list(web) -> None:
    client, _, tokens = web
    r = client.get("/api/v1/tokens", headers=auth(tokens["agent"]))
    assert r.status_code == 200 and all("token" not in t for t in r.json()["items"])
    assert json.loads(r.text)["items"][0]["owner"] == "agent1"


def test_one_address_cannot_try_name_after_name(web) -> None:
    """Password spraying: a new made-up name each time still meets the limit per address."""
    client, _, _ = web
    client.app.state.limiter.per_address = 8
    codes = [sign_in(client, f"guess{i}", "wrong password").status_code for i in range(9)]
    assert codes == [401] * 8 + [429]
    assert sign_in(client, "agent1").status_code == 429  # the address waits, whatever the name

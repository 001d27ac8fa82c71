"""The brand's posts over the API and on the /posts page, against a real
Uvicorn on loopback: drafts with their reading and tone flags, the plan's
warnings, forms with CSRF, escaped text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from goodwill.config import Settings
from goodwill.service import team
from tests.conftest import BRAND
from tests.listening import cli
from tests.web_helpers import PASSWORD, csrf_of, serving

XSS = "<script>window.__pwned = 5</script> Buy the Aero now! 20% off today only: https://halcyon.example/shop"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from goodwill.service.workspace import init_workspace
    from goodwill.web.app import create_app

    tmp: Path = tmp_path_factory.mktemp("posts-web")
    settings = Settings(workspace=tmp / "ws")
    store = init_workspace(settings, BRAND)
    try:
        team.add_user(store, team.cli_actor(), "agent1", PASSWORD, "agent")
        token = team.create_token(store, team.user_actor(store, "agent1"), "tests")[0]
    finally:
        store.close()
    assert cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", "https://bikes.example",
               "--token-env", "GW_TEST_MASTODON").exit_code == 0
    with serving(create_app(settings)) as url:
        yield url, token


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_api_drafts_schedules_and_warns(web: tuple[str, str]) -> None:
    url, token = web
    auth = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{url}/api/v1/posts", json={"text": XSS, "channel": "fedi", "at": _at(24)}, headers=auth, timeout=60)
    assert made.status_code == 201, made.text
    post = made.json()
    assert post["status"] == "scheduled" and post["reading"]["kind"] == "take" and post["tone"]
    assert [w["code"] for w in post["warnings"]] == ["tips_to_taking"]
    assert "0 of 1 posts planned in the next 14 days give" in post["warnings"][0]["why"]
    plan = httpx.get(f"{url}/api/v1/posts", headers=auth, timeout=60).json()
    assert post["id"] in [p["id"] for p in plan["posts"]] and plan["warnings"]
    bad = httpx.post(f"{url}/api/v1/posts", json={"text": "hello", "channel": "fedi", "at": "soon"}, headers=auth, timeout=60)
    assert bad.status_code == 422 and "at" in bad.text
    missing = httpx.post(f"{url}/api/v1/posts/999999/cancel", headers=auth, timeout=60)
    assert missing.status_code == 404
    assert httpx.get(f"{url}/api/v1/posts", timeout=30).status_code == 401
    assert httpx.get(f"{url}/api/v1/posts/collaborations", headers=auth, timeout=60).json() == {"collaborations": []}


def test_the_page_shows_the_plan_escaped_and_takes_a_draft(web: tuple[str, str]) -> None:
    url, _ = web
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = csrf_of(client.get("/login").text)
        signed = client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": csrf, "next": "/"})
        assert signed.status_code == 303
        page = client.get("/posts").text
        assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned = 5" in page
        assert "tips toward taking" in page
        csrf = csrf_of(page)
        refused = client.post("/posts", data={"text": "How to true a wheel", "channel": "fedi"})
        assert refused.status_code == 403  # no CSRF token
        sent = client.post("/posts", data={"text": "How to true a wheel at home, step by step: https://halcyon.example/true",
                                           "channel": "fedi", "at": _at(30), "csrf_token": csrf})
        assert sent.status_code == 303
        after = client.get("/posts").text
        assert "How to true a wheel at home" in after and "reads as give" in after

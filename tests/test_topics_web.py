"""Topics, alerts, share of voice, influencers and communities over the API
and on the pages: validated input, uniform errors, escaped text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.web.app import create_app
from tests.web_helpers import PASSWORD, build_workspace_with_topics, csrf_of


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    tmp_path: Path = tmp_path_factory.mktemp("topics-web")
    settings = Settings(workspace=tmp_path / "ws")
    tokens = build_workspace_with_topics(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_topics_and_their_days(web) -> None:
    client, tokens = web
    body = client.get("/api/v1/topics", headers=auth(tokens["agent"])).json()
    topics = body["items"]
    assert topics and body["computed_at"]
    assert [t["messages"] for t in topics] == sorted((t["messages"] for t in topics), reverse=True)
    for t in topics:
        assert sum(d["messages"] for d in t["days"]) == t["messages"]
        assert sum(d["negative"] for d in t["days"]) == t["negative"]
    one = client.get(f"/api/v1/topics/{topics[0]['id']}", headers=auth(tokens["agent"])).json()
    assert one["label"] == topics[0]["label"] and one["days"] == topics[0]["days"]
    missing = client.get("/api/v1/topics/9999", headers=auth(tokens["agent"]))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_alerts_voice_influencers_communities(web) -> None:
    client, tokens = web
    h = auth(tokens["agent"])
    alerts = client.get("/api/v1/alerts", params={"since": "2000-01-01", "limit": 5}, headers=h).json()["items"]
    assert len(alerts) <= 5 and all({"topic", "day", "kind", "p_value", "examples"} <= set(a) for a in alerts)
    voice = client.get("/api/v1/share-of-voice", headers=h).json()["items"]
    assert voice and any(v["is_brand"] for v in voice)
    influencers = client.get("/api/v1/influencers", params={"top": 5}, headers=h).json()["items"]
    assert len(influencers) == 5 and influencers[0]["influence_reasons"]
    label = client.get("/api/v1/topics", headers=h).json()["items"][0]["label"]
    within = client.get("/api/v1/influencers", params={"topic": label}, headers=h).json()["items"]
    assert within != influencers
    communities = client.get("/api/v1/communities", headers=h).json()["items"]
    assert communities and all(c["size"] >= 3 for c in communities)


@pytest.mark.parametrize(
    ("path", "params", "field", "status"),
    [("/api/v1/alerts", {"since": "soon"}, "since", 422), ("/api/v1/alerts", {"limit": 0}, "limit", 422),
     ("/api/v1/influencers", {"top": 5000}, "top", 422), ("/api/v1/communities", {"min_size": 0}, "min_size", 422),
     ("/api/v1/influencers", {"topic": "no such topic"}, None, 404), ("/api/v1/topics", {"q": "x"}, "q", 422)],
)
def test_bad_input_gets_the_uniform_error(web, path: str, params: dict, field: str | None, status: int) -> None:
    client, tokens = web
    r = client.get(path, params=params, headers=auth(tokens["agent"]))
    assert r.status_code == status
    body = r.json()
    assert body["status"] == status and body["message"]
    if field:
        assert body["field"] == field


def sign_in(client: TestClient, username: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303


def test_pages_show_the_figures_and_escape_text(web) -> None:
    client, tokens = web
    sign_in(client, "agent1")
    page = client.get("/topics").text
    topics = client.get("/api/v1/topics", headers=auth(tokens["agent"])).json()["items"]
    assert page.count('<svg class="trend"') == len(topics)
    for t in topics[:3]:
        assert f"{t['messages']:,} messages" in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    influencers = client.get("/influencers").text
    top = client.get("/api/v1/influencers", headers=auth(tokens["agent"])).json()["items"][0]
    assert f"<td>{top['handle']}</td>" in influencers
    label = topics[0]["label"]
    filtered = client.get("/influencers", params={"topic": label}).text
    assert re.search(r"Influencers in “[^”]+”", filtered)
    communities = client.get("/communities").text
    assert "Most central" in communities and "Community 1" in communities
    assert "No topic 'x'" not in client.get("/influencers", params={"topic": "<b>x</b>"}).text
    assert "<b>x</b>" not in client.get("/influencers", params={"topic": "<b>x</b>"}).text

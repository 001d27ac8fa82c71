"""Signals in view: the conversation list, threads, search (CLI, API and pages) and
`status` show each message's stored signals with their reasons, and filter by them;
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from goodwill.cli.main import app as cli_app
from goodwill.config import Settings
from goodwill.domain.signals import INTENTS, SignalFilter, is_provisional
from goodwill.errors import FieldError
from goodwill.service import understanding
from goodwill.service.workspace import open_workspace
from goodwill.store.tables import message_signals, messages
from goodwill.web.app import create_app
from tests.web_helpers import build_workspace, csrf_of

SIGNAL_KEYS = {"sentiment", "sentiment_score", "intent", "needs_response", "urgency", "aspects", "reasons",
               "provisional", "model_version"}


@pytest.fixture
def api(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Settings]]:
    tokens = build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client, tokens, settings


def _stored(settings: Settings) -> dict[int, dict[str, object]]:
    """Every message's stored signals, read straight from the table."""
    store = open_workspace(settings)
    try:
        with store.begin() as conn:
            return {
                r.message_id: {"sentiment": r.sentiment, "intent": r.intent, "needs_response": bool(r.needs_response),
                               "urgency": r.urgency, "aspects": list(r.aspects), "is_brand": bool(r.is_brand)}
                for r in conn.execute(
                    sa.select(message_signals, messages.c.is_brand).join(messages, messages.c.id == message_signals.c.message_id)
                )
            }
    finally:
        store.close()


def _check_signals(s: dict, stored: dict) -> None:
    assert set(s) == SIGNAL_KEYS
    for key in ("sentiment", "intent", "needs_response", "urgency", "aspects"):
        assert s[key] == stored[key]
    assert set(s["reasons"]) == {"sentiment", "intent", "urgency", "needs_response"}
    assert s["reasons"]["intent"].startswith(s["intent"])
    assert s["reasons"]["sentiment"].startswith(s["sentiment"])
    assert s["reasons"]["urgency"].startswith(s["urgency"])
    assert s["provisional"] is True  # import stores the fast models' signals


def test_list_thread_and_search_json_carry_each_messages_signals(api) -> None:
    client, tokens, settings = api
    h = {"Authorization": f"Bearer {tokens['agent']}"}
    stored = _stored(settings)
    items = client.get("/api/v1/conversations", params={"limit": 200}, headers=h).json()["items"]
    roots = [t for t in items if t["root"]]
    assert roots
    thread = client.get(f"/api/v1/threads/{roots[0]['id']}", headers=h).json()
    assert thread["messages"][0]["text"].startswith(roots[0]["root"]["text"].rstrip("…"))
    assert thread["messages"][0]["signals"] == roots[0]["root"]["signals"]
    for m in thread["messages"]:
        _check_signals(m["signals"], stored[m["id"]])
    found = client.get("/api/v1/search", params={"q": "battery", "limit": 50}, headers=h).json()["items"]
    assert found
    for m in found:
        _check_signals(m["signals"], stored[m["id"]])


def test_urgent_words_are_the_reason(api) -> None:
    client, tokens, settings = api
    h = {"Authorization": f"Bearer {tokens['agent']}"}
    urgent = client.get("/api/v1/search", params={"q": "refund", "urgency": "high", "limit": 50}, headers=h).json()["items"]
    assert urgent, "the demo has urgent messages about refunds"
    assert all(m["signals"]["urgency"] == "high" and m["signals"]["reasons"]["urgency"].startswith("high: ") for m in urgent)
    for m in urgent:  # the words quoted are the message's own
        quoted = re.findall(r"“([^”]+)”", m["signals"]["reasons"]["urgency"])
        assert quoted and all(q.lower() in m["text"].lower() for q in quoted), (m["text"], quoted)
    # A refund withheld is money lost: the category is named in words, the message's own words are quoted.
    withheld = [m for m in urgent if "still no refund" in m["text"].lower()]
    assert withheld and all(m["signals"]["reasons"]["urgency"].startswith("high: money lost, ") for m in withheld)
    assert any("“refund”" in m["signals"]["reasons"]["urgency"] for m in withheld)


@pytest.mark.parametrize("endpoint", ["/api/v1/conversations", "/api/v1/search"])
def test_each_signal_filter_keeps_exactly_the_matching_messages(api, endpoint: str) -> None:
    client, tokens, settings = api
    h = {"Authorization": f"Bearer {tokens['agent']}"}
    base = {"limit": 200} | ({"q": "battery"} if endpoint.endswith("search") else {})

    def listed(**params: str) -> list[dict]:
        r = client.get(endpoint, params={**base, **params}, headers=h)
        assert r.status_code == 200, r.text
        return [t["root"]["signals"] if "root" in t else t["signals"] for t in r.json()["items"]
                if ("root" not in t or t["root"]) and (t.get("root") or t).get("signals")]

    everything = listed()
    assert 10 < len(everything) < 200
    checks = {
        "intent": ("complaint", lambda s: s["intent"] == "complaint"),
        "sentiment": ("negative", lambda s: s["sentiment"] == "negative"),
        "urgency": ("normal", lambda s: s["urgency"] == "normal"),
        "needs_response": ("yes", lambda s: s["needs_response"]),
        "aspect": ("battery", lambda s: "battery" in s["aspects"]),
    }
    for name, (value, holds) in checks.items():
        kept = listed(**{name: value})
        expected = [s for s in everything if holds(s)]
        assert kept and len(kept) == len(expected), name
        assert all(holds(s) for s in kept), name
    both = listed(intent="complaint", needs_response="no")
    assert all(s["intent"] == "complaint" and not s["needs_response"] for s in both)
    assert len(both) == sum(s["intent"] == "complaint" and not s["needs_response"] for s in everything)


@pytest.mark.parametrize(("params", "field"), [({"intent": "rant"}, "intent"), ({"urgency": "urgent"}, "urgency"),
                                               ({"needs_response": "maybe"}, "needs_response"),
                                               ({"sentiment": "angry"}, "sentiment")])
def test_bad_signal_filters_are_named(api, params: dict, field: str) -> None:
    client, tokens, _ = api
    r = client.get("/api/v1/conversations", params=params, headers={"Authorization": f"Bearer {tokens['agent']}"})
    assert r.status_code == 422 and r.json()["field"] == field


def test_provisional_follows_the_model_version() -> None:
    assert is_provisional(understanding.model_version("fast"))
    assert not is_provisional(understanding.model_version("cascade"))
    assert not is_provisional(understanding.model_version("accurate"))
    with pytest.raises(FieldError, match="aspect"):
        SignalFilter(aspect="  ")


def test_cli_search_filters_and_status_counts(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)
    runner = CliRunner()
    ws = ["--workspace", str(settings.workspace)]
    r = runner.invoke(cli_app, [*ws, "search", "battery", "--intent", "complaint", "--json", "-n", "100"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows and all(row["signals"]["intent"] == "complaint" for row in rows)
    r = runner.invoke(cli_app, [*ws, "search", "battery", "--urgency", "now"])
    assert r.exit_code != 0 and "urgency" in r.output
    r = runner.invoke(cli_app, [*ws, "search", "battery", "-n", "3"])
    assert r.exit_code == 0 and "sentiment model's probability" in r.stdout
    stored = [s for s in _stored(settings).values() if not s["is_brand"]]
    status = json.loads(runner.invoke(cli_app, [*ws, "status", "--json"]).stdout)["signals"]
    assert status["messages_with_signals"] == len(stored)
    assert status["by_intent"] == {i: sum(s["intent"] == i for s in stored) for i in INTENTS}
    assert status["needs_response"] == sum(bool(s["needs_response"]) for s in stored) > 0
    assert status["urgent"] == sum(s["urgency"] == "high" for s in stored) > 0
    assert status["provisional"] == len(stored)
    text = runner.invoke(cli_app, [*ws, "status"]).stdout
    assert "needing a response" in text and "intent: complaint" in text


def test_pages_show_and_filter_signals_with_text_escaped(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "agent1", "password": "correct horse battery", "csrf_token": token})
        html = client.get("/conversations").text
        assert 'class="signals' in html and 'name="intent"' in html and 'name="aspect"' in html
        complaints = client.get("/conversations", params={"intent": "complaint"}).text
        assert complaints.count('class="sig intent-complaint"') == complaints.count('<li class="thread') > 0
        assert 'class="sig intent-question"' not in complaints
        assert "intent=complaint" in complaints  # the next page keeps the filter
        thread = client.get("/threads/1").text
        assert 'class="signal-reasons"' in thread and "Sentiment " in thread
        page = client.get("/search", params={"q": "zebrafish"}).text
        assert "&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt;" in page
        assert "<img" not in page and 'class="signals' in page
        urgent = client.get("/search", params={"q": "battery", "urgency": "high"}).text
        assert 'class="sig intent' not in urgent or 'class="sig urgent"' in urgent
        bad = client.get("/conversations", params={"intent": "rant"})
        assert bad.status_code == 422 and "intent" in bad.text


def test_list_rows_are_rendered_once_per_distinct_row_and_never_stale() -> None:
    from goodwill.web.app import _templates

    rows = _templates().env.globals["thread_row_html"]
    row = {"id": 7, "platform": "twitter", "root_platform_id": "1", "started_by_brand": False, "answered": False,
           "message_count": 1, "brand_message_count": 0, "first_at": "2026-11-20T10:00:00Z",
           "last_at": "2026-11-20T10:00:00Z",
           "root": {"author": "mallory", "author_name": None, "person_id": 1, "kind": "post",
                    "text": '<b>"hi"</b> & bye', "signals": None}}
    first = rows(row)
    assert "&lt;b&gt;&#34;hi&#34;&lt;/b&gt; &amp; bye" in first and "<b>" not in first
    assert rows(dict(row)) is first and (rows.hits, rows.misses) == (1, 1)
    changed = rows({**row, "message_count": 2, "answered": True})
    assert changed != first and "2 messages" in changed and "answered" in changed and rows.misses == 2
    for i in range(5000):  # the cache stays bounded
        rows({**row, "id": 100 + i})
    assert len(rows._cache) <= 4096

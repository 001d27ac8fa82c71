"""The give-versus-take audit over the API and on the /giving page, against a
real Uvicorn on loopback: the demo brand's figures follow from the readings,
input is checked, social-media text is escaped; and the page in a real
headless Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from goodwill.config import Settings
from goodwill.ingest.readers import ImportOptions
from goodwill.service import team
from goodwill.service.imports import import_path
from goodwill.service.workspace import open_workspace
from tests.web_helpers import PASSWORD, build_workspace, csrf_of, serving

XSS_BRAND = "<script>window.__pwned = 3</script> Sorry about that! Can you DM us your order number?"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    from goodwill.web.app import create_app

    tmp: Path = tmp_path_factory.mktemp("giving-web")
    settings = Settings(workspace=tmp / "ws")
    tokens = build_workspace(settings, tmp)
    path = tmp / "brand.jsonl"
    path.write_text(json.dumps({"platform": "twitter", "id": "brand-evil", "author": "halcyonbikes", "text": XSS_BRAND,
                                "created_at": "2026-11-20T10:00:00Z", "reply_to": "evil-1"}) + "\n", encoding="utf-8")
    store = open_workspace(settings)
    try:
        import_path(store, team.cli_actor(), settings, path, ImportOptions(format="jsonl"))
    finally:
        store.close()
    with serving(create_app(settings)) as url:
        yield url, tokens


def _get(web: tuple[str, dict[str, str]], params: dict[str, Any] | None = None) -> httpx.Response:
    url, tokens = web
    return httpx.get(f"{url}/api/v1/giving", params=params, headers={"Authorization": f"Bearer {tokens['agent']}"}, timeout=60)


def test_the_demo_brand_gives_more_than_it_takes(web) -> None:
    body = _get(web, {"limit": 1000}).json()
    messages = body["messages"]
    assert len(messages) == body["messages_total"] > 150
    counts = {k: sum(1 for m in messages if m["kind"] == k) for k in ("give", "take", "neutral")}
    assert counts == body["counts"]
    assert body["give_ratio"] == round(counts["give"] / (counts["give"] + counts["take"]), 4)
    own = [m for m in messages if not m["is_reply"]]
    own_give = sum(m["kind"] == "give" for m in own)
    own_take = sum(m["kind"] == "take" for m in own)
    assert body["posts_give_ratio"] == round(own_give / (own_give + own_take), 4) < body["give_ratio"]
    sales = [m for m in own if m["text"].startswith("BLACK FRIDAY")]
    recalls = [m for m in own if m["text"].startswith("Safety recall")]
    assert len(sales) >= 4 and all(m["kind"] == "take" and m["subtype"] == "sell" for m in sales)
    assert len(recalls) == 3 and all(m["kind"] == "give" for m in recalls)
    assert all(m["reason"] for m in messages)
    assert sum(w["give"] + w["take"] + w["neutral"] for w in body["weeks"]) == len(messages)
    platforms = {r["platform"] for r in body["response"]}
    assert {"twitter", "mastodon", "bluesky", "reddit"} <= platforms
    assert body["suggestions"] and all(s["text"] for s in body["suggestions"])


def test_a_period_narrows_the_audit(web) -> None:
    october = _get(web, {"from": "2026-10-01", "to": "2026-10-31", "limit": 1000}).json()
    assert october["from"] == "2026-10-01T00:00:00+00:00" and october["to"] == "2026-11-01T00:00:00+00:00"
    assert october["messages"] and all(m["created_at"].startswith("2026-10") for m in october["messages"])
    assert [m["start"] for m in october["months"]] == ["2026-10-01"]


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "yesterday"}, "from"), ({"to": "2026-13-01"}, "to"), ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
    ({"limit": 5000}, "limit"), ({"bogus": 1}, "bogus"),
])
def test_bad_input_names_its_field(web, params: dict[str, Any], field: str) -> None:
    response = _get(web, params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_api_needs_a_token(web) -> None:
    url, _ = web
    assert httpx.get(f"{url}/api/v1/giving", timeout=30).status_code == 401


def test_the_page_shows_the_figures_and_escapes_text(web) -> None:
    url, _ = web
    with httpx.Client(base_url=url, timeout=60) as client:
        token = csrf_of(client.get("/login").text)
        signed = client.post("/login", data={"username": "agent1", "password": PASSWORD, "csrf_token": token, "next": "/"})
        assert signed.status_code == 303
        page = client.get("/giving").text
        body = _get(web).json()
        assert f"Give ratio {round(body['give_ratio'] * 100)}%" in page
        assert body["reason"] in page.replace("&#39;", "'")
        assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned = 3" in page
        assert page.count("<g><title>week of ") == len(body["weeks"])
        assert 'href="/threads/' in page
        narrowed = client.get("/giving", params={"from": "2026-11-01", "to": "2026-11-30"}).text
        assert 'value="2026-11-01"' in narrowed and "2026-10" not in narrowed.split("The messages behind it")[1]
        bad = client.get("/giving", params={"from": "soon"})
        assert bad.status_code == 422 and "from: &#39;soon&#39; is not a day" in bad.text


def test_the_page_in_a_browser(web) -> None:
    from tests.test_web_browser import CHROMIUM, _require_chromium

    _require_chromium()
    from playwright.sync_api import sync_playwright

    url, _ = web
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(base_url=url)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.goto("/login")
        page.fill("input[name=username]", "agent1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        page.get_by_role("link", name="Giving").click()
        page.wait_for_url("**/giving")
        assert page.get_by_role("heading", level=1).inner_text() == "Give versus take"
        chart = page.locator("svg.giving-chart")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300
        assert chart.locator("rect.take").count() == chart.locator("rect.give").count() > 4
        page.fill("#from", "2026-11-01")
        page.fill("#to", "2026-11-30")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/giving?from=2026-11-01&to=2026-11-30")
        assert page.locator("table.giving-months tbody tr").count() == 1
        page.locator("table.giving-messages a").first.click()
        page.wait_for_url("**/threads/*")
        assert page.evaluate("window.__pwned") is None
        assert errors == []
        browser.close()

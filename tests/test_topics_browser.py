"""The topics, influencers and communities pages in a real headless Chromium
against a real Uvicorn: trend charts drawn, no script errors under the page
policy, text escaped, the influencer table filtered by topic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from goodwill.config import Settings
from tests.test_web_browser import CHROMIUM, _require_chromium, sign_in
from tests.web_helpers import build_workspace_with_topics, serving


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    from goodwill.web.app import create_app

    tmp = tmp_path_factory.mktemp("topics-browser")
    settings = Settings(workspace=tmp / "ws")
    build_workspace_with_topics(settings, tmp)
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
def page(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        pg.errors = []
        # a missing favicon is the browser's own request, not the page's
        pg.on("console", lambda m: pg.errors.append(m.text)
              if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        pg.on("response", lambda r: pg.errors.append(f"{r.status} {r.url}")
              if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        yield pg
        browser.close()


def test_topics_page_draws_a_trend_per_topic(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "agent1")
    page.get_by_role("link", name="Topics").click()
    page.wait_for_url("**/topics")
    assert page.get_by_role("heading", level=1).inner_text() == "Topics"
    charts = page.locator("svg.trend")
    assert charts.count() == page.locator("li.topic").count() > 0
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 40
    points = charts.first.locator("polyline").get_attribute("points") or ""
    assert len(points.split()) > 10  # one point per day of the demo's weeks
    assert page.locator("table.voice tbody tr").count() > 0
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []


def test_influencers_filtered_by_topic_and_communities(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "agent1")
    page.goto("/influencers")
    everyone = page.locator("table.influencers tbody tr").count()
    assert everyone > 0
    assert page.locator("#scores-as-of").inner_text().startswith("Scores as of ")  # read from the stored scores
    first_topic = page.locator("#topic option").nth(1).inner_text()
    page.get_by_label("Within a topic").select_option(label=first_topic)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/influencers?topic=*")
    assert first_topic in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("table.influencers tbody tr").count() < everyone
    assert page.locator("#scores-as-of").inner_text() == "Scored now, on this topic's interactions."
    page.get_by_role("link", name="Communities").click()
    page.wait_for_url("**/communities")
    assert page.locator("li.community").count() > 0
    assert page.errors == []

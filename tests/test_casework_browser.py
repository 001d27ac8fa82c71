"""Working a case in a real headless Chromium against a real Uvicorn and a local test Mastodon server.

The whole path: an agent signs in, opens the top case from the case list, sees who the person is and why
the case matters, inserts a suggested article's link, gets a tone warning on a promotional draft (checked
on a pause in typing), sends the reply to the Mastodon server and sees the first-response time. Then two
agents in two browser contexts on one case: each sees the other viewing and typing, and the second reply
that would cross the first is refused with the first reply shown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from goodwill.config import Settings
from goodwill.service import team
from goodwill.service.workspace import init_workspace, operator
from tests.conftest import BRAND
from tests.listening import cli
from tests.servers.http import serving as serving_http
from tests.servers.mastodon import MastodonState, account, status
from tests.servers.mastodon import server as mastodon_server
from tests.test_service_layer import TOKEN_ENV
from tests.test_web_browser import _require_chromium, browser, sign_in  # noqa: F401 - browser: a fixture
from tests.web_helpers import PASSWORD, serving

ARTICLES = [
    {"id": "brake-recall", "title": "Brake cable recall: free repair", "url": "https://help.halcyon.example/brake-recall",
     "body": "If a brake cable snapped or frayed on your Halcyon, stop riding. The recall repair is free at any "
             "workshop; bring the bike and we refund any costs.", "tags": ["safety"]},
    {"id": "pairing", "title": "Pair the app with your bike", "url": "https://help.halcyon.example/pairing",
     "body": "Hold the pairing button for five seconds, then open the app and choose the bike.", "tags": ["app"]},
]
TOP = "#halcyon my brake cable snapped on the descent and I crashed, I was injured. What do I do about the brakes?"
OTHER = "#halcyon how do I pair the app with my Drift?"


@pytest.fixture(scope="module")
def mastodon() -> Iterator[MastodonState]:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, OTHER, who=account(3), tags=["halcyon"]),
                             status(101, TOP, who=account(4), tags=["halcyon"])]
    with serving_http(mastodon_server(state)) as srv:
        state.url = srv.url  # type: ignore[attr-defined]
        yield state


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mastodon: MastodonState) -> Iterator[tuple[str, Settings]]:
    _require_chromium()
    from goodwill.web.app import create_app

    tmp = tmp_path_factory.mktemp("casework")
    settings = Settings(workspace=tmp / "ws")
    store = init_workspace(settings, BRAND)
    try:
        for name in ("ann", "bea"):
            team.add_user(store, operator(), name, PASSWORD, "agent")
    finally:
        store.close()
    kb = tmp / "kb.jsonl"
    kb.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    assert cli(settings, "kb", "import", str(kb)).exit_code == 0
    assert cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", mastodon.url,  # type: ignore[attr-defined]
               "--token-env", "GW_TEST_MASTODON", "--query", "#halcyon").exit_code == 0
    assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
    with pytest.MonkeyPatch.context() as mp:
        for k, v in TOKEN_ENV.items():
            mp.setenv(k, v)
        with serving(create_app(settings)) as url:
            yield url, settings


def _page(browser, server, screenshot_dir):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server[0])
    pg = context.new_page()
    pg.screenshot_dir = screenshot_dir
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    return context, pg


def test_an_agent_works_the_top_case_to_a_sent_reply(browser, server, screenshot_dir, mastodon) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    context, page = _page(browser, server, screenshot_dir)
    try:
        sign_in(page, "ann")
        page.goto("/cases")
        top = page.locator("#cases tbody tr").first
        assert "top-case" in (top.get_attribute("class") or "") and "brake cable snapped" in top.inner_text()
        assert "emergency" in top.inner_text()
        top.get_by_role("link").first.click()
        page.wait_for_url(re.compile(r"/cases/\d+$"))
        panel = page.locator("#person-panel")
        assert "@" in panel.inner_text() or "Who they are" in panel.inner_text()
        assert page.locator("#person-stage").count() == 1
        assert "Why this case matters:" in panel.inner_text() and "injur" in panel.inner_text()
        assert "brake cable snapped" in page.locator("#case-messages").inner_text()
        page.locator("#suggested li", has_text="Brake cable recall").get_by_role("button", name="Insert link").click()
        draft = page.get_by_role("textbox", name=re.compile("Your reply"))
        assert "https://help.halcyon.example/brake-recall" in draft.input_value()
        draft.press("End")
        draft.type(" Our AMAZING new bikes are the best ever, use code SPRING20!")
        expect(page.locator("#tone-live")).to_contain_text("promotional")
        assert "Fix:" in page.locator("#tone-live").inner_text()
        page.get_by_role("button", name="Send").click()
        page.wait_for_url(re.compile(r"/cases/\d+$"))
        flash = page.locator(".flash").first.inner_text()
        assert "Sent on mastodon, despite" in flash and "first response after" in flash, flash
        assert re.search(r"First response after \d+ min", page.locator("#first-response").inner_text())
        posted = mastodon.posted[-1]
        assert "https://help.halcyon.example/brake-recall" in json.dumps(posted)
        assert "the brand" in page.locator("#case-messages").inner_text()
        page.keyboard.press("?")
        assert page.locator("#shortcuts").is_visible()
        assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
    finally:
        context.close()


def test_two_agents_on_one_case_see_each_other_and_do_not_cross(browser, server, screenshot_dir, mastodon) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    ctx_a, ann = _page(browser, server, screenshot_dir)
    ctx_b, bea = _page(browser, server, screenshot_dir)
    try:
        sign_in(ann, "ann")
        sign_in(bea, "bea")
        ann.goto("/cases")
        row = ann.locator("#cases tbody tr", has_text="pair the app")
        row.get_by_role("link").first.click()
        ann.wait_for_url(re.compile(r"/cases/\d+$"))
        url = ann.url
        bea.goto(url)
        bea.get_by_role("textbox", name=re.compile("Your reply")).fill("Hold the pairing button for five seconds.")
        expect(ann.locator("#presence")).to_contain_text("bea (typing)", timeout=15000)
        expect(bea.locator("#presence")).to_contain_text("ann", timeout=15000)
        ann.get_by_role("textbox", name=re.compile("Your reply")).fill("Reset the app and try again.")
        bea.get_by_role("button", name="Send").click()
        bea.wait_for_url(re.compile(r"/cases/\d+$"))
        assert "Sent on mastodon" in bea.locator(".flash").first.inner_text()
        sent = len(mastodon.posted)
        expect(ann.locator("#case-changed")).to_be_visible(timeout=15000)
        ann.get_by_role("button", name="Send").click()
        problem = ann.locator("#draft-problem").inner_text()
        assert "changed after you opened it: bea replied at" in problem and "Hold the pairing button" in problem
        assert ann.get_by_role("textbox", name=re.compile("Your reply")).input_value() == "Reset the app and try again."
        assert len(mastodon.posted) == sent  # nothing crossed
    finally:
        ctx_a.close()
        ctx_b.close()

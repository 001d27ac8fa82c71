"""Reply approval in a real headless Chromium against a real Uvicorn and a local test Mastodon server.

An agent sends a reply in a case whose tag needs approval: it is held, nothing reaches the Mastodon server,
and the case shows the reply awaiting approval. A manager signed in beside her finds it on the Approvals
page, approves it, and it goes out: the Mastodon server receives it, the thread holds it and the case shows
its first-response time."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from goodwill.config import Settings
from goodwill.service import approval, cases, team
from goodwill.service.workspace import init_workspace, operator
from tests.conftest import BRAND
from tests.listening import cli
from tests.servers.http import serving as serving_http
from tests.servers.mastodon import MastodonState, account, status
from tests.servers.mastodon import server as mastodon_server
from tests.test_service_layer import TOKEN_ENV
from tests.test_web_browser import _require_chromium, browser, sign_in  # noqa: F401 - browser: a fixture
from tests.web_helpers import PASSWORD, serving

QUESTION = "#halcyon I was charged twice for my Drift, can I get a refund?"


@pytest.fixture(scope="module")
def mastodon() -> Iterator[MastodonState]:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, QUESTION, who=account(3), tags=["halcyon"])]
    with serving_http(mastodon_server(state)) as srv:
        state.url = srv.url  # type: ignore[attr-defined]
        yield state


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mastodon: MastodonState) -> Iterator[tuple[str, Settings]]:
    _require_chromium()
    from goodwill.web.app import create_app

    settings = Settings(workspace=tmp_path_factory.mktemp("approval") / "ws")
    store = init_workspace(settings, BRAND)
    try:
        team.add_user(store, operator(), "ann", PASSWORD, "agent")
        team.add_user(store, operator(), "mia", PASSWORD, "manager")
        assert cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", mastodon.url,  # type: ignore[attr-defined]
                   "--token-env", "GW_TEST_MASTODON", "--query", "#halcyon").exit_code == 0
        assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
        mia = team.user_actor(store, "mia")
        (case,) = cases.list_cases(store, mia)
        cases.assign(store, mia, case["id"], tags=["refund"])
        approval.set_policy(store, mia, tags=["refund"])
    finally:
        store.close()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in TOKEN_ENV.items():
            mp.setenv(k, v)
        with serving(create_app(settings)) as url:
            yield url, settings


def _page(browser, server, screenshot_dir):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server[0])
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    return context, pg


def test_a_manager_approves_a_held_reply_and_it_goes_out(browser, server, screenshot_dir, mastodon) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    ctx_a, ann = _page(browser, server, screenshot_dir)
    ctx_m, mia = _page(browser, server, screenshot_dir)
    try:
        sign_in(ann, "ann")
        ann.goto("/cases")
        ann.locator("#cases tbody tr", has_text="charged twice").get_by_role("link").first.click()
        ann.wait_for_url(re.compile(r"/cases/\d+$"))
        case_url = ann.url
        assert "waits for a manager's approval (tag refund)" in ann.locator("#approval-note").inner_text()
        ann.get_by_role("textbox", name=re.compile("Your reply")).fill("Sorry! We refund the second charge today.")
        ann.get_by_role("button", name="Send").click()
        ann.wait_for_url(re.compile(r"/cases/\d+$"))
        assert "Held for a manager's approval (tag refund)" in ann.locator(".flash").first.inner_text()
        expect(ann.locator("#awaiting-approval")).to_have_text("reply awaiting approval")
        assert "not yet" in ann.locator("#first-response").inner_text()
        assert ann.get_by_role("button", name="Approve and send").count() == 0  # agents cannot approve
        assert mastodon.posted == []  # held, not sent

        sign_in(mia, "mia")
        mia.get_by_role("link", name="Approvals").click()
        mia.wait_for_url(re.compile(r"/approvals$"))
        held = mia.locator("#held-list article", has_text="Sorry! We refund the second charge today.")
        expect(held).to_contain_text("reply by ann")
        expect(held).to_contain_text("awaiting approval")
        held.get_by_role("button", name="Approve and send").click()
        mia.wait_for_url(re.compile(r"/approvals$"))
        flash = mia.locator(".flash").first.inner_text()
        assert "Approved ann's reply: sent on mastodon" in flash and "first response after" in flash, flash
        assert "No replies await approval." in mia.locator("#held-list").inner_text()
        assert len(mastodon.posted) == 1
        assert mastodon.posted[0]["status"].endswith("Sorry! We refund the second charge today.")

        ann.goto(case_url)
        assert re.search(r"First response after \d+ min", ann.locator("#first-response").inner_text())
        assert ann.locator("#awaiting-approval").count() == 0
        assert "the brand" in ann.locator("#case-messages").inner_text()
        assert "Sorry! We refund the second charge today." in ann.locator("#case-messages").inner_text()
        assert "Approved by mia and sent" in ann.locator("#held-replies").inner_text()
        assert not [e for e in ann.console_errors + mia.console_errors if "Content Security Policy" in e]
    finally:
        ctx_a.close()
        ctx_m.close()

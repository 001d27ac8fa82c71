"""End to end in a real headless Chromium (Debian's package, driven by Playwright) against a real Uvicorn.

Skips when no Chromium is installed, except with CI=true, where it fails:
`.ci/run` installs Debian's `chromium`. Saves screenshots of the main pages
to a temporary folder, or with `--refresh-screenshots` to docs/screenshots/
for docs/web.md (`pytest tests/test_web_browser.py --refresh-screenshots`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.service.workspace import open_workspace
from goodwill.store.workspace import load_workspace
from tests.web_helpers import PASSWORD, XSS_IMG, XSS_SCRIPT, build_workspace, serving

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GOODWILL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _require_chromium() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
    else:
        if Path(CHROMIUM).exists():
            return
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """The demo workspace (plus users and hostile messages) served by Uvicorn on 127.0.0.1, port 0."""
    _require_chromium()
    from goodwill.web.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(workspace=tmp / "ws")
    build_workspace(settings, tmp)
    with serving(create_app(settings)) as url:
        yield url, settings


@pytest.fixture(scope="module")
def browser(server: tuple[str, Settings]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server, screenshot_dir):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1200, "height": 800}, base_url=server[0])
    pg = context.new_page()
    pg.screenshot_dir = screenshot_dir
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(page.screenshot_dir / f"{name}.png"))


def test_sign_in_filter_open_thread_and_person_then_sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    shot(page, "sign-in")
    sign_in(page, "admin1")
    assert page.get_by_role("heading", level=1).inner_text() == "Halcyon Bikes"
    assert page.locator(".card.warn strong").inner_text().replace(",", "").isdigit()
    shot(page, "overview")

    page.get_by_role("link", name="Conversations").first.click()
    page.get_by_label("Brand answered").select_option("no")
    page.get_by_label("Platform").select_option("twitter")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"answered=no"))
    rows = page.locator("#thread-list .thread")
    assert rows.count() > 0
    assert set(page.locator("#thread-list .tag").all_inner_texts()) == {"unanswered"}
    assert set(page.locator("#thread-list .platform").all_text_contents()) == {"twitter"}
    shot(page, "conversations")

    # keyboard: j moves to the first thread, j again to the second, k back, Enter opens it
    page.locator("body").press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first_href = rows.first.locator("a.open").get_attribute("href")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first_href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    assert page.url.endswith(first_href)
    assert page.get_by_role("heading", level=1).inner_text() == "Thread on twitter"
    assert page.locator(".message").count() >= 1
    shot(page, "thread")

    author = page.locator(".message a.author").first
    handle = author.inner_text()
    author.click()
    page.wait_for_url(re.compile(r"/people/\d+"))
    assert handle.lstrip("@") in page.locator(".accounts").inner_text()
    shot(page, "person")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/conversations")
    assert "/login" in page.url  # the session is gone


def test_an_agent_is_refused_admin_pages(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "agent1")
    assert page.get_by_role("link", name="Users").count() == 0
    response = page.goto("/users")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    assert "needs the admin role" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Conversations").count() == 1  # still signed in, navigation shown
    shot(page, "refused")
    assert page.goto("/settings").status == 403
    assert page.goto("/audit").status == 403


def test_hostile_text_is_shown_as_written_and_runs_nothing(page) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, "agent1")
    page.goto("/conversations")
    page.get_by_label("Text").fill("zebrafish")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=zebrafish"))
    assert page.locator("#thread-list .thread .text").all_inner_texts() == [XSS_SCRIPT]
    page.locator("#thread-list a.open").first.click()
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    assert page.locator(".message .body").all_text_contents() == [XSS_SCRIPT, XSS_IMG]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert dialogs == []
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "thread-phone")


def test_a_form_without_its_csrf_token_is_refused(page, server) -> None:  # type: ignore[no-untyped-def]
    _base, settings = server
    sign_in(page, "manager1")
    page.goto("/settings")
    shot(page, "settings")
    page.evaluate("document.querySelector('form.stack input[name=csrf_token]').remove()")
    page.get_by_label("Workspace name").fill("Hijacked")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    assert "security token" in page.locator("main").inner_text()
    store = open_workspace(settings)
    with store.begin() as conn:
        assert load_workspace(conn).name == "Halcyon Bikes"
    store.close()
    # with its token the same form works
    page.goto("/settings")
    page.get_by_label("Workspace name").fill("Halcyon Bikes Ltd")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(re.compile(r"/settings$"))
    assert "Settings saved." in page.locator(".flash").inner_text()
    store = open_workspace(settings)
    with store.begin() as conn:
        assert load_workspace(conn).name == "Halcyon Bikes Ltd"
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'settings.update'")).scalar_one() == 1
    store.close()


def test_admin_pages(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "admin1")
    page.goto("/users")
    shot(page, "users")
    page.get_by_label("Username", exact=True).fill("newbie")
    page.get_by_label("Password (at least 8 characters)").fill("a-fine-password")
    page.get_by_label("Role", exact=True).select_option("agent")
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url(re.compile(r"/users$"))
    assert "newbie" in page.locator("table.users").inner_text()
    page.goto("/audit")
    assert "user.add" in page.locator("table.audit").inner_text()
    shot(page, "audit")
    page.goto("/tokens")
    page.get_by_label("What it is for").fill("CRM sync")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_url(re.compile(r"/tokens/new$"))
    token = page.locator("#new-token").inner_text()
    assert token.startswith("gw_")
    assert token not in "".join(c["value"] for c in page.context.cookies())  # never in the session cookie
    page.goto("/tokens")
    assert page.locator("#new-token").count() == 0  # shown once


def test_api_docs_render_offline_under_the_page_policy(page, server) -> None:  # type: ignore[no-untyped-def]
    """Swagger UI comes from this server: with every other host unreachable, the docs still render."""
    outside: list[str] = []
    refused: list[str] = []
    base = server[0]

    def block_others(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", block_others)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    assert "Goodwill" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path").count() >= 10  # the operations are listed
    assert outside == [] and refused == []

"""The advocates page in a real headless Chromium against a real Uvicorn: evidence, whom to thank, approving a gift."""

from __future__ import annotations

import re

from tests.test_web_browser import browser, page, server, sign_in  # noqa: F401 - fixtures


def test_advocates_page_evidence_and_approval(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "manager1")
    page.get_by_role("link", name="Advocates").first.click()
    page.wait_for_url(re.compile(r"/advocates$"))
    assert int(page.locator("#advocate-count").inner_text()) >= 2
    first = page.locator("article.advocate").first
    assert first.locator(".evidence li").count() >= 2
    # Each act of advocacy opens the thread it was said in.
    first.locator(".evidence li a").first.click()
    page.wait_for_url(re.compile(r"/threads/\d+#m\d+$"))
    page.go_back()
    # The demo's gift above the agent limit waits for a manager; approving it spends the month's budget.
    pending = page.locator("#pending li.gesture")
    assert pending.count() == 1 and "demo agent" in pending.inner_text()
    assert "EUR 0.00 of EUR 200.00 spent" in page.locator("#budget-words").inner_text()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/advocates$"))
    assert "approved" in page.locator(".flash").inner_text()
    assert "EUR 40.00 of EUR 200.00 spent" in page.locator("#budget-words").inner_text()
    assert page.locator("#pending li.gesture").count() == 0
    # The gesture log shows what followed each earlier gesture.
    assert "in the 30 days after" in page.locator("#gesture-log").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e], errors

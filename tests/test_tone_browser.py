"""The tone check and saved replies in a real headless Chromium against a real Uvicorn: a promotional draft
on a thread gets its warning, a saved reply is tone-checked when saved and goes into the draft box."""

from __future__ import annotations

import re

from tests.test_web_browser import browser, page, server, sign_in  # noqa: F401 - fixtures


def test_saved_reply_then_a_promotional_draft_on_a_thread(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "agent1")
    page.get_by_role("link", name="Replies").first.click()
    page.wait_for_url(re.compile(r"/replies$"))
    page.get_by_label("Title").fill("Spring offer <b>")
    page.get_by_label("Text").fill("Our AMAZING new C2 is the best e-bike ever, use code SPRING20!")
    page.get_by_label("Tags").fill("offers")
    page.get_by_role("button", name="Save reply").click()
    page.wait_for_url(re.compile(r"/replies$"))
    assert "1 tone flag" in page.locator(".flash").inner_text()
    saved = page.locator(".saved-replies li", has_text="Spring offer <b>")  # escaped, shown as text
    assert "promotional" in saved.locator(".tone-flag").inner_text()
    assert "use code" in saved.locator(".tone-flag").inner_text()

    page.goto("/conversations?q=zebrafish")
    page.locator("#thread-list a.open").first.click()
    page.wait_for_url(re.compile(r"/threads/\d+$"))
    page.locator("details.saved-replies summary").click()
    page.locator("details.saved-replies li", has_text="Spring offer <b>").locator(".use-saved").click()
    assert "use code SPRING20" in page.get_by_role("textbox", name="Your reply").input_value()
    page.get_by_role("button", name="Check tone").click()
    page.wait_for_url(re.compile(r"/threads/\d+/tone-check$"))
    result = page.locator("#tone-result")
    assert "promotional" in result.inner_text() and "on twitter" in result.inner_text()
    assert "use code SPRING20" in page.get_by_role("textbox", name="Your reply").input_value()  # the draft is kept

    answer = "Your charger question: yes, it charges from any USB-C PD adapter of 60 W or more."
    page.get_by_role("textbox", name="Your reply").fill(answer)
    page.get_by_role("button", name="Check tone").click()
    flag = page.locator("#tone-result .tone-flag")  # the demo's knowledge base has the charging article
    assert flag.count() == 1 and "no link" in flag.inner_text()
    link = flag.locator(".fix").inner_text().split()[-1]
    assert link.startswith("https://")
    page.get_by_role("textbox", name="Your reply").fill(f"{answer} {link}")
    page.get_by_role("button", name="Check tone").click()
    assert "No tone flags on twitter" in page.locator("#tone-result").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert not [e for e in errors if "Content Security Policy" in e], errors

"""The people pages in a real headless Chromium against a real Uvicorn: stages, reasons, trust parts, merge, split, forget."""

from __future__ import annotations

import re

from tests.test_web_browser import browser, page, server, sign_in  # noqa: F401 - fixtures


def test_people_list_person_page_merge_split_and_forget(page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "admin1")
    page.get_by_role("link", name="People").first.click()
    page.wait_for_url(re.compile(r"/people$"))
    rows = page.locator("table.people tbody tr")
    assert rows.count() > 5
    # The list reads the stored scores and says how fresh they are.
    assert re.fullmatch(r"Scores as of \d{4}-\d\d-\d\d \d\d:\d\d UTC .*", page.locator("#scores-as-of").inner_text())
    stages = set(page.locator("table.people .stage").all_inner_texts())
    assert len(stages) >= 3, stages  # the demo's people are at different stages
    page.get_by_label("Stage").select_option("advocate")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"stage=advocate"))
    assert set(page.locator("table.people .stage").all_inner_texts()) == {"advocate"}

    page.locator("table.people tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    person_url = page.url
    assert page.locator("#stage").inner_text() == "advocate"
    assert page.locator("#stage-reason").inner_text()
    assert page.locator("#scores-as-of").inner_text().startswith("Scores as of ")
    trust = page.locator("#trust")
    total = int(trust.locator(".total").inner_text())
    parts = [int(p) for p in trust.locator("td.num").all_inner_texts()]
    assert total == sum(parts)
    assert page.locator("#reciprocity .total").count() == 1
    assert page.locator("#graph-scores").count() == 1  # influence and outreach with reasons
    accounts_before = page.locator(".accounts li").count()

    # Merge the hostile thread's author into this person, then split the account off again.
    page.goto("/conversations?q=zebrafish")
    page.locator("#thread-list a.open").first.click()
    page.locator(".message a.author").first.click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    other = page.url.rsplit("/", 1)[1]
    page.goto(person_url)
    page.get_by_label("Merge person").fill(other)
    page.get_by_role("button", name="Merge into this person").click()
    page.wait_for_url(person_url)
    assert "merged into this person" in page.locator(".flash").inner_text()
    assert page.locator(".accounts li").count() == accounts_before + 1
    mallory = page.locator(".accounts li", has_text="@mallory")
    mallory.get_by_role("button", name="Split off").click()
    page.wait_for_url(re.compile(rf"/people/{other}$"))
    assert "@mallory" in page.locator(".accounts").inner_text()

    # Forget needs the word typed; then the person is gone.
    page.get_by_role("button", name="Forget").click()
    assert "Type forget" in page.locator(".flash").inner_text()
    page.get_by_label(re.compile("Type forget")).fill("forget")
    page.get_by_role("button", name="Forget").click()
    page.wait_for_url(re.compile(r"/people$"))
    assert "forgotten" in page.locator(".flash").inner_text()
    assert page.request.get(f"/people/{other}").status == 404
    assert not [e for e in errors if "Content Security Policy" in e], errors

"""docs/screenshots holds exactly the screenshots the browser tests take and the docs show."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_screenshots_taken_kept_and_shown_agree() -> None:
    source = (ROOT / "tests" / "test_web_browser.py").read_text(encoding="utf-8")
    taken = set(re.findall(r'shot\(page, "([\w-]+)"\)', source))
    kept = {p.stem for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    shown: set[str] = set()
    for doc in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        shown |= set(re.findall(r"screenshots/([\w-]+)\.png", doc.read_text(encoding="utf-8")))
    assert taken, "found no shot(page, ...) calls in tests/test_web_browser.py"
    assert kept == taken, f"docs/screenshots: missing {sorted(taken - kept)}, not taken by any test {sorted(kept - taken)}"
    assert shown == kept, f"docs: not shown {sorted(kept - shown)}, shown but missing {sorted(shown - kept)}"

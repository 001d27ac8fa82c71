"""The listening docs keep up with the code."""

from __future__ import annotations

from pathlib import Path

from goodwill.domain.sources import SOURCE_PLATFORMS
from goodwill.ingest.listen import make_connector

ROOT = Path(__file__).resolve().parents[1]


def test_every_platform_is_documented_with_its_credentials() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "connectors.md").read_text(encoding="utf-8")
    accounts = readme.split("## Connecting real accounts", 1)[1].split("\n## ", 1)[0]
    names = {"mastodon": "Mastodon", "bluesky": "Bluesky", "jetstream": "Jetstream", "reddit": "Reddit", "rss": "RSS"}
    for platform in SOURCE_PLATFORMS:
        assert f"| {names[platform]}" in accounts, platform
        assert f"`--platform {platform}`" in guide, platform
        assert make_connector.__code__.co_consts.count(platform) == 1, platform  # every platform has a connector


def test_listen_settings_are_documented() -> None:
    from goodwill.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith("listen_"):
            assert f"GOODWILL_{name.upper()}" in readme, name

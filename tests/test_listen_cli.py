"""The listening commands: sources add/list/remove/test, listen and reply errors."""

from __future__ import annotations

import json

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli
from tests.servers.feeds import FeedEntry, FeedState, server
from tests.servers.http import serving
from tests.test_listen_rss import T0


def test_sources_add_list_remove(store: Store, settings: Settings) -> None:
    added = cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", "https://bikes.example",
                "--query", "#halcyon", "--query", "mentions", "--token-env", "MASTODON_TOKEN", "--every", "120")
    assert added.exit_code == 0, added.output
    listed = json.loads(cli(settings, "sources", "list", "--json").output)
    assert listed[0]["checkpoint"] is None and listed[0]["runs"] == 0
    assert (listed[0]["name"], listed[0]["platform"], listed[0]["queries"], listed[0]["schedule_seconds"]) == (
        "fedi", "mastodon", ["#halcyon", "mentions"], 120)
    table = cli(settings, "sources", "list")
    assert "fedi" in table.output and "#halcyon" in table.output
    again = cli(settings, "sources", "add", "fedi", "--platform", "rss", "--url", "https://x.example/feed")
    assert again.exit_code == 1 and "exists already" in again.output
    assert cli(settings, "sources", "remove", "fedi").exit_code == 0
    assert json.loads(cli(settings, "sources", "list", "--json").output) == []
    gone = cli(settings, "sources", "remove", "fedi")
    assert gone.exit_code == 1 and "no source named 'fedi'" in gone.output


def test_sources_add_checks_its_input(store: Store, settings: Settings) -> None:
    cases = [
        (["--platform", "myspace"], "use one of mastodon, bluesky, jetstream, reddit, rss"),
        (["--platform", "rss"], "a rss source needs --url"),
        (["--platform", "mastodon", "--url", "ftp://x"], "give an http(s):// or ws(s):// URL"),
        (["--platform", "mastodon"], "a mastodon source needs --url"),
        (["--platform", "mastodon", "--url", "https://m.example", "--token-env", "abc def=1"], "give the NAME of a variable"),
    ]
    for args, message in cases:
        result = cli(settings, "sources", "add", "s1", *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert json.loads(cli(settings, "sources", "list", "--json").output) == []


def test_listen_with_no_sources_and_reply_errors(store: Store, settings: Settings) -> None:
    result = cli(settings, "listen", "--once")
    assert result.exit_code == 0 and "No enabled sources" in result.output
    missing = cli(settings, "reply", "999", "--text", "hi")
    assert missing.exit_code == 1 and "no message with id 999" in missing.output
    unknown = cli(settings, "listen", "--once", "--source", "nope")
    assert unknown.exit_code == 1 and "no enabled source named nope" in unknown.output


def test_sources_test_fetches_without_storing(store: Store, settings: Settings) -> None:
    state = FeedState()
    state.atom = [FeedEntry("a1", "Halcyon commute diary", "day one", T0)]
    with serving(server(state)) as srv:
        cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", f"{srv.url}/blog.atom")
        result = cli(settings, "sources", "test", "blog")
    assert result.exit_code == 0, result.output
    assert "1 new messages" in result.output and "Halcyon commute diary" in result.output
    status = json.loads(cli(settings, "status", "--json").output)
    assert status["messages"] == 0


def test_reply_needs_a_source_that_can_publish(store: Store, settings: Settings) -> None:
    state = FeedState()
    state.atom = [FeedEntry("a1", "Halcyon commute diary", "day one", T0)]
    with serving(server(state)) as srv:
        cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", f"{srv.url}/blog.atom")
        assert cli(settings, "listen", "--once").exit_code == 0
    found = json.loads(cli(settings, "search", "commute", "--json").output.splitlines()[0])
    result = cli(settings, "reply", str(found["id"]), "--text", "Thanks Ana!", "--send")
    assert result.exit_code == 1 and "cannot publish to 'rss'" in result.output

"""RSS and Atom: feedparser over conditional GETs from a loopback feed server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.servers.feeds import FeedEntry, FeedState, server
from tests.servers.http import Response, serving

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_feeds_conditional_get_edits_and_filter(store: Store, settings: Settings) -> None:
    state = FeedState()
    state.rss = [FeedEntry(f"r{i}", f"Review {i}: Halcyon Drift" if i % 2 else f"Review {i}: Vantor", "<p>Solid &amp; fun 🚲</p>", T0 + timedelta(hours=i)) for i in range(6)]
    state.atom = [FeedEntry("a1", "Mein Pendeln mit dem Rad", "<p>Grüße aus Köln</p>", T0)]
    with serving(server(state)) as srv:
        assert cli(settings, "sources", "add", "reviews", "--platform", "rss", "--url", f"{srv.url}/reviews.rss", "--query", "halcyon").exit_code == 0
        assert cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", f"{srv.url}/blog.atom").exit_code == 0
        first = cli(settings, "listen", "--once")
        assert first.exit_code == 0, first.output
        assert scalar(store, "SELECT count(*) FROM messages") == 3 + 1
        # Unchanged feeds: conditional GETs answered 304.
        before = len(srv.requests)
        assert cli(settings, "listen", "--once").exit_code == 0
        repeat = srv.requests[before:]
        assert all(r.headers.get("if-none-match") and r.headers.get("if-modified-since") for r in repeat)
        # The blog post is updated; the server fails once first.
        state.atom[0] = FeedEntry("a1", "Mein Pendeln mit dem Rad (Nachtrag)", "<p>Grüße aus Köln, jetzt mit Licht</p>", T0, T0 + timedelta(days=1))
        state.touch()
        srv.failures["/blog.atom"] = [Response(500, raw=b"oops")]
        third = cli(settings, "listen", "--once")
        assert third.exit_code == 0, third.output
    assert "1 edited" in third.output
    text, edited = rows(store, "SELECT text, edited_at FROM messages WHERE platform_id = 'a1'")[0]
    assert text == "Mein Pendeln mit dem Rad (Nachtrag)\n\nGrüße aus Köln, jetzt mit Licht" and edited is not None
    got = {r.platform_id: r for r in rows(store, "SELECT platform_id, text, kind, url FROM messages WHERE platform = 'rss'")}
    assert set(got) == {"r1", "r3", "r5", "a1"}
    assert got["r1"].text == "Review 1: Halcyon Drift\n\nSolid & fun 🚲" and got["r1"].kind == "review"
    assert got["r1"].url == "https://reviews.example/r1"


def test_a_broken_feed_fails_alone(store: Store, settings: Settings) -> None:
    good, bad = FeedState(), FeedState(broken=True)
    good.atom = [FeedEntry("a1", "Halcyon commute", "ok", T0)]
    with serving(server(good)) as ok_srv, serving(server(bad)) as bad_srv:
        cli(settings, "sources", "add", "good", "--platform", "rss", "--url", f"{ok_srv.url}/blog.atom")
        cli(settings, "sources", "add", "bad", "--platform", "rss", "--url", f"{bad_srv.url}/blog.atom")
        cli(settings, "sources", "add", "gone", "--platform", "rss", "--url", f"{ok_srv.url}/missing.xml")
        result = cli(settings, "listen", "--once")
    assert result.exit_code == 1
    assert "not a readable RSS or Atom feed" in result.output
    assert "HTTP 404" in result.output
    assert scalar(store, "SELECT count(*) FROM messages") == 1

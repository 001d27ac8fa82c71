"""A new source's first run reads back: Mastodon with max_id, Bluesky search with
its cursor, to a horizon of posts per query or a date; resumable after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.config import Settings
from goodwill.domain.sources import SourceConfig
from goodwill.store import Store
from goodwill.store.sources import add_source
from tests.listening import cli, scalar
from tests.servers import bluesky, mastodon
from tests.servers.http import Request, Response, down_after, serving

MASTODON_ENV = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}
BLUESKY_ENV = {"GW_TEST_BSKY": "app-pass-abcd-efgh-ijkl"}
TAG = "/api/v1/timelines/tag/halcyon"


def add(store: Store, **config: Any) -> None:
    with store.begin() as conn:
        add_source(conn, SourceConfig(**config))


def fedi(store: Store, url: str, *queries: str, **horizon: Any) -> None:
    add(store, name="fedi", platform="mastodon", url=url, queries=queries, token_env="GW_TEST_MASTODON", **horizon)


def sky(store: Store, url: str, *queries: str, **horizon: Any) -> None:
    add(store, name="sky", platform="bluesky", url=url, queries=queries, account="halcyon.bsky.social",
        token_env="GW_TEST_BSKY", **horizon)


def stored_ids(store: Store) -> list[str]:
    from tests.listening import rows

    return sorted(r[0].rsplit(":", 1)[1] for r in rows(store, "SELECT platform_id FROM messages"))


def paging(requests: list[Request], path: str) -> list[tuple[str | None, str | None]]:
    return [(r.arg("max_id"), r.arg("min_id")) for r in requests if r.path == path]


def test_mastodon_pages_back_to_the_posts_horizon_then_forward(store: Store, settings: Settings) -> None:
    state = mastodon.MastodonState()
    state.tags["halcyon"] = [mastodon.status(100 + i, f"#halcyon ride {i}", tags=["halcyon"]) for i in range(300)]
    state.search["halcyon drift"] = [mastodon.status(1000 + i, f"halcyon drift {i}") for i in range(55)]
    with serving(mastodon.server(state)) as srv:
        added = cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", srv.url, "--query", "#halcyon",
                    "--query", "halcyon drift", "--token-env", "GW_TEST_MASTODON", "--backfill", "130")
        assert added.exit_code == 0, added.output
        first = cli(settings, "listen", "--once", env=MASTODON_ENV)
        assert first.exit_code == 0, first.output
        # Newest page, then back with max_id page by page to 130 posts, then forward from the newest.
        assert paging(srv.requests, TAG) == [(None, None), ("360", None), ("320", None), ("280", None), (None, "399")]
        assert stored_ids(store) == sorted([str(i) for i in range(270, 400)] + [str(1000 + i) for i in range(55)])
        # The search query read its whole (shorter) history the same way.
        assert paging(srv.requests, "/api/v2/search") == [(None, None), ("1015", None), (None, "1054")]
        # Later runs page forward only.
        state.tags["halcyon"].append(mastodon.status(500, "#halcyon new", tags=["halcyon"]))
        before = len(srv.requests)
        assert cli(settings, "listen", "--once", env=MASTODON_ENV).exit_code == 0
    assert paging(srv.requests[before:], TAG) == [(None, "399")]
    assert scalar(store, "SELECT count(*) FROM messages") == 130 + 55 + 1


def test_sources_add_stores_the_horizon_and_checks_it(store: Store, settings: Settings) -> None:
    import json

    def add_cli(name: str, platform: str, *extra: str) -> Any:
        return cli(settings, "sources", "add", name, "--platform", platform, "--url", "https://bikes.example", *extra)

    assert add_cli("plain", "mastodon").exit_code == 0
    assert add_cli("dated", "bluesky", "--account", "halcyon.bsky.social", "--token-env", "GW_TEST_BSKY",
                   "--since", "2026-09-01").exit_code == 0
    assert add_cli("both", "mastodon", "--backfill", "200", "--since", "2026-09-01T12:00:00+02:00").exit_code == 0
    assert add_cli("none", "mastodon", "--backfill", "0").exit_code == 0
    listed = {s["name"]: s for s in json.loads(cli(settings, "sources", "list", "--json").output)}
    assert (listed["plain"]["backfill_posts"], listed["plain"]["backfill_since"]) == (1000, None)
    assert (listed["dated"]["backfill_posts"], listed["dated"]["backfill_since"]) == (None, "2026-09-01T00:00:00+00:00")
    assert (listed["both"]["backfill_posts"], listed["both"]["backfill_since"]) == (200, "2026-09-01T10:00:00+00:00")
    assert listed["none"]["backfill_posts"] == 0
    rss = add_cli("feed", "rss", "--backfill", "10")
    assert rss.exit_code == 1 and "only mastodon and bluesky sources read back" in rss.output
    bad = add_cli("bad", "mastodon", "--since", "someday soon")
    assert bad.exit_code == 1 and "--since 'someday soon'" in bad.output
    negative = add_cli("neg", "mastodon", "--backfill", "-1")
    assert negative.exit_code == 2
    assert "neg" not in {s["name"] for s in json.loads(cli(settings, "sources", "list", "--json").output)}


def test_mastodon_backfill_stops_at_the_date_horizon(store: Store, settings: Settings) -> None:
    state = mastodon.MastodonState()
    state.tags["halcyon"] = [mastodon.status(100 + i, f"#halcyon ride {i}", tags=["halcyon"]) for i in range(300)]
    since = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=250)  # status 250's time
    mentions = [mastodon.status(2000 + i, f"@halcyon question {i}") for i in range(50)]
    state.notifications = [
        {"id": str(7000 + 2 * i), "type": "mention", "created_at": s["created_at"], "account": s["account"], "status": s}
        for i, s in enumerate(mentions)
    ]
    # A recent notification that an old status (from before the horizon) was edited:
    # paging goes by the notifications' own times, so it must not end the backfill.
    old = mastodon.status(150, "#halcyon old ride, edited", tags=["halcyon"], edited=True)
    state.notifications.append({"id": "7081", "type": "update", "created_at": mentions[-1]["created_at"],
                                "account": old["account"], "status": old})
    with serving(mastodon.server(state)) as srv:
        fedi(store, srv.url, "#halcyon", "mentions", backfill_posts=None, backfill_since=since)
        result = cli(settings, "listen", "--once", env=MASTODON_ENV)
        assert result.exit_code == 0, result.output
    ids = stored_ids(store)
    assert [i for i in ids if int(i) < 2000 and i != "150"] == sorted(str(i) for i in range(250, 400))
    # Mentions page back by notification id, past the edit, all 50 newer than the date.
    assert [m for m, _ in paging(srv.requests, "/api/v1/notifications")][:2] == [None, "7022"]
    assert len([i for i in ids if int(i) >= 2000]) == 50 and "150" in ids


def test_a_crash_mid_backfill_resumes_with_nothing_lost_or_repeated(store: Store, settings: Settings) -> None:
    state = mastodon.MastodonState()
    state.tags["halcyon"] = [mastodon.status(100 + i, f"#halcyon ride {i}", tags=["halcyon"]) for i in range(300)]
    with serving(mastodon.server(state)) as srv:
        fedi(store, srv.url, "#halcyon", backfill_posts=130)
        real = down_after(srv, TAG, 2, Response(500, {"error": "down"}))  # gone mid-backfill, past every retry
        failed = cli(settings, "listen", "--once", env=MASTODON_ENV)
        assert failed.exit_code == 1 and "server error (HTTP 500)" in failed.output
        assert scalar(store, "SELECT count(*) FROM messages") == 80  # two pages committed with their checkpoint
        checkpoint = scalar(store, "SELECT checkpoint FROM source_checkpoints")
        assert "backfill" in str(checkpoint) and "320" in str(checkpoint)
        # Meanwhile new posts arrive at the top.
        state.tags["halcyon"] += [mastodon.status(600 + i, f"#halcyon meanwhile {i}", tags=["halcyon"]) for i in range(3)]
        srv.handle = real
        before = len(srv.requests)
        resumed = cli(settings, "listen", "--once", env=MASTODON_ENV)
        assert resumed.exit_code == 0, resumed.output
    # Back from the last committed page, then forward from the first run's newest id.
    assert paging(srv.requests[before:], TAG) == [("320", None), ("280", None), (None, "399")]
    assert stored_ids(store) == sorted([str(i) for i in range(270, 400)] + ["600", "601", "602"])
    assert scalar(store, "SELECT count(DISTINCT platform_id) FROM messages") == 133


def test_no_backfill_takes_the_newest_page_only(store: Store, settings: Settings) -> None:
    state = mastodon.MastodonState()
    state.tags["halcyon"] = [mastodon.status(100 + i, f"#halcyon ride {i}", tags=["halcyon"]) for i in range(100)]
    with serving(mastodon.server(state)) as srv:
        fedi(store, srv.url, "#halcyon", backfill_posts=0)
        assert cli(settings, "listen", "--once", env=MASTODON_ENV).exit_code == 0
    assert paging(srv.requests, TAG) == [(None, None)]
    assert scalar(store, "SELECT count(*) FROM messages") == 40


def test_bluesky_search_pages_back_with_its_cursor_to_the_horizon_and_resumes(store: Store, settings: Settings) -> None:
    state = bluesky.BlueskyState()
    state.posts = [bluesky.post(i, f"halcyon ride {i}") for i in range(400)]
    with serving(bluesky.server(state)) as srv:
        sky(store, srv.url, "halcyon", backfill_posts=250)
        real = down_after(srv, "/xrpc/app.bsky.feed.searchPosts", 2, Response(503, {"error": "Unavailable"}))
        failed = cli(settings, "listen", "--once", env=BLUESKY_ENV)
        assert failed.exit_code == 1
        assert scalar(store, "SELECT count(*) FROM messages") == 200
        srv.handle = real
        before = len(srv.requests)
        assert cli(settings, "listen", "--once", env=BLUESKY_ENV).exit_code == 0
        cursors = [r.arg("cursor") for r in srv.requests[before:] if r.path == "/xrpc/app.bsky.feed.searchPosts"]
        assert cursors == ["200"]  # resumed from the committed page; stopped at 250 posts
        texts = {r[0] for r in _rows(store, "SELECT text FROM messages")}
        assert texts == {f"halcyon ride {i}" for i in range(150, 400)}
        # The next run pages back only to what the first pass saw.
        state.posts += [bluesky.post(1000 + i, f"halcyon later {i}") for i in range(5)]
        assert cli(settings, "listen", "--once", env=BLUESKY_ENV).exit_code == 0
    assert scalar(store, "SELECT count(*) FROM messages") == 255


def test_bluesky_backfill_stops_at_the_date_horizon(store: Store, settings: Settings) -> None:
    state = bluesky.BlueskyState()
    state.posts = [bluesky.post(i, f"halcyon ride {i}") for i in range(300)]
    since = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=120)
    with serving(bluesky.server(state)) as srv:
        sky(store, srv.url, "halcyon", backfill_posts=None, backfill_since=since)
        assert cli(settings, "listen", "--once", env=BLUESKY_ENV).exit_code == 0
    searches = [r for r in srv.requests if r.path == "/xrpc/app.bsky.feed.searchPosts"]
    assert searches[0].arg("since", "").startswith("2026-10-01T02:00:00")
    texts = {r[0] for r in _rows(store, "SELECT text FROM messages")}
    assert texts == {f"halcyon ride {i}" for i in range(120, 300)}


def _rows(store: Store, sql: str) -> list[Any]:
    from tests.listening import rows

    return rows(store, sql)


def test_migration_0005_round_trips_and_old_sources_keep_their_first_run(store: Store) -> None:
    import sqlalchemy as sa
    from alembic import command

    from goodwill.store.db import _alembic_config
    from goodwill.store.sources import get_source

    since = datetime(2026, 9, 1, tzinfo=UTC)
    add(store, name="fedi", platform="mastodon", url="https://bikes.example", backfill_posts=500, backfill_since=since)
    with store.begin() as conn:
        assert get_source(conn, "fedi")[1].backfill_horizon() == (500, since)
    with store.engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
        columns = {c["name"] for c in sa.inspect(conn).get_columns("sources")}
        assert "backfill_posts" not in columns and "backfill_since" not in columns
        assert conn.execute(sa.text("SELECT name FROM sources")).scalar() == "fedi"
        command.upgrade(cfg, "head")
    with store.begin() as conn:
        config = get_source(conn, "fedi")[1]
    # A source from before the revision has no horizon: its first run reads one page, as it did.
    assert (config.backfill_posts, config.backfill_since, config.backfill_horizon()) == (None, None, None)

"""Mastodon: Mastodon.py against a loopback server speaking the Mastodon API."""

from __future__ import annotations

import json

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.privacy_scan import assert_gone
from tests.servers.http import Response, serving
from tests.servers.mastodon import MastodonState, account, server, status

TOKEN_ENV = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}


def _add(settings: Settings, url: str, *queries: str) -> None:
    args = ["sources", "add", "fedi", "--platform", "mastodon", "--url", url, "--token-env", "GW_TEST_MASTODON"]
    for q in queries:
        args += ["--query", q]
    result = cli(settings, *args)
    assert result.exit_code == 0, result.output


def test_hashtag_search_and_mentions_page_forward_and_resume(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100 + i, f"#halcyon ride {i}", tags=["halcyon"]) for i in range(50)]
    state.search["halcyon drift"] = [status(300, "Is the Halcyon Drift worth it? Ça vaut le coup? 🚲")]
    mention = status(400, '<span class="h-card"><a href="https://bikes.example/@halcyon">@<span>halcyon</span></a></span> my brakes squeal',
                     mentions=[{"id": "1", "username": "halcyon", "acct": "halcyon", "url": ""}])
    state.notifications = [{"id": "7001", "type": "mention", "created_at": mention["created_at"], "account": mention["account"], "status": mention}]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "#halcyon", "halcyon drift", "mentions")
        first = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert first.exit_code == 0, first.output
        # The first run of a query reads its history back (all 50: fewer than the default backfill).
        assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE '%#halcyon ride%'") == 50
        # New posts arrive: 100 more on the tag, pages overlapping, with a
        # malformed one, an edit of a stored one, a 500 and a 429 on the way.
        host = srv.url.split("://")[1]
        new = [status(1000 + i, f"#halcyon новый пост {i} ✨", tags=["halcyon"]) for i in range(100)]
        broken = status(1100, "no account")
        del broken["account"]
        state.tags["halcyon"] += new + [broken]
        state.overlap = 2
        calls_before = len(srv.requests)
        srv.failures["/api/v1/timelines/tag/"] = [
            Response(500, {"error": "boom"}),
            Response(429, {"error": "Too many requests"}, {"Retry-After": "1"}),
        ]
        second = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert second.exit_code == 0, second.output
    tag_requests = [r for r in srv.requests[calls_before:] if r.path.startswith("/api/v1/timelines/tag/")]
    min_ids = [r.arg("min_id") for r in tag_requests]
    # The same page asked again after the 500 and the 429, then forward page by
    # page (40 a page, two repeated at each edge) until a short page.
    assert min_ids == ["149", "149", "149", "1037", "1075"]
    stored = {r[0] for r in rows(store, "SELECT platform_id FROM messages")}
    assert {f"{host}:{1000 + i}" for i in range(100)} <= stored
    assert f"{host}:1100" not in stored
    assert f"{host}:300" in stored and f"{host}:400" in stored
    assert scalar(store, "SELECT count(*) FROM messages") == 50 + 100 + 2
    text = scalar(store, "SELECT text FROM messages WHERE platform_id = :p", p=f"{host}:400")
    assert text == "@halcyon my brakes squeal"
    assert scalar(store, "SELECT count(*) FROM interactions WHERE kind = 'mention'") == 1
    assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE '%новый пост 99 ✨%'") == 1


def test_edit_notification_updates_the_stored_text(store: Store, settings: Settings) -> None:
    state = MastodonState()
    question = status(400, "@halcyon does the Drift fit a child seat?")
    state.notifications = [{"id": "7001", "type": "mention", "created_at": question["created_at"], "account": question["account"], "status": question}]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "mentions")
        assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
        edited = status(400, "@halcyon does the Drift fit a rear child seat (Thule)?", edited=True)
        state.notifications.append({"id": "7002", "type": "update", "created_at": edited["edited_at"], "account": edited["account"], "status": edited})
        result = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert result.exit_code == 0, result.output
    assert srv.requests[-1].arg("min_id") == "7001"
    host = srv.url.split("://")[1]
    got = rows(store, "SELECT text, edited_at FROM messages WHERE platform_id = :p", p=f"{host}:400")[0]
    assert got.text == "@halcyon does the Drift fit a rear child seat (Thule)?" and got.edited_at is not None
    assert "1 edited" in result.output
    assert str(400) in cli(settings, "search", "Thule", "--json").output


def test_token_never_shown_when_a_source_fails(store: Store, settings: Settings) -> None:
    state = MastodonState()

    def leaky(req):  # a server that echoes the credential back in its error
        return Response(500, {"error": f"cannot use {req.headers.get('authorization')}"})

    with serving(server(state)) as srv:
        srv.handle = leaky
        _add(settings, srv.url, "#halcyon")
        result = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert result.exit_code == 1
        listed = cli(settings, "sources", "list", "--json")
        tested = cli(settings, "sources", "test", "fedi", env=TOKEN_ENV)
    assert "server error (HTTP 500)" in result.output
    for output in (result.output, listed.output, tested.output):
        assert "mastodon-secret-token-123" not in output
    assert json.loads(listed.output)[0]["last_error"]


def test_reply_dry_run_then_publish(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app?", who=account(3), tags=["halcyon"])]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "#halcyon")
        assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
        message_id = scalar(store, "SELECT id FROM messages")
        # A source on another instance cannot answer this status: the reply picks the one on its own.
        assert cli(settings, "sources", "add", "a-elsewhere", "--platform", "mastodon", "--url", "https://elsewhere.example",
                   "--token-env", "GW_TEST_MASTODON").exit_code == 0
        dry = cli(settings, "reply", str(message_id), "--text", "Hold the button for 5 s: https://halcyon.example/pair")
        assert dry.exit_code == 0, dry.output
        assert "Dry run" in dry.output and "through source fedi" in dry.output and state.posted == []
        sent = cli(settings, "reply", str(message_id), "--text", "Hold the button for 5 s: https://halcyon.example/pair",
                   "--send", "--json", env=TOKEN_ENV)
        assert sent.exit_code == 0, sent.output
    assert state.posted[0]["in_reply_to_id"] == "100"
    assert state.posted[0]["status"].startswith("@rider3@toot.example Hold the button")
    result = json.loads(sent.output)
    reply = rows(store, "SELECT is_brand, reply_to_id, thread_root_id FROM messages WHERE id = :i", i=result["stored_id"])[0]
    host = srv.url.split("://")[1]
    assert reply.is_brand and reply.reply_to_id == f"{host}:100" and reply.thread_root_id == f"{host}:100"
    assert scalar(store, "SELECT brand_message_count FROM threads WHERE root_platform_id = :r", r=f"{host}:100") == 1


def test_streaming_api_brings_posts_edits_and_deletions(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [
        status(100, "#halcyon my first ride", tags=["halcyon"]),
        status(101, "#halcyon spam, deleted soon", tags=["halcyon"], reply_to=100),
        status(105, "#halcyon nope, not buying it", tags=["halcyon"], reply_to=101),
    ]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "#halcyon", "stream:#halcyon")
        edited = status(100, "#halcyon my first ride (photos added)", tags=["halcyon"], edited=True)
        state.stream_events = [
            ("update", status(102, "#halcyon live from the trail 🏔️", tags=["halcyon"])),
            ("status.update", edited),
            ("delete", "101"),
            ("update", "{not json"),
        ]
        result = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert result.exit_code == 0, result.output
        stream_requests = [r for r in srv.requests if r.path == "/api/v1/streaming/hashtag"]
    # The malformed event broke the stream; it was opened again and then closed by the server.
    assert len(stream_requests) == 2 and stream_requests[0].arg("tag") == "halcyon"
    host = srv.url.split("://")[1]
    got = {r.platform_id: r for r in rows(store, "SELECT platform_id, text, edited_at, reply_to_id, thread_root_id FROM messages")}
    assert got[f"{host}:102"].text == "#halcyon live from the trail 🏔️"
    assert got[f"{host}:100"].text == "#halcyon my first ride (photos added)" and got[f"{host}:100"].edited_at is not None
    # The deleted post is deleted; the reply to it now answers its parent, in the same thread.
    assert f"{host}:101" not in got
    assert got[f"{host}:105"].reply_to_id == f"{host}:100" and got[f"{host}:105"].thread_root_id == f"{host}:100"
    assert scalar(store, "SELECT message_count FROM threads WHERE root_platform_id = :r", r=f"{host}:100") == 2
    assert_gone(store, ["spam, deleted soon", f"{host}:101", "bikes.example/@x/101", "statuses/101"], ["spam"])


def test_a_run_that_fails_mid_way_resumes_from_its_last_committed_page(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon start", tags=["halcyon"])]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "#halcyon")
        assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
        state.tags["halcyon"] += [status(200 + i, f"#halcyon post {i}", tags=["halcyon"]) for i in range(100)]
        real = srv.handle
        pages = {"n": 0}

        def failing_after_one_page(req):
            if req.path.startswith("/api/v1/timelines/tag/"):
                pages["n"] += 1
                if pages["n"] > 1:  # the server goes down after the first page, past every retry
                    return Response(500, {"error": "down"})
            return real(req)

        srv.handle = failing_after_one_page
        failed = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert failed.exit_code == 1 and "server error (HTTP 500)" in failed.output
        assert scalar(store, "SELECT count(*) FROM messages") == 1 + 40  # the first page was committed
        srv.handle = real
        before = len(srv.requests)
        resumed = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert resumed.exit_code == 0, resumed.output
    tag_requests = [r for r in srv.requests[before:] if r.path.startswith("/api/v1/timelines/tag/")]
    assert [r.arg("min_id") for r in tag_requests] == ["239", "279"]  # resumed after the committed page
    assert scalar(store, "SELECT count(*) FROM messages") == 101
    assert scalar(store, "SELECT count(DISTINCT platform_id) FROM messages") == 101


def test_the_listener_reports_the_platforms_rate_limit(store: Store, settings: Settings) -> None:
    from goodwill.ingest.listen import Listener

    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon hi", tags=["halcyon"])]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "#halcyon")
        listener = Listener(store, environ=TOKEN_ENV, secrets=settings.workspace / "secrets.toml", once=True)
        progress = listener.run()["fedi"]
    assert progress.error is None and progress.added == 1
    assert progress.note.startswith("rate limit: 299 requests left until ")

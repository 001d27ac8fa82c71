"""Bluesky: the atproto client against a loopback XRPC server."""

from __future__ import annotations

import json

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.servers.bluesky import BRAND_DID, BlueskyState, author, notification, post, server
from tests.servers.http import Response, serving

ENV = {"GW_TEST_BSKY": "app-pass-abcd-efgh-ijkl"}


def _add(settings: Settings, url: str, *queries: str) -> None:
    args = ["sources", "add", "sky", "--platform", "bluesky", "--url", url, "--account", "halcyon.bsky.social",
            "--token-env", "GW_TEST_BSKY"]
    for q in queries:
        args += ["--query", q]
    assert cli(settings, *args).exit_code == 0


def test_search_and_notifications_page_back_to_the_last_pass(store: Store, settings: Settings) -> None:
    state = BlueskyState()
    state.posts = [post(i, f"halcyon drift review part {i} — très bien 👍") for i in range(30)]
    state.posts.append(post(500, "unrelated"))
    mention = post(600, "@halcyon.bsky.social where is my order?")
    like = post(601, "liked")
    state.notifications = [notification(mention, "mention"), notification(like, "like")]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "halcyon", "mentions")
        first = cli(settings, "listen", "--once", env=ENV)
        assert first.exit_code == 0, first.output
        assert scalar(store, "SELECT count(*) FROM messages") == 31  # all 30 fit one page, plus the mention
        # 250 more arrive: three pages back to what the first pass saw, with a
        # 502 and a 429 (ratelimit-reset) on the way and a malformed post.
        state.posts += [post(1000 + i, f"halcyon ride {i}") for i in range(250)]
        broken = post(2000, "halcyon but broken")
        del broken["record"]["text"]
        state.posts.append(broken)
        srv.failures["/xrpc/app.bsky.feed.searchPosts"] = [
            Response(502, {"error": "UpstreamFailure"}),
            Response(429, {"error": "RateLimitExceeded"}, {"ratelimit-reset": "1"}),
        ]
        second = cli(settings, "listen", "--once", env=ENV)
        assert second.exit_code == 0, second.output
    searches = [r for r in srv.requests if r.path == "/xrpc/app.bsky.feed.searchPosts"]
    assert [r.arg("cursor") for r in searches[-5:]] == [None, None, None, "100", "200"]
    assert searches[-1].arg("since")
    assert scalar(store, "SELECT count(*) FROM messages") == 31 + 250
    got = rows(store, "SELECT author.handle, m.text FROM messages m JOIN accounts author ON author.id = m.account_id WHERE m.text LIKE '%order%'")
    assert got[0].handle == "rider0.bsky.social"
    assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE '%très bien 👍%'") == 30
    assert state.sessions == 2  # one login per run


def test_reply_is_published_threaded_and_stored_as_the_brands(store: Store, settings: Settings) -> None:
    state = BlueskyState()
    root = post(1, "halcyon: does the app work offline?")
    reply_ref = {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": {"uri": root["uri"], "cid": root["cid"]}}
    follow_up = post(2, "halcyon also, battery at 80% after a week?", who=author(1), reply=reply_ref)
    state.posts = [root, follow_up]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "halcyon")
        assert cli(settings, "listen", "--once", env=ENV).exit_code == 0
        target = scalar(store, "SELECT id FROM messages WHERE platform_id = :p", p=follow_up["uri"])
        sent = cli(settings, "reply", str(target), "--text", "Yes, offline works; 80% is normal 🙂", "--send", "--json", env=ENV)
        assert sent.exit_code == 0, sent.output
    created = state.created[0]
    assert created["repo"] == BRAND_DID and created["collection"] == "app.bsky.feed.post"
    strong = "com.atproto.repo.strongRef"
    assert created["record"]["reply"]["parent"] == {"$type": strong, "uri": follow_up["uri"], "cid": follow_up["cid"]}
    assert created["record"]["reply"]["root"] == {"$type": strong, "uri": root["uri"], "cid": root["cid"]}
    assert created["record"]["text"] == "Yes, offline works; 80% is normal 🙂"
    result = json.loads(sent.output)
    stored = rows(store, "SELECT is_brand, reply_to_id, thread_root_id FROM messages WHERE id = :i", i=result["stored_id"])[0]
    assert stored.is_brand and stored.reply_to_id == follow_up["uri"] and stored.thread_root_id == root["uri"]
    assert scalar(store, "SELECT brand_message_count FROM threads WHERE root_platform_id = :r", r=root["uri"]) == 1


def test_wrong_app_password_fails_this_source_only(store: Store, settings: Settings) -> None:
    state = BlueskyState()
    state.posts = [post(1, "halcyon hello")]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "halcyon")
        bad = cli(settings, "sources", "add", "sky2", "--platform", "bluesky", "--url", srv.url, "--account",
                  "halcyon.bsky.social", "--token-env", "GW_TEST_BSKY_WRONG", "--query", "halcyon")
        assert bad.exit_code == 0
        result = cli(settings, "listen", "--once", env={**ENV, "GW_TEST_BSKY_WRONG": "wrong-password-xyz"})
    assert result.exit_code == 1
    assert f"{srv.url.split('://')[1]}: the app password was rejected (HTTP 401), signing in as halcyon.bsky.social" in " ".join(result.output.split())
    assert "wrong-password-xyz" not in result.output
    assert scalar(store, "SELECT count(*) FROM messages") == 1  # the good source still listened


def test_an_interrupted_pass_resumes_from_its_cursor(store: Store, settings: Settings) -> None:
    state = BlueskyState()
    state.posts = [post(i, f"halcyon early {i}") for i in range(3)]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "halcyon")
        assert cli(settings, "listen", "--once", env=ENV).exit_code == 0
        state.posts += [post(1000 + i, f"halcyon later {i}") for i in range(250)]
        real = srv.handle
        searches = {"n": 0}

        def down_after_one_page(req):
            if req.path == "/xrpc/app.bsky.feed.searchPosts":
                searches["n"] += 1
                if searches["n"] > 1:
                    return Response(503, {"error": "Unavailable"})
            return real(req)

        srv.handle = down_after_one_page
        failed = cli(settings, "listen", "--once", env=ENV)
        assert failed.exit_code == 1
        assert scalar(store, "SELECT count(*) FROM messages") == 3 + 100  # the first page is in
        srv.handle = real
        before = len(srv.requests)
        resumed = cli(settings, "listen", "--once", env=ENV)
        assert resumed.exit_code == 0, resumed.output
    cursors = [r.arg("cursor") for r in srv.requests[before:] if r.path == "/xrpc/app.bsky.feed.searchPosts"]
    assert cursors == ["100", "200"]  # carried on from the committed page's cursor
    assert scalar(store, "SELECT count(*) FROM messages") == 253

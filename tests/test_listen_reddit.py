"""Reddit: praw against a loopback server speaking Reddit's API."""

from __future__ import annotations

import json

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.privacy_scan import assert_gone
from tests.servers.http import Response, serving
from tests.servers.reddit import RedditState, comment, server, submission

ENV = {"GW_TEST_REDDIT": "app-id-123:reddit-app-secret-456:refresh-789"}


def _add(settings: Settings, url: str, *queries: str) -> None:
    args = ["sources", "add", "rd", "--platform", "reddit", "--url", url, "--token-env", "GW_TEST_REDDIT"]
    for q in queries:
        args += ["--query", q]
    assert cli(settings, *args).exit_code == 0


def test_subreddit_posts_comments_and_search(store: Store, settings: Settings) -> None:
    state = RedditState()
    state.posts["ebikes"] = [submission(i, f"Halcyon Drift thoughts {i}", "Ünïcode bödy ✓" if i == 140 else "") for i in range(150)]
    state.posts["bikes"] = [submission(500, "Anyone tried halcyon?", sub="bikes"), submission(501, "unrelated", sub="bikes")]
    state.comments["ebikes"] = [comment(i, f"reply {i}", "t3_p149", "t3_p149") for i in range(5)]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "r/ebikes", "r/bikes:halcyon")
        first = cli(settings, "listen", "--once", env=ENV)
        assert first.exit_code == 0, first.output
        # First run: the newest 100 posts, the 5 comments, one search hit.
        assert scalar(store, "SELECT count(*) FROM messages") == 100 + 5 + 1
        # New items: 130 posts (two pages of 100), an edited comment, a removed
        # post, a comment replying to a comment; a 503 and a 429 first.
        state.posts["ebikes"] += [submission(1000 + i, f"new post {i}") for i in range(130)]
        state.posts["ebikes"].append(submission(5000, "[removed]", "[removed]", author="[deleted]"))
        state.comments["ebikes"] += [
            comment(1200, "edited: fixed now, thanks!", "t3_p149", "t3_p149", edited=float(1_790_100_000)),
            comment(1201, "same here", "t1_c1200", "t3_p149"),
        ]
        state.comments["ebikes"][0]["data"]["created_utc"] = float(1_790_000_000 + 1200 * 60 + 1)
        state.comments["ebikes"][0]["data"]["body"] = "reply 0, edited later"
        state.comments["ebikes"][0]["data"]["edited"] = float(1_790_100_001)
        srv.failures["/r/ebikes/new"] = [Response(503, {"message": "busy"}), Response(429, {"message": "slow"}, {"x-ratelimit-reset": "1"})]
        second = cli(settings, "listen", "--once", env=ENV)
        assert second.exit_code == 0, second.output
    assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE 'new post%'") == 130
    news = [r for r in srv.requests if r.path == "/r/ebikes/new"]
    assert any(r.arg("after") for r in news)  # paged with `after`
    assert scalar(store, "SELECT text FROM messages WHERE platform_id = 't1_c0'") == "reply 0, edited later"
    thread = rows(store, "SELECT thread_root_id FROM messages WHERE platform_id = 't1_c1201'")[0]
    assert thread.thread_root_id == "t3_p149"
    assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE '%Ünïcode bödy ✓%'") == 1
    assert scalar(store, "SELECT count(*) FROM messages WHERE platform_id = 't3_p501'") == 0


def test_deleted_post_and_comment_are_deleted(store: Store, settings: Settings) -> None:
    state = RedditState()
    state.posts["ebikes"] = [submission(1, "Halcyon battery died", "it just stopped")]
    state.comments["ebikes"] = [comment(2, "mine too, the Halcyon dealer swapped the cell", "t3_p1", "t3_p1"),
                                comment(3, "which dealer was it?", "t1_c2", "t3_p1")]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "r/ebikes")
        assert cli(settings, "listen", "--once", env=ENV).exit_code == 0
        assert scalar(store, "SELECT count(*) FROM messages") == 3
        state.posts["ebikes"] = [submission(1, "Halcyon battery died", "it just stopped")]
        state.comments["ebikes"] = [comment(3, "which dealer was it?", "t1_c2", "t3_p1"),
                                    comment(2, "[deleted]", "t3_p1", "t3_p1", author="[deleted]")]
        state.comments["ebikes"][1]["data"]["created_utc"] += 120  # seen again, after the last one read
        second = cli(settings, "listen", "--once", env=ENV)
        assert second.exit_code == 0, second.output
        assert "1 deleted" in second.output
        # The reply to the deleted comment answers the post now, in the same thread.
        reply = rows(store, "SELECT reply_to_id, thread_root_id FROM messages WHERE platform_id = 't1_c3'")[0]
        assert reply.reply_to_id == "t3_p1" and reply.thread_root_id == "t3_p1"
        assert scalar(store, "SELECT message_count FROM threads WHERE root_platform_id = 't3_p1'") == 2
        assert_gone(store, ["dealer swapped the cell", "t1_c2", "comments/p1/x/c2/"], ["swapped"])
        state.posts["ebikes"] = [submission(1, "[deleted]", "[deleted]", author="[deleted]")]
        state.posts["ebikes"][0]["data"]["created_utc"] += 600
        third = cli(settings, "listen", "--once", env=ENV)
        assert third.exit_code == 0
    assert "1 deleted" in third.output
    # The post began the thread: its comment begins it now, and the thread keeps no id of the post.
    assert rows(store, "SELECT reply_to_id FROM messages WHERE platform_id = 't1_c3'")[0].reply_to_id is None
    assert_gone(store, ["Halcyon battery died", "it just stopped", "t3_p1"], ["stopped"])


def test_reply_to_a_comment(store: Store, settings: Settings) -> None:
    state = RedditState()
    state.posts["ebikes"] = [submission(1, "Halcyon app question")]
    state.comments["ebikes"] = [comment(2, "me too, can't pair it", "t3_p1", "t3_p1")]
    with serving(server(state)) as srv:
        _add(settings, srv.url, "r/ebikes")
        assert cli(settings, "listen", "--once", env=ENV).exit_code == 0
        target = scalar(store, "SELECT id FROM messages WHERE platform_id = 't1_c2'")
        sent = cli(settings, "reply", str(target), "--text", "Update the app to 2.3, then hold the button 5 s.", "--send", "--json", env=ENV)
        assert sent.exit_code == 0, sent.output
    assert len(state.posted) == 1
    assert state.posted[0]["thing_id"] == "t1_c2"
    assert state.posted[0]["text"] == "Update the app to 2.3, then hold the button 5 s."
    result = json.loads(sent.output)
    stored = rows(store, "SELECT is_brand, reply_to_id, thread_root_id FROM messages WHERE id = :i", i=result["stored_id"])[0]
    assert stored.is_brand and stored.reply_to_id == "t1_c2" and stored.thread_root_id == "t3_p1"

"""The brand's own posts: drafts read for give-or-take and tone, scheduled per
channel, published once through the local Mastodon server, even when the
publisher is killed between the platform's answer and the record."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from goodwill.config import Settings
from goodwill.errors import FieldError, NotFoundError
from goodwill.service import posts
from goodwill.service.workspace import operator
from goodwill.store import Store
from tests.listening import cli, cli_process, rows, scalar
from tests.servers.http import Response, serving
from tests.servers.mastodon import MastodonState
from tests.servers.mastodon import server as mastodon_server

TOKEN_ENV = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}
GIVING = "How to true a wheel at home in ten minutes, step by step: https://halcyon.example/true"
TAKING = "Buy the new Halcyon Aero now! 20% off today only, order today: https://halcyon.example/shop"


def _add_channel(settings: Settings, url: str = "https://bikes.example") -> None:
    added = cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", url,
                "--token-env", "GW_TEST_MASTODON", "--query", "#halcyon")
    assert added.exit_code == 0, added.output


def _soon(minutes: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%MZ")


def test_a_draft_is_read_and_tone_checked_then_scheduled_listed_and_cancelled(store: Store, settings: Settings) -> None:
    _add_channel(settings)
    drafted = cli(settings, "posts", "draft", TAKING, "--channel", "fedi", "--json")
    assert drafted.exit_code == 0, drafted.output
    post = json.loads(drafted.output)
    assert post["status"] == "draft" and post["scheduled_at"] is None and post["platform"] == "mastodon"
    assert post["reading"]["kind"] == "take" and post["reading"]["reason"]
    assert "promotional" in {f["code"] for f in post["tone"]}  # "buy now", "% off": the tone check's flag
    shown = cli(settings, "posts", "schedule", str(post["id"]), "--at", _soon())
    assert shown.exit_code == 0 and "scheduled" in shown.output and "reads as take" in shown.output
    listed = json.loads(cli(settings, "posts", "list", "--json").output)
    assert [p["status"] for p in listed["posts"]] == ["scheduled"]
    assert cli(settings, "posts", "cancel", str(post["id"])).exit_code == 0
    assert json.loads(cli(settings, "posts", "list", "--json").output)["posts"][0]["status"] == "cancelled"
    again = cli(settings, "posts", "cancel", str(post["id"]))
    assert again.exit_code != 0 and "is cancelled" in again.output
    actions = [r.action for r in rows(store, "SELECT action FROM audit_log WHERE action LIKE 'post.%' ORDER BY id")]
    assert actions == ["post.draft", "post.schedule", "post.cancel"]


def test_drafts_are_refused_with_the_field_at_fault(store: Store, settings: Settings) -> None:
    _add_channel(settings)
    cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", "https://bikes.example/feed.xml")
    actor = operator()
    with pytest.raises(NotFoundError):
        posts.draft(store, actor, GIVING, "nowhere")
    with pytest.raises(FieldError, match="on rss"):
        posts.draft(store, actor, GIVING, "blog")
    with pytest.raises(FieldError, match="influencer"):
        posts.draft(store, actor, GIVING, "fedi", collaboration="sponsored")
    with pytest.raises(FieldError, match="in the past"):
        posts.draft(store, actor, GIVING, "fedi", at=datetime.now(UTC) - timedelta(hours=2))
    assert scalar(store, "SELECT count(*) FROM posts") == 0  # nothing half-written
    bad = cli(settings, "posts", "schedule", "1", "--at", "someday")
    assert bad.exit_code != 0 and "at" in bad.output


def test_due_posts_go_out_once_as_the_brands_posts(store: Store, settings: Settings) -> None:
    state = MastodonState()
    with serving(mastodon_server(state)) as srv:
        _add_channel(settings, srv.url)
        post = posts.draft(store, operator(), GIVING, "fedi", at=datetime.now(UTC))
        first = cli(settings, "posts", "publish-due", "--json", env=TOKEN_ENV)
        assert first.exit_code == 0, first.output
        again = cli(settings, "posts", "publish-due", "--json", env=TOKEN_ENV)
    done = json.loads(first.output)["published"]
    assert [d["outcome"] for d in done] == ["published"] and json.loads(again.output) == {"published": []}
    assert len(state.posted) == 1 and "in_reply_to_id" not in state.posted[0]
    assert state.posted[0]["status"] == GIVING
    stored = posts.get(store, operator(), post["id"])
    assert stored["status"] == "published" and stored["published_id"] == done[0]["published_id"]
    message = rows(store, "SELECT is_brand, kind, platform_id FROM messages WHERE id = :i", i=stored["message_id"])[0]
    assert bool(message.is_brand) and message.platform_id == stored["published_id"]
    assert scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'post.publish'") == 1


def test_a_post_not_yet_due_waits_and_a_server_error_is_retried_with_the_same_key(store: Store, settings: Settings) -> None:
    state = MastodonState()
    with serving(mastodon_server(state)) as srv:
        _add_channel(settings, srv.url)
        later = posts.draft(store, operator(), GIVING, "fedi", at=datetime.now(UTC) + timedelta(hours=1))
        due = posts.draft(store, operator(), "Our winter riding checklist: https://halcyon.example/winter", "fedi",
                          at=datetime.now(UTC))
        srv.failures["/api/v1/statuses"] = [Response(503, {"error": "busy"})]
        failed = posts.publish_due(store, operator(), environ=TOKEN_ENV, settings=settings)
        assert [(d.post_id, d.outcome) for d in failed] == [(due["id"], "retry")]
        assert "503" in (failed[0].error or "")
        retried = posts.publish_due(store, operator(), environ=TOKEN_ENV, settings=settings)
    assert [(d.post_id, d.outcome) for d in retried] == [(due["id"], "published")]
    keys = [r.headers.get("idempotency-key") for r in srv.requests if r.path == "/api/v1/statuses"]
    assert len(keys) == 2 and keys[0] == keys[1] is not None
    assert posts.get(store, operator(), later["id"])["status"] == "scheduled"
    assert posts.get(store, operator(), due["id"])["attempts"] == 2


def test_a_publisher_killed_after_the_platform_answered_publishes_nothing_twice(store: Store, settings: Settings) -> None:
    state = MastodonState(post_delay=3.0)  # the status exists; the publisher has not heard back yet
    with serving(mastodon_server(state)) as srv:
        _add_channel(settings, srv.url)
        post = posts.draft(store, operator(), GIVING, "fedi", at=datetime.now(UTC))
        proc = cli_process(settings, "posts", "publish-due", env=TOKEN_ENV)
        try:
            deadline = time.monotonic() + 60
            while not state.posted and time.monotonic() < deadline:
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert len(state.posted) == 1
        assert posts.get(store, operator(), post["id"])["status"] == "publishing"  # claimed, not recorded
        state.post_delay = 0
        waiting = cli(settings, "posts", "publish-due", "--json", env=TOKEN_ENV)  # the claim is fresh: left alone
        assert json.loads(waiting.output) == {"published": []}
        resumed = cli(settings, "posts", "publish-due", "--reclaim-after", "0", "--json", env=TOKEN_ENV)
        assert resumed.exit_code == 0, resumed.output
    assert len(state.posted) == 1  # the instance answered the same key with the status it had made
    done = json.loads(resumed.output)["published"]
    made = next(iter(state.by_key.values()))
    assert done[0]["outcome"] == "published" and done[0]["published_id"].endswith(":" + made["id"])
    assert posts.get(store, operator(), post["id"])["status"] == "published"
    assert scalar(store, "SELECT count(*) FROM messages WHERE is_brand") == 1


def test_the_listener_publishes_due_posts(store: Store, settings: Settings) -> None:
    state = MastodonState()
    with serving(mastodon_server(state)) as srv:
        _add_channel(settings, srv.url)
        post = posts.draft(store, operator(), GIVING, "fedi", at=datetime.now(UTC))
        listened = cli(settings, "listen", "--once", env=TOKEN_ENV)
        assert listened.exit_code == 0, listened.output
    assert "posts: 1 published" in listened.output and len(state.posted) == 1
    assert posts.get(store, operator(), post["id"])["status"] == "published"
    entry = rows(store, "SELECT actor_name FROM audit_log WHERE action = 'post.publish'")
    assert [e.actor_name for e in entry] == ["publisher"]

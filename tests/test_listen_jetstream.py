"""Jetstream: the real websocket client against a loopback Jetstream server."""

from __future__ import annotations

import orjson

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.privacy_scan import assert_gone
from tests.servers.jetstream import BASE_US, JetstreamServer, post_event, running

DELETED = "at://did:plc:user0030/app.bsky.feed.post/3l00000000030"


def _events() -> tuple[list[bytes], set[str]]:
    """300 events: every 15th mentions Halcyon (in many scripts), plus edits, deletions and junk."""
    events, wanted = [], set()
    for i in range(300):
        if i % 15 == 0:
            text = ["Is the Halcyon Drift any good? 🚲", "HALCYON support helped me today", "Привет halcyon! ça roule ✨"][(i // 15) % 3]
            wanted.add(f"at://did:plc:user{i % 97:04d}/app.bsky.feed.post/3l{i:011d}")
        else:
            text = f"just a post about lunch number {i}"
        events.append(post_event(i, text))
    # A reply to a wanted post, with a mention facet.
    parent = sorted(wanted)[0]
    text = "@halcyonbikes.bsky.social same question as above"
    facets = [{"index": {"byteStart": 0, "byteEnd": 25}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:brand"}]}]
    events.append(post_event(400, text, reply_to=parent, facets=facets, time_us=BASE_US + 300_000))
    wanted.add("at://did:plc:user0012/app.bsky.feed.post/3l00000000400")
    # Junk that must be skipped without stopping the stream.
    events.append(b'{"not json')
    events.append(orjson.dumps({"did": "did:plc:x", "time_us": BASE_US + 300_500, "kind": "identity", "identity": {"handle": "x.bsky.social"}}))
    # A reply to post 30, which is then deleted (so it is not kept).
    events.append(post_event(401, "halcyon: I'd like to know too", reply_to=DELETED, time_us=BASE_US + 300_600))
    wanted.add("at://did:plc:user0013/app.bsky.feed.post/3l00000000401")
    # Post 15 is edited, post 30 deleted (both stored), post 2 (never stored) deleted.
    events.append(post_event(15, "HALCYON support helped me today (edit: and tomorrow)", op="update", time_us=BASE_US + 301_000))
    events.append(post_event(30, "", op="delete", time_us=BASE_US + 302_000))
    events.append(post_event(2, "", op="delete", time_us=BASE_US + 303_000))
    return events, wanted - {DELETED}


def test_jetstream_filters_stores_edits_and_deletes(store: Store, settings: Settings) -> None:
    events, wanted = _events()
    with running(JetstreamServer(events=events)) as server:
        assert cli(settings, "sources", "add", "jet", "--platform", "jetstream", "--url", server.url).exit_code == 0
        result = cli(settings, "listen", "--once")
        assert result.exit_code == 0, result.output
    assert server.requests[0]["wantedCollections"] == ["app.bsky.feed.post"]
    stored = {r[0]: r for r in rows(store, "SELECT platform_id, text, edited_at, deleted_at, reply_to_id, mentions FROM messages WHERE platform = 'bluesky'")}
    assert set(stored) == wanted
    edited = stored["at://did:plc:user0015/app.bsky.feed.post/3l00000000015"]
    assert edited.text.endswith("(edit: and tomorrow)") and edited.edited_at is not None
    # The deleted post is deleted: the reply to it begins its thread now, and nothing keeps its words or ids.
    orphan = stored["at://did:plc:user0013/app.bsky.feed.post/3l00000000401"]
    assert orphan.reply_to_id is None
    assert scalar(store, "SELECT message_count FROM threads WHERE root_platform_id = :r", r=DELETED) is None
    assert scalar(store, "SELECT message_count FROM threads t JOIN messages m ON m.thread_root_id = t.root_platform_id "
                         "WHERE m.platform_id = :p", p=orphan.platform_id) == 1
    assert_gone(store, [DELETED, "user0030/app.bsky.feed.post", "bafyrei00000000000000000030"], ["roule"])
    reply = stored["at://did:plc:user0012/app.bsky.feed.post/3l00000000400"]
    assert reply.reply_to_id == sorted(wanted)[0]
    assert "halcyonbikes.bsky.social" in str(reply.mentions)
    # The reply joined its parent's thread; the checkpoint is the last event's time.
    assert scalar(store, "SELECT message_count FROM threads WHERE root_platform_id = :r", r=sorted(wanted)[0]) == 2
    checkpoint = scalar(store, "SELECT checkpoint FROM source_checkpoints")
    checkpoint = orjson.loads(checkpoint) if isinstance(checkpoint, str) else checkpoint
    assert checkpoint == {"time_us": BASE_US + 303_000}
    # Full-text search sees the edit, and not the deleted words.
    found = cli(settings, "search", "tomorrow", "--json")
    assert "3l00000000015" in found.output
    assert scalar(store, "SELECT count(*) FROM messages WHERE text LIKE '%Привет%'") == 5  # six, one deleted


def test_jetstream_resumes_from_cursor_after_a_dropped_connection(store: Store, settings: Settings) -> None:
    events, wanted = _events()
    with running(JetstreamServer(events=events, drop_after=120)) as server:
        cli(settings, "sources", "add", "jet", "--platform", "jetstream", "--url", server.url)
        result = cli(settings, "listen", "--once")
        assert result.exit_code == 0, result.output
        assert len(server.requests) == 2
        assert "cursor" not in server.requests[0]
        assert int(server.requests[1]["cursor"][0]) > BASE_US
        # A second run asks from the last committed event and adds nothing.
        again = cli(settings, "listen", "--once")
        assert again.exit_code == 0
        assert server.requests[2]["cursor"] == [str(BASE_US + 303_000)]
    assert {r[0] for r in rows(store, "SELECT platform_id FROM messages")} == wanted
    assert "0 new" in again.output


def test_once_stops_when_the_stream_reaches_the_present(store: Store, settings: Settings) -> None:
    import time

    from goodwill.connectors.jetstream import JetstreamConnector
    from goodwill.domain.sources import SourceConfig
    from goodwill.ingest.listen import ListenOptions

    now_us = int(time.time() * 1_000_000)
    events = [post_event(i, f"halcyon {i}", time_us=now_us - 10_000_000 + i) for i in range(3)]
    events += [post_event(10 + i, f"halcyon live {i}", time_us=now_us + 60_000_000 + i) for i in range(3)]
    with running(JetstreamServer(events=events, keep_open=True)) as server:
        config = SourceConfig("jet", "jetstream", url=server.url)
        once = JetstreamConnector(config, None, ListenOptions(once=True, stream_batch_seconds=0.5, timeout=2))
        batch = once.fetch(None)
        once.close()
        assert batch.done and len(batch.items) == 4  # stopped at the first event from after it began
        live = JetstreamConnector(config, None, ListenOptions(stream_batch_seconds=0.5, timeout=2))
        batch = live.fetch(None)
        live.close()
        assert not batch.done and len(batch.items) == 6  # listening on: the stream stays open

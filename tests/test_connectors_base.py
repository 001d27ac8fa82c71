"""The shared connector pieces: waits from headers, backoff, credentials, the stream filter."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.connectors.base import (
    Backoff,
    Batch,
    RateLimitState,
    SourceConfig,
    state_from_headers,
    wait_from_headers,
    with_backoff,
)
from goodwill.connectors.credentials import read_secrets, redact, resolve_token
from goodwill.connectors.jetstream import EventFilter, JetstreamConnector, _time_us
from goodwill.errors import ConnectorError, CredentialsError, RateLimitedError, TransientError
from goodwill.ingest.listen import ListenOptions

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)}, 30.0),
        ({"X-RateLimit-Reset": datetime.fromtimestamp(NOW + 90, UTC).isoformat().replace("+00:00", "Z")}, 90.0),  # Mastodon
        ({"ratelimit-reset": str(int(NOW + 45))}, 45.0),  # Bluesky: Unix seconds
        ({"x-ratelimit-reset": "12"}, 12.0),  # Reddit: seconds from now
        ({"Retry-After": "3", "x-ratelimit-reset": "100"}, 3.0),  # Retry-After wins
        ({"Retry-After": "Tue, 99 Nope"}, None),
        ({}, None),
    ],
)
def test_wait_from_headers(headers: dict[str, str], expected: float | None) -> None:
    got = wait_from_headers(headers, now=NOW)
    assert got == (pytest.approx(expected, abs=1) if expected is not None else None)


def test_state_from_headers_reads_remaining_and_reset() -> None:
    state = state_from_headers({"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "12", "x-ratelimit-reset": "60"}, RateLimitState())
    assert (state.limit, state.remaining) == (300, 12)
    assert state.reset_at is not None and timedelta(seconds=55) < state.reset_at - datetime.now(UTC) < timedelta(seconds=65)


def test_backoff_honours_the_servers_wait_caps_it_and_gives_up() -> None:
    waits: list[float] = []
    errors = [RateLimitedError("429", wait=2.0), RateLimitedError("429", wait=500.0), TransientError("500"), TransientError("500")]

    def flaky() -> str:
        if errors:
            raise errors.pop(0)
        return "ok"

    policy = Backoff(base=0.1, factor=2, max_wait=10, attempts=5, jitter=0.5)
    assert with_backoff(flaky, policy, sleep=waits.append) == "ok"
    assert waits[:2] == [2.0, 10.0]
    # Then exponential from the attempt count (3rd and 4th try: 0.4 s and 0.8 s), with ±50% jitter.
    assert 0.2 <= waits[2] <= 0.6 and 0.4 <= waits[3] <= 1.2
    always = Backoff(base=0, attempts=3)
    calls = []

    def broken() -> None:
        calls.append(1)
        raise TransientError("still down")

    with pytest.raises(TransientError):
        with_backoff(broken, always, sleep=lambda s: None)
    assert len(calls) == 3
    with pytest.raises(ConnectorError):  # not retried
        with_backoff(lambda: (_ for _ in ()).throw(ConnectorError("401")), always, sleep=lambda s: None)


def test_secrets_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('MASTODON_TOKEN = "tok-from-file-123"\n[tokens]\nREDDIT = "id:secret"\n')
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        read_secrets(path)
    os.chmod(path, 0o600)
    assert read_secrets(path) == {"MASTODON_TOKEN": "tok-from-file-123", "REDDIT": "id:secret"}
    source = SourceConfig("fedi", "mastodon", token_env="MASTODON_TOKEN")
    assert resolve_token(source, {}, path) == "tok-from-file-123"
    assert resolve_token(source, {"MASTODON_TOKEN": "from-env"}, path) == "from-env"  # the environment wins
    with pytest.raises(CredentialsError, match="MISSING_VAR") as info:
        resolve_token(SourceConfig("x", "mastodon", token_env="MISSING_VAR"), {}, path)
    assert "tok-from-file" not in str(info.value)
    path.write_text('BROKEN = "tok-from-file-123\n')
    with pytest.raises(CredentialsError) as bad:
        read_secrets(path)
    assert "tok-from-file" not in str(bad.value)


def test_redact_masks_secrets_and_their_parts() -> None:
    text = "failed with id-123456:secret-abcdef in header; also secret-abcdef alone"
    assert redact(text, ["id-123456:secret-abcdef", None]) == "failed with *** in header; also *** alone"


def _event(text: str, *, did: str = "did:plc:someone", op: str = "create", facets: list | None = None) -> bytes:
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-10-01T10:00:00.000Z"}
    if facets:
        record["facets"] = facets
    return orjson.dumps({"did": did, "time_us": 1_760_000_000_000_001, "kind": "commit",
                        "commit": {"operation": op, "collection": "app.bsky.feed.post", "rkey": "3abc", "record": record, "cid": "bafy"}})


@given(st.text(max_size=80), st.sampled_from(["Halcyon", "halcyon drift", "ÜBER bike", "über BIKE", "🚲 emoji"]))
def test_the_cheap_check_never_misses_a_match(text: str, needle: str) -> None:
    f = EventFilter(["halcyon", "über bike", "🚲"])
    raw = _event(text + " " + needle)
    event = orjson.loads(raw)
    if f.matches(event):
        assert f.candidate(raw)


def test_filter_matches_keywords_handles_and_dids() -> None:
    f = EventFilter(["halcyon", "@halcyonbikes.bsky.social"], ["did:plc:brand"])
    assert f.matches(orjson.loads(_event("My HALCYON is great")))
    assert not f.matches(orjson.loads(_event("nothing here")))
    assert f.matches(orjson.loads(_event("hi", did="did:plc:brand")))
    mention = [{"index": {"byteStart": 0, "byteEnd": 3}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:brand"}]}]
    assert f.matches(orjson.loads(_event("@hb thanks", facets=mention)))
    assert _time_us(_event("x")) == 1_760_000_000_000_001


def test_jetstream_handle_skips_junk_and_keeps_the_cursor_moving() -> None:
    connector = JetstreamConnector(SourceConfig("j", "jetstream", url="ws://127.0.0.1:9/subscribe", queries=("halcyon",)), None, ListenOptions())
    batch = Batch()
    assert connector.handle(b"\xff\xfe not json", batch) is None
    assert connector.handle(_event("unrelated words"), batch) == 1_760_000_000_000_001
    assert connector.handle(_event("halcyon!"), batch) == 1_760_000_000_000_001
    no_text = orjson.dumps({"did": "did:plc:x", "time_us": 5, "kind": "commit", "commit": {
        "operation": "create", "collection": "app.bsky.feed.post", "rkey": "r", "record": {"text": 5, "halcyon": 1}}})
    assert connector.handle(no_text, batch) == 5
    assert [m.text for m in batch.items] == ["halcyon!"]
    assert connector._url(42).endswith("/subscribe?wantedCollections=app.bsky.feed.post&cursor=42")

"""The listener survives being killed: SIGKILL mid-run, run again, every item once."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from goodwill.config import Settings
from goodwill.store import Store
from tests.listening import cli, cli_process, scalar
from tests.servers.jetstream import JetstreamServer, post_event, running


def test_killed_listener_resumes_with_nothing_lost_or_doubled(store: Store, settings: Settings) -> None:
    events, wanted = [], set()
    for i in range(3000):
        if i % 10 == 0:
            events.append(post_event(i, f"halcyon question {i} ✓"))
            wanted.add(f"at://did:plc:user{i % 97:04d}/app.bsky.feed.post/3l{i:011d}")
        else:
            events.append(post_event(i, f"other chatter {i}"))
    server = JetstreamServer(events=events, delay=0.003)  # about nine seconds for the whole replay
    with running(server):
        assert cli(settings, "sources", "add", "jet", "--platform", "jetstream", "--url", server.url).exit_code == 0
        proc = cli_process(settings, "listen")
        try:
            deadline = time.monotonic() + 60
            stored = 0
            while time.monotonic() < deadline:
                stored = scalar(store, "SELECT count(*) FROM messages")
                if stored >= 40:
                    break
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        before = scalar(store, "SELECT count(*) FROM messages")
        assert 40 <= before < len(wanted), "killed too late to test anything"
        committed = scalar(store, "SELECT checkpoint FROM source_checkpoints")
        assert committed is not None and "time_us" in str(committed)

        server.delay = 0
        again = cli_process(settings, "listen", "--once")
        out, errs = again.communicate(timeout=120)
        assert again.returncode == 0, errs
    assert len(server.requests) == 2 and "cursor" in server.requests[1]
    assert scalar(store, "SELECT count(*) FROM messages") == len(wanted)
    assert scalar(store, "SELECT count(DISTINCT platform_id) FROM messages") == len(wanted)
    ids = {r for (r,) in _ids(store)}
    assert ids == wanted
    # Thread counts were not inflated by the replayed part of the stream.
    assert scalar(store, "SELECT sum(message_count) FROM threads") == len(wanted)


def _ids(store: Store) -> list[tuple[str]]:
    from tests.listening import rows

    return [tuple(r) for r in rows(store, "SELECT platform_id FROM messages")]


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop", "started"),
    [
        (signal.SIGINT, {}),
        # Started with SIGINT ignored, as a script's background jobs are (a test
        # run launched with `&` passes that on): Python then installs no
        # KeyboardInterrupt handler, and a listener relying on one never stopped.
        (signal.SIGINT, {"preexec_fn": _ignore_sigint}),
        (signal.SIGTERM, {}),
    ],
    ids=["sigint", "sigint-inherited-ignored", "sigterm"],
)
def test_listener_runs_sources_on_their_schedule_and_stops_on_ctrl_c(
    store: Store, settings: Settings, stop: signal.Signals, started: dict[str, Any]
) -> None:
    from tests.servers.feeds import FeedEntry, FeedState
    from tests.servers.feeds import server as feed_server
    from tests.servers.http import serving
    from tests.test_listen_rss import T0

    state = FeedState()
    state.atom = [FeedEntry("a1", "Halcyon first", "x", T0)]
    with serving(feed_server(state)) as srv:
        assert cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", f"{srv.url}/blog.atom", "--every", "1").exit_code == 0
        proc = cli_process(settings, "listen", **started)
        try:
            deadline = time.monotonic() + 30
            while len(srv.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            state.atom.append(FeedEntry("a2", "Halcyon second", "y", T0))  # arrives while listening
            state.touch()
            while scalar(store, "SELECT count(*) FROM messages") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            proc.send_signal(stop)
            out, errs = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, errs
    assert len(srv.requests) >= 3
    assert scalar(store, "SELECT count(*) FROM messages") == 2
    assert "blog (rss): " in out and "2 new" in out

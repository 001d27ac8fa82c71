"""The accurate pass that follows import (SQLite and PostgreSQL): fast signals first, marked
provisional; `backfill` reads them again a batch at a time, never downgrades, resumes after a kill."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.domain.signals import is_provisional
from goodwill.domain.team import Actor, Origin, Role
from goodwill.ingest.readers import ImportOptions
from goodwill.service.imports import import_path
from goodwill.service.understanding import backfill, count_to_read_again, model_version
from goodwill.service.workspace import init_workspace, open_workspace, workspace_status
from goodwill.store import Store
from tests.conftest import BRAND
from tests.listening import scalar

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
TEXTS = ("my battery caught fire on the way to work", "how do I pair the app with my bike?", "love the new saddle",
         "still no refund after three weeks, this is theft", "nice weather today")


def _import(store: Store, settings: Settings, tmp_path: Path, n: int) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "author": f"user{i % 7}", "text": f"@halcyonbikes {TEXTS[i % len(TEXTS)]} #{i}",
                                        "created_at": f"2026-11-01T{10 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"}) + "\n"
                            for i in range(n)), encoding="utf-8")
    import_path(store, ADMIN, settings, path, ImportOptions(platform="twitter"))


def _versions(store: Store) -> dict[str, int]:
    versions: dict[str, int] = workspace_status(store, ADMIN)["signals"]["by_model_version"]
    return versions


def test_fast_signals_first_then_the_accurate_pass_without_downgrades(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, 12)
    fast, cascade = model_version("fast"), model_version("cascade")
    assert is_provisional(fast) and not is_provisional(cascade)
    assert _versions(store) == {fast: 12} and count_to_read_again(store) == 12
    status = workspace_status(store, ADMIN)["signals"]
    assert status["pending"] == 12 and status["provisional"] == 12
    assert backfill(store, ADMIN, batch_size=5) == 12  # three batches, each committed with its cases
    assert _versions(store) == {cascade: 12} and count_to_read_again(store) == 0
    assert backfill(store, ADMIN) == 0  # idempotent
    assert backfill(store, ADMIN, sentiment="fast") == 0  # the fast models never replace the encoder's signals
    assert _versions(store) == {cascade: 12}
    assert scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'signals.enrich'") == 1
    assert backfill(store, ADMIN, sentiment="fast", force=True) == 12  # unless asked
    assert _versions(store) == {fast: 12} and count_to_read_again(store) == 12
    assert backfill(store, ADMIN, limit=5) == 5  # a slice, as the listener takes it; the rest stays pending
    assert count_to_read_again(store) == 7
    assert backfill(store, ADMIN) == 7


def test_a_killed_pass_resumes_after_its_last_batch(settings: Settings, tmp_path: Path) -> None:
    store = init_workspace(settings, BRAND)
    try:
        _import(store, settings, tmp_path, 3000)
        cases_after_import = scalar(store, "SELECT count(*) FROM cases")
    finally:
        store.close()
    code = (
        "import sys; from goodwill.config import Settings; from goodwill.service.workspace import open_workspace\n"
        "from goodwill.service.understanding import backfill\n"
        "s = Settings(workspace=sys.argv[1], database_url=sys.argv[2] or None); store = open_workspace(s)\n"
        "backfill(store, batch_size=40)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(settings.workspace), settings.database_url or ""])
    store = open_workspace(settings)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            done = scalar(store, "SELECT coalesce(max(done), 0) FROM signal_passes WHERE name = 'cascade'") or 0
            if done >= 200:
                proc.kill()
                break
            time.sleep(0.05)
        proc.wait(30)
        assert done >= 200, "the pass should still have been running"
        left = count_to_read_again(store)
        assert 0 < left <= 3000 - done  # what was committed stays done
        assert scalar(store, "SELECT finished_at FROM signal_passes WHERE name = 'cascade'") is None
        assert backfill(store, batch_size=500) == left  # resumes: only what the killed run had not committed
        assert count_to_read_again(store) == 0
        assert scalar(store, "SELECT count(*) FROM message_signals") == 3000
        assert scalar(store, "SELECT done FROM signal_passes WHERE name = 'cascade'") == 3000
        assert scalar(store, "SELECT finished_at FROM signal_passes WHERE name = 'cascade'") is not None
        assert scalar(store, "SELECT count(*) FROM cases") >= cases_after_import
        # each message in at most one case: re-reading never opens a second one for it
        assert scalar(store, "SELECT count(*) FROM case_messages") == scalar(store, "SELECT count(DISTINCT message_id) FROM case_messages")
    finally:
        store.close()
        if proc.poll() is None:
            proc.kill()


def test_enrich_and_import_wait_on_the_command_line(settings: Settings, tmp_path: Path) -> None:
    from tests.test_cli import invoke

    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "author": "ana", "text": f"@halcyonbikes {t}", "created_at": f"2026-11-01T1{i}:00:00Z"})
                            + "\n" for i, t in enumerate(TEXTS)), encoding="utf-8")
    assert invoke(settings, "init", "--name", "Halcyon", "--account", "twitter:@halcyonbikes")[0] == 0
    code, out, err = invoke(settings, "import", str(path), "--platform", "twitter", "--wait")
    assert code == 0, err
    assert "Read again by the accurate pass: 5 messages" in out
    code, out, _ = invoke(settings, "status", "--json")
    sig = json.loads(out)["signals"]
    assert sig["pending"] == 0 and sig["by_model_version"] == {model_version("cascade"): 5}
    code, out, _ = invoke(settings, "enrich", "--fast")
    assert code == 0 and "Stored signals for 0 messages" in out
    code, out, _ = invoke(settings, "enrich", "--fast", "--force")
    assert code == 0 and "Stored signals for 5 messages" in out
    code, out, _ = invoke(settings, "status")
    assert "pending the accurate pass" in out and model_version("fast") in out
    code, out, _ = invoke(settings, "enrich")
    assert code == 0 and "Stored signals for 5 messages" in out
    code, _, err = invoke(settings, "enrich", "--fast", "--accurate")
    assert code == 1 and "exclude each other" in err


def _wait_until_read(settings: Settings, want: int) -> int:
    deadline = time.monotonic() + 60
    left = -1
    while time.monotonic() < deadline:
        opened = open_workspace(settings)
        try:
            read = scalar(opened, "SELECT count(*) FROM message_signals WHERE model_version = :v", v=model_version("cascade"))
            left = count_to_read_again(opened)
        finally:
            opened.close()
        if read >= want and left == 0:
            break
        time.sleep(0.2)
    return left


def test_the_server_reads_pending_signals_in_the_background(tmp_path: Path) -> None:
    from goodwill.web.app import create_app
    from tests.web_helpers import serving

    settings = Settings(workspace=tmp_path / "ws", accurate_pass_every=0.2, escalate_every=0)
    store = init_workspace(settings, BRAND)
    try:
        _import(store, settings, tmp_path, 30)
        assert count_to_read_again(store) == 30
    finally:
        store.close()
    with serving(create_app(settings)):
        assert _wait_until_read(settings, 30) == 0


def test_the_listener_reads_pending_signals_as_it_runs(store: Store, settings: Settings) -> None:
    import threading

    from goodwill.service.listening import listener
    from tests.listening import cli
    from tests.servers.http import serving
    from tests.servers.mastodon import MastodonState, account, server, status

    state = MastodonState()
    state.tags["halcyon"] = [status(100 + i, f"#halcyon {t}", who=account(3 + i), tags=["halcyon"]) for i, t in enumerate(TEXTS)]
    env = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}
    with serving(server(state)) as srv:
        added = cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", srv.url, "--query", "#halcyon",
                    "--token-env", "GW_TEST_MASTODON")
        assert added.exit_code == 0, added.output
        running = listener(store, ADMIN, settings.model_copy(update={"accurate_pass_every": 0.2}), environ=env)
        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        try:
            assert _wait_until_read(settings, len(TEXTS)) == 0
        finally:
            running.stop()
            thread.join(60)
    assert not thread.is_alive() and running.pass_note is None


def test_a_finished_pass_reads_on_after_its_checkpoint_and_edits_rewind_it(store: Store, settings: Settings,
                                                                          tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from goodwill.domain.messages import MessageKind, ParsedMessage
    from goodwill.domain.sources import Edit
    from goodwill.ingest.writer import StreamWriter

    def checkpoint() -> int:
        return int(scalar(store, "SELECT last_message_id FROM signal_passes WHERE name = 'cascade'"))

    _import(store, settings, tmp_path, 6)
    newest = int(scalar(store, "SELECT max(id) FROM messages"))
    assert backfill(store) == 6 and checkpoint() == newest
    assert backfill(store) == 0 and checkpoint() == newest  # nothing new: the run starts after the checkpoint
    post = ParsedMessage(platform="mastodon", platform_id="n1", author="eve@social.example", text="where is my refund?",
                         created_at=datetime(2026, 11, 2, tzinfo=UTC), kind=MessageKind.POST)
    with StreamWriter(store, "listen:test") as writer:
        writer.write([post])
    assert count_to_read_again(store) == 1 and backfill(store) == 1 and checkpoint() == newest + 1
    # An edit of an old message gives it fast signals again: the checkpoint goes back to just before it.
    first = int(scalar(store, "SELECT min(id) FROM messages"))
    old_id = scalar(store, f"SELECT platform_id FROM messages WHERE id = {first + 2}")
    edited = ParsedMessage(platform="twitter", platform_id=str(old_id), author="user2", text="my battery caught fire!!",
                           created_at=datetime(2026, 11, 1, 10, tzinfo=UTC), kind=MessageKind.POST)
    with StreamWriter(store, "listen:test") as writer:
        writer.write([], edits=[Edit(edited, datetime(2026, 11, 3, tzinfo=UTC))])
    assert count_to_read_again(store) == 1 and checkpoint() == first + 1
    assert backfill(store) == 1 and count_to_read_again(store) == 0 and checkpoint() == newest + 1
    # Once an hour a run starts again from the first message.
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE signal_passes SET started_at = :t WHERE name = 'cascade'"),
                     {"t": datetime(2026, 1, 1, tzinfo=UTC)})
    assert backfill(store) == 0 and checkpoint() == newest + 1
    assert str(scalar(store, "SELECT started_at FROM signal_passes WHERE name = 'cascade'")) > "2026-01-02"

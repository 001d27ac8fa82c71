"""The one service layer: who acts, role checks, and an audit entry in the
same transaction as every change (imports, sources, listening, replies)."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path

import pytest

from goodwill.config import Settings
from goodwill.domain.sources import SourceConfig
from goodwill.errors import NotFoundError, PermissionDeniedError
from goodwill.service import sources, team
from goodwill.service.workspace import operator, terminal_actor
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.servers.feeds import FeedEntry, FeedState
from tests.servers.feeds import server as feed_server
from tests.servers.http import serving
from tests.servers.mastodon import MastodonState, account, status
from tests.servers.mastodon import server as mastodon_server
from tests.test_listen_rss import T0

OPERATOR = f"cli:{getpass.getuser()}"
TOKEN_ENV = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}


def audit(store: Store, action: str | None = None) -> list[dict[str, object]]:
    sql = "SELECT actor_id, actor_name, action, target, details, origin FROM audit_log"
    found = rows(store, sql + (" WHERE action = :a" if action else "") + " ORDER BY id", a=action)
    return [
        {"actor_id": r.actor_id, "actor": r.actor_name, "action": r.action, "target": r.target,
         "details": r.details if isinstance(r.details, dict) else json.loads(r.details or "null"), "origin": r.origin}
        for r in found
    ]


def _jsonl(tmp_path: Path, name: str, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_operator_is_recorded_as_cli_user(store: Store, settings: Settings) -> None:
    assert operator().name == OPERATOR and operator().user_id is None
    entries = audit(store, "workspace.init")
    assert entries and entries[0]["actor"] == OPERATOR and entries[0]["origin"] == "cli"


def test_import_writes_one_audit_entry_per_run_and_none_for_a_bad_file(store: Store, settings: Settings, tmp_path: Path) -> None:
    good = _jsonl(tmp_path, "good.jsonl", [
        {"platform": "twitter", "id": str(i), "author": "ana", "text": f"halcyon ride {i}", "created_at": "2026-11-20T10:00:00Z"}
        for i in range(30)
    ])
    result = cli(settings, "import", str(good))
    assert result.exit_code == 0, result.output
    entries = audit(store, "import.run")
    assert len(entries) == 1  # one per run, not per message
    assert entries[0]["actor"] == OPERATOR and entries[0]["target"] == str(good)
    assert entries[0]["details"]["records"] == 30 and entries[0]["details"]["added"] == 30  # type: ignore[index]
    # A file that fails its checks changes nothing: no messages and no audit entry.
    bad = _jsonl(tmp_path, "bad.jsonl", [
        {"platform": "twitter", "id": "100", "author": "bo", "text": "fine", "created_at": "2026-11-20T10:00:00Z"},
        {"platform": "twitter", "id": "101", "author": "bo", "text": "bad", "created_at": "next tuesday"},
    ])
    failed = cli(settings, "import", str(bad))
    assert failed.exit_code == 1 and "next tuesday" in failed.output
    assert len(audit(store, "import.run")) == 1
    assert scalar(store, "SELECT count(*) FROM messages") == 30


def test_sources_add_remove_enable_disable_are_audited(store: Store, settings: Settings) -> None:
    assert cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", "https://blog.example/feed").exit_code == 0
    assert cli(settings, "sources", "disable", "blog").exit_code == 0
    again = cli(settings, "sources", "disable", "blog")
    assert again.exit_code == 0 and "already" in again.output
    listed = json.loads(cli(settings, "sources", "list", "--json").output)
    assert listed[0]["enabled"] is False
    assert "No enabled sources" in cli(settings, "listen", "--once").output  # a disabled source is skipped
    assert cli(settings, "sources", "enable", "blog").exit_code == 0
    assert cli(settings, "sources", "remove", "blog").exit_code == 0
    # A change that fails leaves no entry.
    assert cli(settings, "sources", "enable", "nope").exit_code == 1
    actions = [(e["action"], e["target"], e["actor"]) for e in audit(store) if str(e["action"]).startswith("source.")]
    assert actions == [("source.add", "blog", OPERATOR), ("source.disable", "blog", OPERATOR),
                       ("source.enable", "blog", OPERATOR), ("source.remove", "blog", OPERATOR)]


def test_a_failed_change_rolls_back_its_audit_entry(store: Store) -> None:
    config = SourceConfig(name="blog", platform="rss", url="https://blog.example/feed")
    sources.add_source(store, operator(), config)
    with pytest.raises(Exception, match="exists already"):
        sources.add_source(store, operator(), config)
    assert len(audit(store, "source.add")) == 1


def test_sources_add_checks_what_each_platform_needs(store: Store, settings: Settings) -> None:
    cases = [
        (["--platform", "bluesky", "--token-env", "BSKY"], "a bluesky source needs --account"),
        (["--platform", "bluesky", "--account", "halcyonbikes.bsky.social"], "--token-env"),
        (["--platform", "reddit", "--query", "r/ebikes"], "a reddit source needs --token-env"),
        (["--platform", "jetstream"], "a jetstream source needs --url"),
        (["--platform", "rss"], "a rss source needs --url"),
        (["--platform", "mastodon"], "a mastodon source needs --url"),
    ]
    for args, message in cases:
        result = cli(settings, "sources", "add", "s1", *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert audit(store, "source.add") == []
    ok = cli(settings, "sources", "add", "sky", "--platform", "bluesky", "--account", "halcyonbikes.bsky.social",
             "--token-env", "BSKY")
    assert ok.exit_code == 0, ok.output


def test_as_user_acts_with_that_users_role(store: Store, settings: Settings) -> None:
    team.add_user(store, operator(), "bob", "long enough pw", "agent")
    team.add_user(store, operator(), "carol", "long enough pw", "manager")
    unknown = cli(settings, "--as", "nobody", "status")
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.output
    refused = cli(settings, "--as", "bob", "sources", "add", "blog", "--platform", "rss", "--url", "https://b.example/f")
    assert refused.exit_code == 77 and "needs the manager role" in refused.output
    assert cli(settings, "--as", "bob", "status").exit_code == 0  # agents read
    added = cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", "https://b.example/f",
                env={"GOODWILL_AS": "carol"})
    assert added.exit_code == 0, added.output
    entry = audit(store, "source.add")[0]
    assert entry["actor"] == f"carol (via {OPERATOR})" and entry["actor_id"] is not None
    team.set_disabled(store, operator(), "carol")
    disabled = cli(settings, "--as", "carol", "status")
    assert disabled.exit_code == 77 and "disabled" in disabled.output
    with pytest.raises(NotFoundError):
        terminal_actor(store, "nobody")
    with pytest.raises(PermissionDeniedError):
        sources.remove_source(store, terminal_actor(store, "bob"), "blog")


def test_listener_runs_are_audited_by_the_listener_actor(store: Store, settings: Settings) -> None:
    state = FeedState()
    state.atom = [FeedEntry("a1", "Halcyon commute diary", "day one", T0)]
    with serving(feed_server(state)) as srv:
        cli(settings, "sources", "add", "blog", "--platform", "rss", "--url", f"{srv.url}/blog.atom")
        assert cli(settings, "listen", "--once").exit_code == 0
        assert cli(settings, "listen", "--once").exit_code == 0  # nothing new: no entry
    runs = audit(store, "source.run")
    assert len(runs) == 1
    assert runs[0]["actor"] == "listener:blog" and runs[0]["origin"] == "cli"
    assert runs[0]["details"]["added"] == 1  # type: ignore[index]


def _listened(store: Store, settings: Settings, srv_url: str) -> int:
    args = ["sources", "add", "fedi", "--platform", "mastodon", "--url", srv_url, "--token-env", "GW_TEST_MASTODON",
            "--query", "#halcyon"]
    assert cli(settings, *args).exit_code == 0
    assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
    return int(scalar(store, "SELECT id FROM messages"))


def test_reply_send_is_audited_with_the_stored_reply(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app?", who=account(3), tags=["halcyon"])]
    team.add_user(store, operator(), "bob", "long enough pw", "agent")
    with serving(mastodon_server(state)) as srv:
        message_id = _listened(store, settings, srv.url)
        dry = cli(settings, "--as", "bob", "reply", str(message_id), "--text", "Hold the button for 5 s.")
        assert dry.exit_code == 0 and audit(store, "reply.send") == []  # a dry run changes nothing
        sent = cli(settings, "--as", "bob", "reply", str(message_id), "--text", "Hold the button for 5 s.", "--send",
                   "--json", env=TOKEN_ENV)
        assert sent.exit_code == 0, sent.output
    result = json.loads(sent.output)
    entry = audit(store, "reply.send")[0]
    assert entry["actor"] == f"bob (via {OPERATOR})" and entry["target"] == f"message {message_id}"
    assert entry["details"]["published_id"] == result["published_id"]  # type: ignore[index]
    assert entry["details"]["stored_id"] == result["stored_id"] is not None  # type: ignore[index]


def test_reply_published_but_not_stored_says_so_and_is_audited(tmp_path: Path) -> None:
    from goodwill.service.workspace import init_workspace
    from tests.conftest import BRAND

    settings = Settings(workspace=tmp_path / "ws")
    store = init_workspace(settings, BRAND)
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app?", who=account(3), tags=["halcyon"])]
    try:
        with serving(mastodon_server(state)) as srv:
            message_id = _listened(store, settings, srv.url)
            # The database refuses the brand's new message (a real failure inside the store).
            db = sqlite3.connect(settings.workspace / "goodwill.db")
            db.execute("CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.is_brand "
                       "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
            db.commit()
            db.close()
            sent = cli(settings, "reply", str(message_id), "--text", "Hold the button for 5 s.", "--send", env=TOKEN_ENV)
        assert len(state.posted) == 1  # it is public
        assert sent.exit_code == 69
        assert "was published" in sent.output and "storing it failed" in sent.output and "disk says no" in sent.output
        entry = audit(store, "reply.send")[0]
        assert entry["details"]["stored_id"] is None and entry["details"]["published_id"]  # type: ignore[index]
        assert "disk says no" in str(entry["details"]["store_error"])  # type: ignore[index]
    finally:
        store.close()


def test_enrich_is_audited_once_per_run(store: Store, settings: Settings, tmp_path: Path) -> None:
    from goodwill.ingest.readers import ImportOptions
    from goodwill.ingest.writer import import_file
    from goodwill.service.understanding import backfill

    path = _jsonl(tmp_path, "a.jsonl", [
        {"platform": "twitter", "id": str(i), "author": "ana", "text": f"how do I reset the display {i}?",
         "created_at": "2026-11-20T10:00:00Z"} for i in range(30)
    ])
    import_file(store, path, ImportOptions(), signals=False)
    agent = team.add_user(store, operator(), "bob", "long enough pw", "agent")
    with pytest.raises(PermissionDeniedError):
        backfill(store, terminal_actor(store, agent["username"]))
    assert backfill(store, operator(), batch_size=7) == 30
    entries = audit(store, "signals.enrich")
    assert len(entries) == 1 and entries[0]["details"]["messages"] == 30  # type: ignore[index]
    assert backfill(store, operator()) == 0
    assert len(audit(store, "signals.enrich")) == 1  # nothing to do, nothing recorded


def test_reply_works_on_the_demo(tmp_path: Path) -> None:
    from goodwill.service.demo import build_demo

    settings = Settings(workspace=tmp_path / "demo")
    build_demo(settings)
    store_ids = [json.loads(line) for line in cli(settings, "search", "alt text", "--json").output.splitlines()]
    toot = next(m for m in store_ids if m["platform"] == "mastodon")
    assert toot["platform_id"].startswith("bikes.example:")  # demo ids carry their instance
    dry = cli(settings, "reply", str(toot["id"]), "--text", "Thanks, we will add alt text.")
    assert dry.exit_code == 0, dry.output
    assert "cannot be sent yet" in dry.output and "--url https://bikes.example" in dry.output
    sent = cli(settings, "reply", str(toot["id"]), "--text", "Thanks, we will add alt text.", "--send")
    assert sent.exit_code == 1 and "no mastodon source on bikes.example" in sent.output
    assert "goodwill reply" not in sent.output  # never the command the user just ran
    # A source on the instance without a credential: the error says what to change, not to add it again.
    assert cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", "https://bikes.example").exit_code == 0
    sent = cli(settings, "reply", str(toot["id"]), "--text", "Thanks!", "--send")
    assert sent.exit_code == 1 and "has no credential" in sent.output and "sources add fedi" not in sent.output
    assert cli(settings, "sources", "remove", "fedi").exit_code == 0
    assert cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", "https://bikes.example",
               "--token-env", "GW_NOPE").exit_code == 0
    assert cli(settings, "sources", "disable", "fedi").exit_code == 0
    sent = cli(settings, "reply", str(toot["id"]), "--text", "Thanks!", "--send")
    assert sent.exit_code == 1 and "`goodwill sources enable fedi`" in sent.output
    dry = cli(settings, "reply", str(toot["id"]), "--text", "Thanks!")
    assert "sources enable fedi" in dry.output

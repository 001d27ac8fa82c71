"""The knowledge base of a workspace, through the service and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError, ImportFileError, NotFoundError, PermissionDeniedError
from goodwill.service import knowledge
from goodwill.service.audit import read_audit
from goodwill.store import Store

ADMIN = Actor(None, "cli:op", Role.ADMIN, Origin.CLI, "local")
MANAGER = Actor(1, "maria", Role.MANAGER, Origin.CLI, "local")
AGENT = Actor(2, "alex", Role.AGENT, Origin.CLI, "local")

LINES = [
    {"id": "battery-care", "title": "Looking after your battery", "body": "A battery that will not charge may need a reset.",
     "url": "https://help.example.com/battery-care", "tags": ["battery"]},
    {"id": "refunds", "title": "Refunds and returns", "body": "Return a bike within 30 days for a full refund.",
     "url": "https://help.example.com/refunds", "tags": ["orders"]},
    {"id": 3, "title": "Shipping times", "body": "Orders ship within two working days.",
     "url": "https://help.example.com/shipping-times", "tags": ["orders"]},
]


def write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_import_is_idempotent_updates_by_id_and_audits(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "kb.jsonl", LINES)
    assert knowledge.import_articles(store, MANAGER, path) == knowledge.Imported(3, 0, 0)
    assert knowledge.import_articles(store, MANAGER, path) == knowledge.Imported(0, 0, 3)
    changed = [dict(LINES[0], title="Battery care"), *LINES[1:], {"id": "new", "title": "New"}]
    assert knowledge.import_articles(store, MANAGER, write(path, changed)) == knowledge.Imported(1, 1, 2)
    listed = knowledge.articles(store, AGENT)
    assert [a["id"] for a in listed] == ["3", "battery-care", "new", "refunds"]
    assert listed[1]["title"] == "Battery care"
    assert [a["id"] for a in knowledge.articles(store, AGENT, tag="ORDERS")] == ["3", "refunds"]
    entries = read_audit(store, ADMIN, action="kb.import")["items"]
    assert [e["details"]["added"] for e in entries] == [1, 0, 3]


def test_a_bad_line_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "kb.jsonl", [*LINES, {"id": "x", "url": "https://help.example.com/x"}])
    with pytest.raises(ImportFileError, match=r"kb.jsonl, line 4, field 'title'"):
        knowledge.import_articles(store, MANAGER, path)
    assert knowledge.articles(store, AGENT) == []


def test_managers_change_agents_read(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "kb.jsonl", LINES)
    with pytest.raises(PermissionDeniedError):
        knowledge.import_articles(store, AGENT, path)
    with pytest.raises(PermissionDeniedError):
        knowledge.save_article(store, AGENT, {"id": "a", "title": "A"})
    knowledge.import_articles(store, MANAGER, path)
    with pytest.raises(PermissionDeniedError):
        knowledge.remove_article(store, AGENT, "refunds")
    assert knowledge.suggest(store, AGENT, "refund please", top=1)[0]["id"] == "refunds"


def test_save_edit_and_remove_one_article(store: Store) -> None:
    made = knowledge.save_article(store, MANAGER, {"id": "a", "title": "Chain care", "body": "Oil the chain.", "tags": "repair"})
    assert made.tags == ("repair",) and made.updated_at is not None
    edited = knowledge.save_article(store, MANAGER, {"title": "Chain and gears", "body": "Oil them."}, article_id="a")
    assert (edited.id, edited.title) == ("a", "Chain and gears")
    assert knowledge.suggest(store, AGENT, "my gears skip", top=1)[0]["id"] == "a"
    with pytest.raises(FieldError, match="url"):
        knowledge.save_article(store, MANAGER, {"id": "b", "title": "B", "url": "javascript:alert(1)"})
    with pytest.raises(NotFoundError):
        knowledge.save_article(store, MANAGER, {"title": "C"}, article_id="missing")
    knowledge.remove_article(store, MANAGER, "a")
    with pytest.raises(NotFoundError):
        knowledge.remove_article(store, MANAGER, "a")
    assert knowledge.suggest(store, AGENT, "my gears skip") == []  # the index follows the change
    actions = [e["action"] for e in read_audit(store, ADMIN)["items"]]
    assert actions[:3] == ["kb.remove", "kb.edit", "kb.add"]


def test_vectors_are_stored_at_import(store: Store, tmp_path: Path) -> None:
    from goodwill.store import knowledge as kb_store

    knowledge.import_articles(store, MANAGER, write(tmp_path / "kb.jsonl", LINES))
    with store.begin() as conn:
        rows = kb_store.all_articles(conn, with_vectors=True)
    assert all(r.vector is not None and len(r.vector) == 384 * 4 and r.vector_model for r in rows)


def test_suggest_checks_its_input(store: Store) -> None:
    with pytest.raises(FieldError, match="top"):
        knowledge.suggest(store, AGENT, "hello", top=0)
    with pytest.raises(FieldError, match="text"):
        knowledge.suggest(store, AGENT, "  ")


def invoke(settings: Settings, *args: str) -> object:
    extra = ["--database-url", settings.database_url] if settings.database_url else []
    return CliRunner().invoke(app, ["--workspace", str(settings.workspace), *extra, *args], catch_exceptions=False)


def test_cli_import_list_suggest_remove(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "kb.jsonl", LINES)
    result = invoke(settings, "kb", "import", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"added": 3, "updated": 0, "unchanged": 0}
    result = invoke(settings, "kb", "suggest", "my battery will not charge", "--top", "2", "--json")
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows][0] == "battery-care" and len(rows) == 2
    assert {"id", "url", "score", "title", "reason"} <= set(rows[0])
    assert rows[0]["url"] == "https://help.example.com/battery-care"
    result = invoke(settings, "kb", "suggest", "battery refund", "--tag", "orders", "--top", "5", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["refunds", "3"]
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"text": "where is my order", "tag": "orders", "id": "q1"}\n{"text": "battery dead"}\n', encoding="utf-8")
    result = invoke(settings, "kb", "suggest", "--queries", str(queries), "--top", "1")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["line"], line["id"], line["ids"]) for line in lines] == [(1, "q1", ["3"]), (2, None, ["battery-care"])]
    result = invoke(settings, "kb", "list", "--json")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["3", "battery-care", "refunds"]
    assert invoke(settings, "kb", "remove", "3").exit_code == 0
    result = invoke(settings, "kb", "remove", "3")
    assert result.exit_code == 1 and "no article '3'" in result.stderr
    bad = write(tmp_path / "bad.jsonl", [{"id": "z"}])
    result = invoke(settings, "kb", "import", str(bad))
    assert result.exit_code == 1 and "bad.jsonl, line 1, field 'title'" in result.stderr


def test_cli_suggest_from_a_file_needs_no_workspace(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.jsonl", LINES)
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(tmp_path / "none"), "kb", "suggest", "--articles", str(path),
                                 "I want a refund", "--json", "--top", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ["refunds"]
    result = runner.invoke(app, ["kb", "suggest", "--articles", str(path)], catch_exceptions=False)
    assert result.exit_code == 1 and "give one of the customer's TEXT, --queries" in result.stderr


def test_the_tone_check_finds_the_fitting_article_for_the_answered_message(store: Store, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from goodwill.domain import ParsedMessage
    from goodwill.ingest.writer import ingest_messages
    from goodwill.service import tone

    knowledge.import_articles(store, MANAGER, write(tmp_path / "kb.jsonl", LINES))
    ingest_messages(store, "test", [ParsedMessage(platform="twitter", platform_id="q1", author="rider",
                                                  text="how long does a refund take after a return?",
                                                  created_at=datetime(2026, 11, 1, tzinfo=UTC))])
    with store.begin() as conn:
        (message_id,) = conn.exec_driver_sql("SELECT id FROM messages").scalars().all()
    result = tone.tone_check(store, AGENT, "Sorry about that, it is usually quick.", message_id=message_id, platform="twitter")
    no_link = [f for f in result["flags"] if f["code"] == "no_link"]
    assert no_link and "Refunds and returns" in no_link[0]["why"]
    with store.begin() as conn:
        fits = knowledge.fitting_articles(conn, "is the weather nice", 3)
    assert all(a.score < 0.5 for a in fits)


def test_a_case_gets_the_articles_for_its_customers_question(store: Store, settings: Settings, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from goodwill.domain import ParsedMessage
    from goodwill.ingest.writer import ingest_messages
    from goodwill.service import cases

    knowledge.import_articles(store, MANAGER, write(tmp_path / "kb.jsonl", LINES))
    at = datetime(2026, 11, 1, tzinfo=UTC)
    ingest_messages(store, "test", [
        ParsedMessage(platform="twitter", platform_id="c1", author="rider", text="my battery died", created_at=at)])
    with store.begin() as conn:
        first = conn.exec_driver_sql("SELECT id FROM messages WHERE platform_id = 'c1'").scalar_one()
    case_id = cases.open_case(store, AGENT, first)["id"]
    ingest_messages(store, "test", [
        ParsedMessage(platform="twitter", platform_id="b1", author="halcyonbikes", text="Refunds are easy, what's up?",
                      created_at=at + timedelta(minutes=1), reply_to_id="c1"),
        ParsedMessage(platform="twitter", platform_id="c2", author="rider", text="it will not charge since monday",
                      created_at=at + timedelta(minutes=2), reply_to_id="b1"),
    ])
    with store.begin() as conn:
        later = conn.exec_driver_sql("SELECT id FROM messages WHERE platform_id IN ('b1', 'c2')").scalars().all()
        cases.sync_messages(conn, later, AGENT)
    found = knowledge.suggest_for_case(store, AGENT, case_id, top=2)
    assert found["text"] == "my battery died\nit will not charge since monday"  # the brand's reply left out
    top = found["items"][0]
    assert top["id"] == "battery-care"
    assert top["insert"] == "Looking after your battery: https://help.example.com/battery-care"
    result = invoke(settings, "kb", "suggest", "--case", str(case_id), "--top", "1", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["battery-care"]
    with pytest.raises(NotFoundError):
        knowledge.suggest_for_case(store, AGENT, case_id + 999)

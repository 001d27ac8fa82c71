"""The shell every command shares: one-line errors (databases included),
search ids, help text and output that is not wrapped when piped."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.errors import StoreError
from goodwill.store import open_store
from tests.conftest import POSTGRES_URL, require_postgres
from tests.listening import cli


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_one_line(code: int, output: str, *needles: str) -> None:
    assert code == 69, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in output, (needle, output)


def test_closed_port_is_one_line() -> None:
    url = f"postgresql+psycopg://gw:s3cret-pw@127.0.0.1:{_closed_port()}/nope"
    code, output = _run("--database-url", url, "status")
    _assert_one_line(code, output, "cannot open the database", "127.0.0.1")
    assert "s3cret-pw" not in output


def test_missing_postgres_database_is_one_line() -> None:
    require_postgres()
    base = POSTGRES_URL.rsplit("/", 1)[0]
    code, output = _run("--database-url", f"{base}/goodwill_no_such_db", "status")
    _assert_one_line(code, output, "goodwill_no_such_db", "does not exist")


def test_bad_url_and_unsupported_scheme_are_one_line() -> None:
    code, output = _run("--database-url", "postgresql+psycopg://u@h:notaport/db", "status")
    _assert_one_line(code, output, "database URL")
    code, output = _run("--database-url", "mysql+nosuchdriver://u@h/db", "status")
    _assert_one_line(code, output, "unsupported database URL scheme 'mysql+nosuchdriver'")
    code, output = _run("--database-url", "oracle://u@h/db", "status")
    _assert_one_line(code, output, "unsupported database URL scheme 'oracle'")
    code, output = _run("--database-url", "postgresql+psycopg2://u@h/db", "status")
    _assert_one_line(code, output, "unsupported database URL scheme 'postgresql+psycopg2'")


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "goodwill.db").write_bytes(b"this is a text file, not SQLite\n" * 100)
    code, output = _run("--workspace", str(ws), "status")
    _assert_one_line(code, output, "not a database")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{ws / 'goodwill.db'}")


def test_search_shows_ids_and_refuses_an_empty_query(store: object, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    long_text = "my halcyon battery " + " ".join(f"word{i}" for i in range(60))
    path.write_text(json.dumps({"platform": "twitter", "id": "77", "author": "ana", "text": long_text,
                                "created_at": "2026-11-20T10:00:00Z"}) + "\n")
    assert cli(settings, "import", str(path)).exit_code == 0
    found = json.loads(cli(settings, "search", "battery", "--json").output)
    table = cli(settings, "search", "battery")
    assert table.exit_code == 0 and "id" in table.output.splitlines()[1]
    assert f" {found['id']} " in table.output
    # Not a terminal: the table is not wrapped at 80 columns, so the text stays on one line.
    assert any(long_text in line for line in table.output.splitlines())
    empty = cli(settings, "search", "")
    assert empty.exit_code == 1 and "query" in empty.output and "Traceback" not in empty.output


def test_train_fails_in_one_line(tmp_path: Path) -> None:
    code, output = _run("train", "--task", "bogus")
    assert code == 1 and output.strip() == "Error: --task 'bogus': choose one of intent, sentiment, all, give-take"
    code, output = _run("train", "--data", str(tmp_path / "nowhere"))
    assert code == 1 and len(output.strip().splitlines()) == 1
    assert output.startswith("Error: training data:") and "usage:" not in output


def test_help_keeps_defaults_and_hides_flag_types() -> None:
    code, output = _run("train", "--help", env={"COLUMNS": "200"})
    assert code == 0 and "../shared/data" in output
    code, output = _run("status", "--help", env={"COLUMNS": "200"})
    assert "<bool>" not in output and "--json" in output
    code, output = _run("--help", env={"COLUMNS": "200"})
    assert "./goodwill-workspace" in output and "--as" in output
    for group in ("sources",):
        code, output = _run(group, "--help", env={"COLUMNS": "200"})
        assert code == 0 and "Example" in output, group

"""The `goodwill` command, run in-process through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goodwill import __version__
from goodwill.cli.main import app
from goodwill.config import Settings

runner = CliRunner()


def invoke(settings: Settings, *args: str, input: str | None = None) -> tuple[int, str, str]:
    base = ["--workspace", str(settings.workspace)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    result = runner.invoke(app, [*base, *args], input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"goodwill {__version__}"


@pytest.mark.parametrize("command", ["init", "import", "status", "search", "demo"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"goodwill {command}" in result.stdout or "goodwill --workspace" in result.stdout


def test_init_import_status_search(settings: Settings, tmp_path: Path) -> None:
    code, out, _ = invoke(settings, "init", "--name", "Halcyon Bikes", "--account", "twitter:@halcyonbikes", "-k", "halcyon")
    assert code == 0 and "Created workspace" in out
    csv_file = tmp_path / "mentions.csv"
    csv_file.write_text(
        "post,who,when,body,parent\n"
        "1,ana,2026-10-01T09:00:00Z,Where is my order @halcyonbikes?,\n"
        "2,halcyonbikes,2026-10-01T09:20:00Z,@ana It ships Monday,1\n"
        "3,bob,2026-10-02 10:00,My brakes squeal @halcyonbikes,\n",
        encoding="utf-8",
    )
    mapping = "id=post,author=who,created_at=when,text=body,reply_to=parent"
    code, out, err = invoke(settings, "import", str(csv_file), "--map", mapping, "--platform", "twitter", "--timezone", "Europe/Berlin")
    assert code == 0, err
    assert "3 new" in out
    code, out, _ = invoke(settings, "import", str(csv_file), "--map", mapping, "--platform", "twitter", "--timezone", "Europe/Berlin")
    assert code == 0 and "already imported" in out
    code, out, _ = invoke(settings, "status", "--json")
    data = json.loads(out)
    assert {k: data[k] for k in ("messages", "threads", "brand_messages", "unanswered_threads")} == {
        "messages": 3,
        "threads": 2,
        "brand_messages": 1,
        "unanswered_threads": 1,
    }
    assert data["by_day"]["2026-10-02"] == {"twitter": 1}
    code, out, _ = invoke(settings, "status")
    assert code == 0 and "unanswered" in out and "Halcyon Bikes" in out
    code, out, _ = invoke(settings, "search", "brakes", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["author"], r["created_at"]) for r in rows] == [("bob", "2026-10-02T08:00:00Z")]
    code, out, _ = invoke(settings, "search", "nothing-like-this")
    assert code == 0 and "No messages match" in out


def test_bad_file_is_reported_and_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    invoke(settings, "init", "--name", "X")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "1", "author": "ana", "text": "ok", "created_at": "2026-10-01T09:00:00Z"}\n'
        '{"id": "2", "author": "bob", "text": "ok", "created_at": "2026-10-01T09:00:00Z", "likes": "many"}\n',
        encoding="utf-8",
    )
    code, _, err = invoke(settings, "import", str(bad))
    assert code == 1
    assert f"{bad}, line 2, field 'likes'" in " ".join(err.split())
    _, out, _ = invoke(settings, "status", "--json")
    assert json.loads(out)["messages"] == 0


def test_errors_are_one_clear_line(settings: Settings, tmp_path: Path) -> None:
    code, _, err = invoke(settings, "status")
    assert code == 1 and "goodwill init" in err and "Traceback" not in err
    invoke(settings, "init", "--name", "X")
    code, _, err = invoke(settings, "init", "--name", "X")
    assert code == 1 and "already" in err
    for args, expected in (
        (["import", str(tmp_path / "missing.csv")], "no such file"),
        (["import", str(tmp_path), "--map", "text"], "FIELD=COLUMN"),
        (["import", str(tmp_path / "x.csv"), "--timezone", "Mars/Olympus"], "not a known time zone"),
        (["init", "--name", "Y", "--account", "nocolon"], "PLATFORM:HANDLE"),
    ):
        code, _, err = invoke(settings, *args)
        assert code == 1, args
        assert expected in " ".join(err.split()), (args, err)

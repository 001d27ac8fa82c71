"""Keep the docs true: every command, field and format is documented."""

from __future__ import annotations

import re
from pathlib import Path

from goodwill.cli.main import app
from goodwill.ingest.readers import FIELDS, FORMATS

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"goodwill {name}" in readme, name


def test_every_import_field_and_format_is_documented() -> None:
    doc = (ROOT / "docs" / "import-formats.md").read_text(encoding="utf-8")
    for field, aliases in FIELDS.items():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{field}` |"))
        assert all(f"`{a}`" in row for a in aliases), field
    for fmt in FORMATS:
        assert fmt in doc, fmt


def test_the_ci_script_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"`\.ci/run` ends by running\s+`([^`]+)`", readme)
    assert command and command.group(1).startswith(".venv/bin/python -m pytest")
    assert f"{command.group(1)} -q\n" in ci

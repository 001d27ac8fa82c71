"""docs/settings.md lists every setting and every GOODWILL_* variable the code reads, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from goodwill.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "settings.md"
VARIABLE = re.compile(r"\bGOODWILL_[A-Z][A-Z0-9_]*")


def _rows() -> dict[str, list[str]]:
    """Table rows of the page whose first cell is a variable: variable -> cells."""
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and (m := re.fullmatch(r"`(\w+)`", cells[0])):
            assert m.group(1) not in rows, f"docs/settings.md lists {m.group(1)} twice"
            rows[m.group(1)] = cells
    return rows


def _read_by(folders: list[str], suffixes: tuple[str, ...]) -> dict[str, set[str]]:
    """GOODWILL_* names in the files of `folders` -> the files naming them."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        base = ROOT / folder
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.suffix in suffixes)
        for path in paths:
            for name in VARIABLE.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, set()).add(path.relative_to(ROOT).as_posix())
    return found


def _shown(default: object) -> str:
    if default is None:
        return "none"
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def test_every_setting_is_documented_with_its_default() -> None:
    rows = _rows()
    prefix = Settings.model_config.get("env_prefix")
    assert prefix == "GOODWILL_"
    for name, field in Settings.model_fields.items():
        variable = f"{prefix}{name.upper()}"
        assert variable in rows, f"docs/settings.md does not list the setting {name} ({variable})"
        cells = rows[variable]
        assert cells[1].startswith(f"`{name}`"), f"docs/settings.md, {variable}: the setting is `{name}`, not {cells[1]}"
        default = _shown(field.get_default(call_default_factory=True))
        assert cells[2] == default, f"docs/settings.md, {variable}: the default is {default}, not {cells[2]}"
        assert cells[3], f"docs/settings.md, {variable}: say what it does"


def test_every_variable_the_code_reads_is_documented() -> None:
    rows = _rows()
    for name, files in _read_by(["src"], (".py", ".html", ".toml")).items():
        assert name in rows, f"{', '.join(sorted(files))} read(s) {name}, which docs/settings.md does not list"


def test_the_docs_name_no_variable_that_does_not_exist() -> None:
    settings = {f"GOODWILL_{name.upper()}" for name in Settings.model_fields}
    used = set(_read_by(["src", "tests", "benchmarks", ".ci/run"], (".py", ".html", ".toml")))
    used.discard("GOODWILL_")  # the prefix itself
    for name, files in _read_by(["README.md", "docs"], (".md",)).items():
        assert name in settings | used, f"{', '.join(sorted(files))} name(s) {name}, which nothing reads"
    for name in _rows():
        if name.startswith("GOODWILL_"):
            assert name in settings | used, f"docs/settings.md lists {name}, which nothing reads"

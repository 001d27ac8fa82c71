"""The layer contracts in pyproject.toml hold (import-linter), so a shell that
reaches past the service, or SQL outside the store, fails the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    args = [exe, "--no-cache"] + (["--config", str(config)] if config else [])
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_layer_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_contracts_name_every_layer_and_rule() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert config["root_package"] == "goodwill" and config["include_external_packages"] is True
    names = " ".join(c["name"] for c in config["contracts"])
    for rule in ("Layers", "Shells import only", "store imports only", "domain imports nothing", "never touch the store",
                 "No SQLAlchemy"):
        assert rule in names


def test_a_shell_reaching_into_the_store_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts can fail: a copy of the package whose CLI imports the store is caught."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "goodwill", src / "goodwill", ignore=shutil.ignore_patterns("models", "__pycache__", "*.jsonl"))
    bad = src / "goodwill" / "cli" / "sneaky.py"
    bad.write_text(textwrap.dedent('''
        from sqlalchemy import select

        from goodwill.store.tables import messages

        QUERY = select(messages)
    '''))
    config = tmp_path / "importlinter.toml"
    config.write_text((ROOT / "pyproject.toml").read_text())
    env_path = str(src)
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--no-cache", "--config", str(config)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "goodwill.cli.sneaky -> goodwill.store" in result.stdout or "goodwill.cli.sneaky" in result.stdout
    assert "BROKEN" in result.stdout

"""The package ships every data file it reads: each one is named by package-data in pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "goodwill"


def test_every_data_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["goodwill"]
    missing = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        relative = PurePosixPath(path.relative_to(PACKAGE).as_posix())
        # setuptools globs match one path segment per '*'
        if not any(relative.match(p) and len(relative.parts) == len(PurePosixPath(p).parts) for p in patterns):
            missing.append(str(relative))
    assert not missing, f"not in [tool.setuptools.package-data] of pyproject.toml: {missing}"

"""The README's command table is one table, lists every command, and every
command and flag it shows exists in the `goodwill` app."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import typer

from goodwill.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"`(goodwill [^`]+)`")


def _table() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| capability | command | notes |")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    # A blank line inside the table splits it in two when rendered: nothing table-like may follow it.
    after = lines[start + 2 + len(rows):]
    following = next((line for line in after if line.strip()), "")
    assert not following.startswith("|"), f"the command table is split before: {following}"
    return rows


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


@cache
def _root() -> Any:
    """The click command tree of the app, built once (building it takes typer a while)."""
    return typer.main.get_command(app)


def _is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _leaves(group: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for name, command in group.commands.items():
        if _is_group(command):
            if getattr(command, "invoke_without_command", False):  # a group that is a command too
                out[(*prefix, name)] = command
            out.update(_leaves(command, (*prefix, name)))
        else:
            out[(*prefix, name)] = command
    return out


def _invocations() -> list[str]:
    return [m.group(1) for row in _table() for m in CODE.finditer(_cells(row)[1])]


def _resolve(invocation: str) -> list[tuple[tuple[str, ...], Any]]:
    """The commands an invocation names (`goodwill sources remove\\|enable NAME` names two)."""
    words = invocation.split()[1:]
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(command: Any, path: tuple[str, ...], i: int) -> None:
        runs_itself = getattr(command, "invoke_without_command", False)
        if not _is_group(command) or (runs_itself and (i >= len(words) or words[i].startswith(("-", "[")))):
            found.append((path, command))
            return
        assert i < len(words), f"`{invocation}`: `goodwill {' '.join(path)}` is a group, not a command"
        names = words[i].replace("\\|", "|").split("|")
        for name in names:
            assert name in command.commands, f"`{invocation}`: goodwill {' '.join(path)} has no command {name!r}"
            walk(command.commands[name], (*path, name), i + 1)

    walk(_root(), (), 0)
    return found


def _flags(command: Any) -> set[str]:
    names: set[str] = set()
    for param in [*command.params, *_root().params]:
        if param.param_type_name == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def test_the_command_table_is_one_table() -> None:
    rows = _table()
    assert len(rows) >= 10
    assert all(len(_cells(r)) == 3 for r in rows), [r for r in rows if len(_cells(r)) != 3]


def test_every_command_and_flag_in_the_table_exists() -> None:
    for invocation in _invocations():
        for path, command in _resolve(invocation):
            for flag in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", invocation):
                assert flag in _flags(command), f"`{invocation}`: goodwill {' '.join(path)} has no {flag}"


def test_every_command_is_in_the_table() -> None:
    listed = {path for invocation in _invocations() for path, _ in _resolve(invocation)}
    missing = sorted(" ".join(p) for p in set(_leaves(_root())) - listed)
    assert not missing, f"commands missing from the README's table: {missing}"


def test_the_checks_can_fail() -> None:
    """A made-up flag or command is caught."""
    import pytest

    with pytest.raises(AssertionError, match="no command"):
        _resolve("goodwill sources rename NAME")
    (path, command), = _resolve("goodwill status --json")
    assert "--json" in _flags(command) and "--bogus" not in _flags(command)

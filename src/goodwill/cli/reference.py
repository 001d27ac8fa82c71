"""The command reference (`docs/cli.md`), generated from the app itself.

`python -m goodwill.cli.reference > docs/cli.md` rewrites it; a test keeps the
committed file equal to what this prints, so the reference cannot drift from
the commands.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import typer.main
from typer.core import TyperArgument, TyperGroup, TyperOption

from goodwill.cli.main import app

HEADER = """# Command reference

Every `goodwill` command with its options, generated from the commands
themselves by `python -m goodwill.cli.reference > docs/cli.md` (a test keeps
this page current). Each command also prints this with `--help`.
"""


#: Options every Typer app has; --help and shell completion are not ours to document.
BUILTIN = {"--help", "--install-completion", "--show-completion"}


def root() -> TyperGroup:
    """The command group behind the Typer app."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def walk(group: TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group below `group`, depth first, in name order."""
    ctx = group.context_class(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield (*path, name), command
        if isinstance(command, TyperGroup):
            yield from walk(command, (*path, name))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(param: Any) -> str:
    shown = getattr(param, "show_default", None)
    if isinstance(shown, str):
        return shown
    if getattr(param, "is_flag", False) or param.default in (None, (), []):
        return ""
    default = param.default
    if isinstance(default, list | tuple):
        default = ", ".join(map(str, default))
    return str(default)


def _usage(path: tuple[str, ...], command: Any) -> str:
    ctx = command.context_class(command, info_name=" ".join(("goodwill", *path)))
    return " ".join(command.collect_usage_pieces(ctx)).strip()


def section(path: tuple[str, ...], command: Any) -> str:
    """One command's entry: usage, help text, arguments and options."""
    name = " ".join(("goodwill", *path))
    lines = [f"## `{name}`", "", "```", f"{name} {_usage(path, command)}".rstrip(), "```", ""]
    lines += [inspect.cleandoc(command.help or ""), ""]
    ctx = command.context_class(command, info_name=name)
    rows = []
    for param in command.params:
        if isinstance(param, TyperArgument):
            rows.append((f"`{(param.metavar or param.name or '').upper()}`", "argument", _cell(getattr(param, "help", None) or ""), ""))
        elif isinstance(param, TyperOption) and not param.hidden and not set(param.opts) & BUILTIN:
            flags = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
            envvar = f" (env `{param.envvar}`)" if isinstance(param.envvar, str) else ""
            rows.append((flags, "flag" if param.is_flag else (param.metavar or param.display_type(ctx).strip("<>").upper()),
                         _cell((param.help or "") + envvar), _cell(_default(param))))
    if rows:
        lines += ["| option | takes | what it does | default |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        lines.append("")
    return "\n".join(lines)


def reference() -> str:
    """The whole page."""
    group = root()
    parts = [HEADER, section((), group)]
    parts += [section(path, command) for path, command in walk(group)]
    return "\n".join(parts).rstrip() + "\n"


def main() -> None:
    print(reference(), end="")


if __name__ == "__main__":
    main()

"""The command reference is generated and current, and every command shows an example."""

from __future__ import annotations

from pathlib import Path

from goodwill.cli.reference import reference, root, walk

ROOT = Path(__file__).resolve().parents[1]


def test_docs_cli_md_is_the_generated_reference() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference(), "docs/cli.md is stale: run `python -m goodwill.cli.reference > docs/cli.md`"


def test_every_command_and_group_has_an_example_in_its_help() -> None:
    missing = [" ".join(path) for path, command in [((), root()), *walk(root())] if "Example:" not in (command.help or "")]
    assert missing == []


def test_the_reference_lists_every_command_and_option() -> None:
    text = reference()
    for path, command in walk(root()):
        assert f"## `goodwill {' '.join(path)}`" in text
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}`" in text, (path, opt)

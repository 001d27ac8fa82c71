"""The `goodwill` entry point.

Commands that work on files alone (`influence`, `communities --edges`) start
without loading the workspace, store and web layers, which take longer to
import than these commands take to run; everything else (`communities`
without `--edges` reads the workspace) goes to the full app.
"""

from __future__ import annotations

import sys

STANDALONE = ("influence", "communities")


def _has_edges(args: list[str]) -> bool:
    return any(a == "--edges" or a.startswith("--edges=") for a in args)


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in STANDALONE and (args[0] != "communities" or _has_edges(args)):
        from goodwill.cli.graph import standalone

        standalone()(args=args, prog_name="goodwill")
    else:
        from goodwill.cli.main import main as full

        full()

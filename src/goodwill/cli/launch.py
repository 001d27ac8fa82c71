"""The `goodwill` entry point.

Commands that work on files alone (`influence`, `communities --edges`) start
without loading the workspace, store and web layers, which take longer to
import than these commands take to run; everything else (`communities`
without `--edges` reads the workspace) goes to the full app. The common forms
of `influence --edges` start without Typer too (`goodwill.cli.scoring`).
"""

from __future__ import annotations

import os
import sys

STANDALONE = ("influence", "communities")


def _has_edges(args: list[str]) -> bool:
    return any(a == "--edges" or a.startswith("--edges=") for a in args)


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in STANDALONE:
        # numpy's transparent huge pages cost more in page faults (the kernel
        # compacting memory) than they save on these short runs over big arrays
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if args and args[0] == "influence":
        from goodwill.cli.scoring import quick_influence

        if quick_influence(args[1:]):
            return
    if args and args[0] in STANDALONE and (args[0] != "communities" or _has_edges(args)):
        from goodwill.cli.graph import standalone

        standalone()(args=args, prog_name="goodwill")
    else:
        from goodwill.cli.main import main as full

        full()

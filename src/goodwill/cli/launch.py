"""The `goodwill` entry point.

Commands that work on files alone (`influence`, `communities`) start
without loading the workspace, store and web layers, which take longer to
import than these commands take to run; everything else goes to the full app.
"""

from __future__ import annotations

import sys

STANDALONE = ("influence", "communities")


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in STANDALONE:
        from goodwill.cli.graph import standalone

        standalone()(args=args, prog_name="goodwill")
    else:
        from goodwill.cli.main import main as full

        full()

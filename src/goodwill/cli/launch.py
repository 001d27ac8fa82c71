"""The `goodwill` entry point.

Commands that work on files alone (`influence`, `communities --edges`,
`classify`) start without loading the workspace, store and web layers, which
take longer to import than these commands take to run (and `classify`'s worker
processes need none of them either); everything else (`communities` without
`--edges` reads the workspace) goes to the full app. The common forms
of `influence --edges` start without Typer too (`goodwill.cli.scoring`).
"""

from __future__ import annotations

import os
import sys

STANDALONE = ("influence", "communities")


def _has_edges(args: list[str]) -> bool:
    return any(a == "--edges" or a.startswith("--edges=") for a in args)


def _for_big_arrays() -> None:
    """Memory settings for a short run over big arrays, where faulting fresh pages
    in costs as much as the arithmetic: numpy without transparent huge pages (the
    kernel compacting memory for them cost more than they saved), pyarrow on the
    same allocator as numpy, and glibc's malloc keeping freed blocks for the next
    array (one arena, big blocks from the heap, no trimming) instead of giving
    them back to the kernel and faulting them in again. A setting already in the
    environment wins; without glibc, only the first two apply."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if sys.platform != "linux" or any(k.startswith("MALLOC_") for k in os.environ):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
    mallopt(m_arena_max, 1)
    mallopt(m_mmap_threshold, 256 << 20)
    mallopt(m_trim_threshold, (1 << 31) - 1)


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] in STANDALONE:
        _for_big_arrays()
    if args and args[0] == "influence":
        from goodwill.cli.scoring import quick_influence

        if quick_influence(args[1:]):
            return
    if args and args[0] == "classify":
        from goodwill.cli import classify
        from goodwill.cli.console import standalone

        standalone(classify.register)(args=args[1:], prog_name="goodwill classify")
    elif args and args[0] in STANDALONE and (args[0] != "communities" or _has_edges(args)):
        from goodwill.cli import graph
        from goodwill.cli.console import standalone

        standalone(graph.register)(args=args, prog_name="goodwill")
    else:
        from goodwill.cli.main import main as full

        full()

"""Whether to use a second core."""

from __future__ import annotations


def spare_core() -> bool:
    """Whether a second thread would have a core to itself: more than one core and,
    over the last minute, fewer processes running than cores. On a busy machine a
    second thread only adds its overhead (Linux shares the CPU out per session,
    not per thread)."""
    import os

    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available here
        load = 0.0
    return cores > 1 and load < cores - 0.5

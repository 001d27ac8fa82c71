"""Listed rows as dicts, kept under the row they were made from (the conversation list's threads, the case
list's cases): making a dict (times, signals, reasons in words) costs more than reading the row, and the same
row always makes the same dict; a changed row reads as a new key."""

from __future__ import annotations

import threading
from typing import Any


class KeptRows:
    """Dicts kept under bytes keys (a row's values); the oldest go first once `size` are kept. The dicts are
    shared: callers read them, never change them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[bytes, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: bytes) -> dict[str, Any] | None:
        return self._kept.get(key)

    def put(self, key: bytes, item: dict[str, Any]) -> None:
        with self._lock:
            while len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)), None)
            self._kept[key] = item

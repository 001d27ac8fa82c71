"""Listed rows as dicts, kept under the row they were made from (the conversation list's threads, the case
list's cases): making a dict (times, signals, reasons in words) costs more than reading the row, and the same
row always makes the same dict; a changed row reads as a new key."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptRows(Generic[K, V]):
    """Values kept under keys (by default dicts under a row's values as bytes); the oldest go first once `size`
    are kept. The values are shared: callers read them, never change them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._kept.get(key)

    def put(self, key: K, item: V) -> None:
        with self._lock:
            while len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)), None)
            self._kept[key] = item

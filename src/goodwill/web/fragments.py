"""Rendered HTML of list rows, remembered by everything they show.

A conversation list page is fifty rows of the same macro, a case list page a hundred. Rendering one costs
far more than looking it up, and a row changes only when something it shows
changes, so each row's HTML is kept under the row's own data (its JSON bytes)
as the key: a thread that gets a new message, an edit or new signals has a new
key and is rendered afresh; nothing is ever served stale. The oldest entries
go first once the cache is full.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from jinja2 import Environment
from markupsafe import Markup


class Fragments:
    """`fragments(item, *args)`: the HTML of `macro` in `template` for `item` (and `args`), rendered once per
    distinct item. `shown`, when given, picks what of the item the macro shows (the key); by default the whole
    item is the key."""

    def __init__(self, env: Environment, template: str, macro: str, *, size: int = 4096,
                 shown: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self._env = env
        self._shown = shown
        self._template = template
        self._macro = macro
        self._size = size
        self._cache: dict[bytes, Markup] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _render(self) -> Callable[..., str]:
        render: Callable[..., str] = getattr(self._env.get_template(self._template).module, self._macro)
        return render

    def rows(self, items: Iterable[dict[str, Any]], first: tuple[Any, ...] = (), rest: tuple[Any, ...] = ()) -> Markup:
        """The HTML of every item in turn, one a line, as one piece (without a template loop calling the macro
        row by row): the first item's with the arguments `first`, the others' with `rest`."""
        return Markup("\n".join([self(item, *(rest if i else first)) for i, item in enumerate(items)]))

    def __call__(self, item: dict[str, Any], *args: Any) -> Markup:
        key = orjson.dumps(item if self._shown is None else self._shown(item))
        if args:
            key += orjson.dumps(args)
        html = self._cache.get(key)
        if html is not None:
            self.hits += 1
            return html
        self.misses += 1
        html = Markup(self._render()(item, *args))
        with self._lock:
            while len(self._cache) >= self._size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = html
        return html

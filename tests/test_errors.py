"""The error tree: the docstring at the top of errors.py is the truth, and each class carries its status and exit code."""

from __future__ import annotations

import builtins
import re

import goodwill.errors as errors
from goodwill.errors import GoodwillError

_LINE = re.compile(
    r"^(?P<indent>[│ ├└─]*)(?P<name>[A-Z]\w+)(?: \((?P<builtins>[\w, ]+)\))?\s+(?P<status>\d{3}) (?P<code>[a-z_]+)"
    r"(?:, exit (?P<exit>\d+))?:?"
)


def _documented() -> dict[str, dict[str, object]]:
    doc = errors.__doc__ or ""
    found: dict[str, dict[str, object]] = {}
    parents: list[str] = []
    for line in doc.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        depth = len(m["indent"]) // 4
        parents = parents[:depth]
        found[m["name"]] = {
            "parent": parents[-1] if parents else None,
            "builtins": {b.strip() for b in (m["builtins"] or "").split(",") if b.strip()},
            "status": int(m["status"]),
            "code": m["code"],
            "exit": int(m["exit"]) if m["exit"] else None,
        }
        parents.append(m["name"])
    return found


def _real() -> list[type[GoodwillError]]:
    seen: list[type[GoodwillError]] = [GoodwillError]
    for cls in seen:
        seen.extend(cls.__subclasses__())
    return seen


def test_the_documented_tree_is_the_real_one() -> None:
    documented = _documented()
    real = {cls.__name__: cls for cls in _real()}
    assert set(documented) == set(real), "errors.py's docstring and its classes disagree"
    for name, cls in real.items():
        doc = documented[name]
        parents = [b for b in cls.__bases__ if issubclass(b, GoodwillError)]
        assert [p.__name__ for p in parents] == ([doc["parent"]] if doc["parent"] else []), name
        extra = {b.__name__ for b in cls.__bases__ if not issubclass(b, GoodwillError)} - {"Exception"}
        assert extra == doc["builtins"], name
        assert all(isinstance(getattr(builtins, b), type) for b in extra)
        assert cls.status == doc["status"] and cls.code == doc["code"], name
        # An exit code is written where it differs from the parent's.
        parent_exit = real[str(doc["parent"])].exit_code if doc["parent"] else None
        assert cls.exit_code == (doc["exit"] if doc["exit"] is not None else parent_exit), name


def test_every_error_class_lives_in_errors_py() -> None:
    import importlib
    import pkgutil

    import goodwill

    for info in pkgutil.walk_packages(goodwill.__path__, "goodwill."):
        if info.name.endswith(("_accurate", "_finetune", "__main__")) or ".migrations" in info.name:
            continue  # need optional packages or run on import
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, GoodwillError):
                assert value.__module__ == "goodwill.errors", f"{value.__name__} is defined in {value.__module__}"


def test_each_error_carries_what_the_shells_need() -> None:
    assert errors.TooManyRequestsError("slow down", retry_after=7).headers() == {"Retry-After": "7"}
    assert errors.AuthenticationError("who?").headers() == {"WWW-Authenticate": "Bearer"}
    assert errors.FieldError("limit", "too big").field == "limit"
    assert errors.NotFoundError("gone").field is None
    assert errors.RateLimitedError("platform says wait", wait=2.4).headers() == {"Retry-After": "2"}

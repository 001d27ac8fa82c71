"""Scoring a file of interactions and printing the scores, without Typer.

`goodwill influence --edges FILE` is often run on large files in scripts, so
`goodwill.cli.launch` starts its common forms here, without loading Typer and
Rich (`quick_influence`); anything else (help, `--accounts`, an option it does
not know, a bad value) goes to the Typer command in `goodwill.cli.graph`,
which prints the same scores through the same functions.
"""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from goodwill.service.graph import AccountScores, Edges, GraphScores, InfluenceParams


class Problem(Exception):
    """Bad input or options: one line for the user, exit code 1."""


def params(half_life: float) -> InfluenceParams:
    from goodwill.service.graph import InfluenceParams

    return InfluenceParams(half_life_days=half_life)


def parse_now(value: str | None) -> float | None:
    """`--now` as Unix seconds (ISO 8601 or Unix seconds; naive times are UTC)."""
    if value is None:
        return None
    from datetime import datetime

    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Problem(f"--now: unreadable time {value!r} (expected ISO 8601 or Unix seconds)") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def load_edges(path: Path, topic: str | None) -> Edges:
    from goodwill.errors import GoodwillError
    from goodwill.service.graph import read_edges

    try:
        edges = read_edges(path)
    except GoodwillError as exc:
        raise Problem(str(exc)) from None
    if topic is not None:
        if edges.topic is None:
            raise Problem(f"{path}: --topic needs a 'topic' column")
        edges = edges.within_topic(topic)
    return edges


def ranking(first: np.ndarray[Any, np.dtype[np.float64]], then: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Indices by `first`, highest first, ties by `then`, highest first, then by index
    (what np.lexsort((-then, -first)) gives, sorting only the ties twice)."""
    import numpy as np

    order = np.argsort(-first, kind="stable")
    ranked = first[order]
    same = ranked[1:] == ranked[:-1]
    if same.any():
        tied = np.flatnonzero(np.append(same, False) | np.insert(same, 0, False))
        run = np.cumsum(np.insert(~same, 0, True))[tied]
        members = order[tied]
        order[tied] = members[np.lexsort((-then[members], run))]
    return order


def write_scores(scores: GraphScores | AccountScores, as_json: bool, top: int | None) -> None:
    """Accounts, most influential first, as CSV (pyarrow's writer) or JSON lines."""
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv as pacsv

    order = ranking(np.nan_to_num(scores.influence, nan=-1.0), np.nan_to_num(scores.outreach, nan=-1.0))
    if top is not None:
        order = order[:top]
    influence_reasons, outreach_reasons = scores.explain(order)

    def rounded(values: np.ndarray[Any, np.dtype[np.float64]]) -> pa.Array:
        picked = np.round(values[order], 4)
        unknown = np.isnan(picked)
        if not unknown.any():  # numpy's buffer as it is (pa.array would load numpy.ma to look for a mask)
            return pa.Array.from_buffers(pa.float64(), len(picked), [None, pa.py_buffer(picked)])
        return pa.array(picked, pa.float64(), mask=unknown)  # NaN (unknown) prints empty

    names = getattr(scores.accounts, "arrow", None)  # names read from a file stay in Arrow
    at = pa.Array.from_buffers(pa.int64(), len(order), [None, pa.py_buffer(np.ascontiguousarray(order, dtype=np.int64))])
    table = pa.table({
        "account": (names if names is not None else pa.array(scores.accounts, pa.string())).take(at),
        "influence": rounded(scores.influence),
        "outreach": rounded(scores.outreach),
        "influence_reasons": pa.array(influence_reasons, pa.string()),
        "outreach_reasons": pa.array(outreach_reasons, pa.string()),
    })
    if as_json:
        import json

        for row in table.to_pylist():
            row["influence_reasons"] = row["influence_reasons"].split("; ")
            row["outreach_reasons"] = row["outreach_reasons"].split("; ")
            sys.stdout.write(json.dumps(row) + "\n")
        return
    sys.stdout.flush()
    pacsv.write_csv(table, sys.stdout.buffer, pacsv.WriteOptions(quoting_style="needed"))


def influence_from_edges(path: Path, topic: str | None, half_life: float, now: str | None,
                         top: int | None, as_json: bool) -> None:
    """`goodwill influence --edges FILE`: score the file's accounts and print them."""
    from goodwill.service.graph import score_edges

    when = parse_now(now)
    write_scores(score_edges(load_edges(path, topic), params(half_life), when, reasons=True), as_json, top)


#: the options `quick_influence` reads, and whether each takes a value
_OPTIONS = {"--edges": True, "--topic": True, "--half-life": True, "--now": True, "--top": True, "--json": False}


def quick_influence(args: list[str]) -> bool:
    """Run `goodwill influence` with `args` (after the command's name) if they are
    its common, well-formed options with `--edges`; False to leave them to Typer."""
    given: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        if name not in _OPTIONS or name in given or (eq and not _OPTIONS[name]):
            return False
        if _OPTIONS[name] and not eq:
            i += 1
            if i == len(args):
                return False
            value = args[i]
            if value.startswith("--"):
                return False
        given[name] = value if _OPTIONS[name] else None
        i += 1
    edges = given.get("--edges")
    if not edges:
        return False
    try:
        half_life = float(given.get("--half-life") or 30.0)
        top_text = given.get("--top")
        top = int(top_text) if top_text is not None else None
    except ValueError:
        return False
    if not half_life >= 0.01 or (top is not None and top < 1):
        return False
    try:
        influence_from_edges(Path(edges), given.get("--topic"), half_life, given.get("--now"), top, "--json" in given)
    except Problem as exc:
        report(str(exc))
        raise SystemExit(1) from None
    return True


def report(message: str) -> None:
    """The one-line error every command prints (as `goodwill.cli.console` does)."""
    from rich.console import Console

    Console(stderr=True).print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)

"""Reading the graph commands' CSV files, fast (pyarrow) and strictly.

`read_edges` reads `source, target, kind, time[, topic]`; `read_accounts`
reads `account` and any of the per-account figures. Extra columns are
ignored. A bad file raises ImportFileError naming the file, the line and the
field; nothing here scores anything.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from goodwill.errors import ImportFileError
from goodwill.graph.accounts import FIGURES, AccountFigures
from goodwill.graph.cores import spare_core
from goodwill.graph.edges import KINDS, Edges, Names

if TYPE_CHECKING:
    import pyarrow as pa

EDGE_COLUMNS = ("source", "target", "kind", "time")


def _header(path: Path, first: list[list[str]] | None = None) -> list[str]:
    """The column names; the first record after them goes into `first` when given."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = csv.reader(f)
            row = next(rows, None)
            if first is not None:
                first.append(next(rows, []))
    except FileNotFoundError:
        raise ImportFileError(str(path), None, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(str(path), None, None, f"cannot be read as UTF-8 CSV ({exc})") from None
    if not row:
        raise ImportFileError(str(path), 1, None, "empty file: expected a header line")
    return [c.strip() for c in row]


def _line_of(path: Path, index: int) -> int:
    """The line number where record `index` (0-based, after the header) starts."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        line = reader.line_num + 1
        for i, row in enumerate(reader):
            if not row:  # blank lines are not records
                line = reader.line_num + 1
                continue
            if i >= index:
                return line
            line = reader.line_num + 1
    return line


def _read(path: Path, columns: Sequence[str], encoded: Sequence[str] = (), stamp: str | None = None,
          checked: bool = True) -> pa.Table:
    """The `columns` of the CSV file as text, those in `encoded` dictionary-encoded
    as they are read (block by block, on every core), and `stamp` as ISO 8601
    times (UTC, microseconds): if any of them is not, the file is read again
    with `stamp` as text. Unless `checked`, the text is not checked to be UTF-8
    (the caller checks it)."""
    import pyarrow as pa

    types = {c: pa.dictionary(pa.int32(), pa.string()) if c in encoded else pa.string() for c in columns}
    if stamp is not None:
        try:
            return _read_csv(path, columns, types | {stamp: pa.timestamp("us", tz="UTC")}, checked)
        except pa.ArrowInvalid:
            pass
    try:
        return _read_csv(path, columns, types, checked)
    except pa.ArrowInvalid as exc:
        line = _undecodable_line(path)
        if line is not None:
            raise ImportFileError(str(path), line, None, "not UTF-8 text") from None
        raise ImportFileError(str(path), _bad_row_line(path), None, _arrow_problem(exc)) from None


def _undecodable_line(path: Path) -> int | None:
    """The first line that is not UTF-8, if any."""
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _read_csv(path: Path, columns: Sequence[str], types: dict[str, pa.DataType], checked: bool = True) -> pa.Table:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    try:
        mapped = pa.memory_map(str(path), "r")  # the file's pages as they are: no copy, no fresh memory
    except (OSError, pa.ArrowException):  # not a regular file
        mapped = None
    try:
        return pacsv.read_csv(
            mapped if mapped is not None else path,
            read_options=pacsv.ReadOptions(block_size=1 << 23, use_threads=spare_core()),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=list(columns), check_utf8=checked,
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],  # "null", "nan": names
            ),
        )
    finally:
        if mapped is not None:
            mapped.close()


def _bad_row_line(path: Path) -> int | None:
    """The first line whose number of fields differs from the header's."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        width = len(next(reader, []))
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != width:
                return start
            start = reader.line_num + 1
    return None


def _arrow_problem(exc: Exception) -> str:
    text = str(exc).split("\n")[0].removeprefix("CSV parse error: ")
    return re.sub(r"^Row #\d+: ", "", text)  # read on one thread, pyarrow names the row too (the line is named already)


def _first(mask: Any) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def read_edges(path: Path) -> Edges:
    """The interactions in the CSV file at `path`."""
    edges = _read_edges(path, checked=False)
    if edges is None:  # some text is not UTF-8: read again, checking as it reads, to name the line
        edges = _read_edges(path, checked=True)
        assert edges is not None
    return edges


def _read_edges(path: Path, checked: bool) -> Edges | None:
    """The interactions; unless `checked`, the text is checked to be UTF-8 only once
    per distinct value, and None comes back if some is not (read again, `checked`,
    to name the line)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    first: list[list[str]] = []
    header = _header(path, first)
    for name in EDGE_COLUMNS:
        if name not in header:
            raise ImportFileError(str(path), 1, name, f"missing column (expected columns {', '.join(EDGE_COLUMNS)})")
    has_topic = "topic" in header
    when = first[0][header.index("time")] if len(first[0]) == len(header) else ""
    iso = "-" in when.lstrip("-")  # ISO 8601 times, read as times straight away (Unix seconds are read as text)
    table = _read(path, [*EDGE_COLUMNS, *(["topic"] if has_topic else [])], ("kind", "topic"),
                  "time" if iso else None, checked)

    # one code per account, in order of first appearance (one hash table: less work than encoding block by block)
    source, target = table.column("source"), table.column("target")
    both = pc.dictionary_encode(pa.chunked_array(source.chunks + target.chunks, pa.string())).combine_chunks()
    if not checked:
        texts = [both.dictionary]
        for name in ("kind", "topic"):
            if name in table.column_names:
                texts += [chunk.dictionary for chunk in table.column(name).chunks]
        if not pa.types.is_timestamp(table.column("time").type):
            texts += table.column("time").chunks
        if not _utf8(texts):
            return None

    def need(name: str) -> pa.ChunkedArray:
        col = table.column(name)
        if col.null_count:
            raise ImportFileError(str(path), _line_of(path, _first(col.is_null())), name, "empty")
        return col

    source, target, kind_text, time_text = (need(c) for c in EDGE_COLUMNS)
    n = len(source)

    # a kind may come with spaces or capitals
    kind_dict = _unified([kind_text])
    known = pc.index_in(pc.ascii_lower(pc.utf8_trim_whitespace(_dictionary(kind_dict))), value_set=pa.array(KINDS))
    kind_codes = _codes(kind_dict, known)
    if kind_codes.null_count:
        row = _first(kind_codes.is_null())
        raise ImportFileError(str(path), _line_of(path, row), "kind",
                              f"unknown kind {kind_text[row].as_py()!r} (expected one of {', '.join(KINDS)})")
    codes = both.indices.to_numpy(zero_copy_only=False).astype(np.int64)

    topic_codes = None
    topics: list[str] = []
    if has_topic:
        topic_col = _unified([table.column("topic")])
        topics = [str(t) for t in _dictionary(topic_col).to_pylist()]
        topic_codes = np.where(_valid(topic_col), _indices(topic_col), -1)

    return Edges(
        accounts=Names(both.dictionary),
        source=codes[:n],
        target=codes[n:],
        kind=np.concatenate([c.to_numpy() for c in kind_codes.chunks] or [np.zeros(0, np.int32)]).astype(np.int64),
        time=_times(path, time_text),
        topic=topic_codes,
        topics=topics,
    )


def _utf8(texts: Sequence[pa.Array]) -> bool:
    """Whether every string in `texts` is UTF-8."""
    import pyarrow as pa

    try:
        for text in texts:
            text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _unified(columns: Sequence[pa.ChunkedArray]) -> pa.ChunkedArray:
    """The dictionary-encoded `columns` one after the other, every chunk with the same dictionary
    (its values in order of first appearance)."""
    import pyarrow as pa

    chunks = [chunk for col in columns for chunk in col.chunks]
    return pa.table({"c": pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string()))}).unify_dictionaries().column(0)


def _dictionary(col: pa.ChunkedArray) -> pa.Array:
    import pyarrow as pa

    return col.chunk(0).dictionary if col.num_chunks else pa.array([], pa.string())


def _indices(col: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The codes of a dictionary-encoded column (nulls as 0)."""
    parts = [(chunk.indices.fill_null(0) if chunk.null_count else chunk.indices).to_numpy() for chunk in col.chunks]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _valid(col: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    parts = [chunk.is_valid().to_numpy(zero_copy_only=False) for chunk in col.chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _codes(col: pa.ChunkedArray, mapping: pa.Array) -> pa.ChunkedArray:
    """`mapping` of each value of the dictionary-encoded `col` (null where it maps to null)."""
    import pyarrow as pa

    return pa.chunked_array([mapping.take(chunk.indices) for chunk in col.chunks], pa.int32())


def _times(path: Path, text: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Unix seconds from ISO 8601 text or Unix seconds (naive times are UTC), or from times already read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(text.type):
        return np.asarray(pc.cast(text, pa.int64()).to_numpy() / 1e6, dtype=np.float64)

    for kind in (pa.timestamp("us", tz="UTC"), pa.float64()):  # the common cases: one form throughout
        try:
            stamps = pc.cast(text, kind)
        except pa.ArrowInvalid:
            continue
        values = np.asarray(stamps.to_numpy() if kind == pa.float64() else pc.cast(stamps, pa.int64()).to_numpy() / 1e6,
                            dtype=np.float64)
        if not np.isfinite(values).all():  # "nan" and "inf" read as numbers
            row = _first(~np.isfinite(values))
            raise ImportFileError(str(path), _line_of(path, row), "time",
                                  f"unreadable time {text[row].as_py()!r} (expected ISO 8601 or Unix seconds)")
        return values
    text = pc.utf8_trim_whitespace(text)
    numeric = pc.match_substring_regex(text, r"^-?\d+(\.\d+)?$")
    out = np.empty(len(text), dtype=np.float64)
    is_num = np.asarray(numeric.to_numpy(zero_copy_only=False), dtype=bool)
    if is_num.any():
        out[is_num] = pc.cast(pc.filter(text, numeric), pa.float64()).to_numpy()
    if not is_num.all():
        rest = pc.filter(text, pc.invert(numeric))
        try:
            stamps = pc.cast(rest, pa.timestamp("us", tz="UTC"))
        except pa.ArrowInvalid:
            try:
                stamps = pc.cast(rest, pa.timestamp("us"))
            except pa.ArrowInvalid:
                stamps = None
        if stamps is not None:
            out[~is_num] = pc.cast(stamps, pa.int64()).to_numpy() / 1e6
        else:  # mixed forms, or something unreadable: one by one, to name the line
            where = np.flatnonzero(~is_num)
            for i, value in zip(where, rest.to_pylist(), strict=True):
                out[i] = _one_time(path, int(i), value)
    return out


def _one_time(path: Path, row: int, value: str) -> float:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ImportFileError(str(path), _line_of(path, row), "time",
                              f"unreadable time {value!r} (expected ISO 8601 or Unix seconds)") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def read_accounts(path: Path) -> AccountFigures:
    """Per-account figures from the CSV file at `path`: a missing column or an
    empty cell is unknown (NaN), never zero."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header = _header(path)
    if "account" not in header:
        raise ImportFileError(str(path), 1, "account", f"missing column (expected account and any of {', '.join(FIGURES)})")
    present = [f for f in FIGURES if f in header]
    table = _read(path, ["account", *present])
    account = table.column("account")
    if account.null_count:
        raise ImportFileError(str(path), _line_of(path, _first(account.is_null())), "account", "empty")
    names = [str(a).strip() for a in account.to_pylist()]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise ImportFileError(str(path), _line_of(path, i), "account",
                                  f"{name!r} appears twice (first on line {_line_of(path, seen[name])})")
        seen[name] = i
    figures: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for name in present:
        col = pc.utf8_trim_whitespace(table.column(name))
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        try:
            values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            values = np.full(len(col), np.nan)
            for i, v in enumerate(col.to_pylist()):
                if v is None:
                    continue
                try:
                    values[i] = float(v.replace(",", ""))
                except ValueError:
                    raise ImportFileError(str(path), _line_of(path, i), name, f"not a number: {v!r}") from None
        values = np.asarray(values, dtype=np.float64)
        bad = ~np.isnan(values) & ((values < 0) | ~np.isfinite(values))
        if bad.any():
            i = _first(bad)
            raise ImportFileError(str(path), _line_of(path, i), name, f"must be a count of zero or more, not {values[i]:g}")
        figures[name] = values
    return AccountFigures(accounts=names, figures=figures)

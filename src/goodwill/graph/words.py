"""Explanations in words for many accounts at once (pyarrow string kernels, no Python loop per account)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa


def _formatted(values: npt.NDArray[Any], form: str) -> pa.Array:
    import pyarrow as pa

    values = np.asarray(values, dtype=np.int64).reshape(-1)
    top = int(values.max()) if len(values) else 0
    if 0 <= int(values.min(initial=0)) and top < 4 * len(values) + 1024:  # a table of every value up to the largest
        uniq, inverse = np.arange(top + 1), values
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
    texts = pa.array([form.format(v, "" if v == 1 else "s") for v in uniq.tolist()], pa.string())
    return texts.take(pa.array(inverse))


def counted(values: npt.NDArray[Any], noun: str) -> pa.Array:
    """`1,234 accounts` / `1 account` for each value (each distinct value formatted once)."""
    return _formatted(values, "{0:,} " + noun + "{1}")


def percent(shares: npt.NDArray[np.float64]) -> pa.Array:
    """`42%` for each share in 0..1."""
    return _formatted(np.rint(np.asarray(shares) * 100), "{0}%")


def pick(choices: Sequence[str], index: npt.NDArray[np.int64]) -> pa.Array:
    """choices[index] for each index."""
    import pyarrow as pa

    return pa.array(list(choices), pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def phrase(*pieces: pa.Array | str) -> pa.Array:
    """The pieces joined; null where any piece is null."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*pieces, "")


def where(mask: npt.NDArray[np.bool_], text: pa.Array | str, otherwise: str | None = None) -> pa.Array:
    """`text` where `mask` holds, else `otherwise` (null when None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(text, str):
        text = pa.scalar(text, pa.string())
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), text, pa.scalar(otherwise, pa.string()))


def sentences(*phrases: pa.Array) -> pa.Array:
    """The non-null phrases of each row joined with '; '."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*phrases, "; ", null_handling="skip")


def spread(texts: pa.Array, rows: npt.NDArray[np.int64], n: int, otherwise: str) -> pa.Array:
    """`n` strings: `texts` at `rows` (in order), `otherwise` everywhere else."""
    import pyarrow as pa

    if len(rows) == n:
        return texts
    at = np.full(n, len(rows), dtype=np.int64)
    at[rows] = np.arange(len(rows))
    return pa.concat_arrays([texts.cast(pa.string()), pa.array([otherwise], pa.string())]).take(pa.array(at))

"""Explanations in words for many accounts at once (no Python loop per account).

Each phrase is looked up: the distinct values a phrase depends on (a count, a
kind and a count, a percentage) are rendered once in Python, and every
account takes its phrase from that small table (pyarrow's `take`); phrases are
then joined with pyarrow's string kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa


def arrow(values: npt.NDArray[Any]) -> pa.Array:
    """A numpy array of integers as an Arrow array, without copying."""
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def lookup(keys: npt.NDArray[Any], render: Callable[[int], str | None]) -> pa.Array:
    """`render(key)` for each key (non-negative integers), rendering each distinct key once;
    null where it renders None."""
    import pyarrow as pa

    keys = np.asarray(keys, dtype=np.int64).reshape(-1)
    top = int(keys.max()) if len(keys) else 0
    if int(keys.min(initial=0)) >= 0 and top < 4 * len(keys) + 1024:  # a dense table of the keys present
        present = np.flatnonzero(np.bincount(keys, minlength=top + 1))
        code = np.zeros(top + 1, dtype=np.int64)
        code[present] = np.arange(len(present))
        distinct, inverse = present, code[keys]
    else:
        distinct, inverse = np.unique(keys, return_inverse=True)
    texts = pa.array([render(k) for k in distinct.tolist()], pa.string())
    return texts.take(arrow(inverse))


def plural(n: int, noun: str) -> str:
    """`1,234 accounts` / `1 account`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def percents(shares: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Shares in 0..1 as whole percentages."""
    return np.rint(np.asarray(shares) * 100).astype(np.int64)


def phrase(*pieces: pa.Array | str) -> pa.Array:
    """The pieces joined; null where any piece is null."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*pieces, "")


def spread(texts: pa.Array, rows: npt.NDArray[np.int64], n: int, otherwise: str) -> pa.Array:
    """`n` strings: `texts` at `rows` (in order), `otherwise` everywhere else."""
    import pyarrow as pa

    if len(rows) == n:
        return texts
    at = np.full(n, len(rows), dtype=np.int64)
    at[rows] = np.arange(len(rows))
    return pa.concat_arrays([texts.cast(pa.string()), pa.array([otherwise], pa.string())]).take(arrow(at))

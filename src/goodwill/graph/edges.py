"""The interaction graph as plain columns: who engaged whom, how and when."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt

#: The kinds of interaction, in the order of their codes in `Edges.kind`.
KINDS: tuple[str, ...] = ("reply", "mention", "repost", "quote")
REPLY, MENTION, REPOST, QUOTE = range(4)

if TYPE_CHECKING:
    import pyarrow as pa

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class Names(Sequence[str]):
    """Account names held as one Arrow string array: a file of interactions names
    hundreds of thousands of accounts, and printing them needs no Python string
    per account. Indexing or iterating makes the Python strings (once)."""

    def __init__(self, arrow: pa.Array) -> None:
        self.arrow = arrow
        self._strings: list[str] | None = None

    def _list(self) -> list[str]:
        if self._strings is None:
            self._strings = [str(name) for name in self.arrow.to_pylist()]
        return self._strings

    def __len__(self) -> int:
        return len(self.arrow)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        return self._list()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())

    def __repr__(self) -> str:
        return f"Names({len(self)} accounts)"


@dataclass(frozen=True)
class Edges:
    """Directed interactions: `source` replied to, mentioned, reposted or quoted `target`.

    Every column has one entry per interaction. Accounts are codes into
    `accounts` (their names); `time` is Unix seconds (UTC); `topic` is an
    optional code into `topics` per interaction, -1 for none.
    """

    accounts: Sequence[str]
    source: IntArray
    target: IntArray
    kind: IntArray
    time: FloatArray
    topic: IntArray | None = None
    topics: Sequence[str] = ()

    def __post_init__(self) -> None:
        n = len(self.source)
        columns = [self.target, self.kind, self.time] + ([self.topic] if self.topic is not None else [])
        if any(len(c) != n for c in columns):
            raise ValueError("every column of Edges must have one entry per interaction")

    def __len__(self) -> int:
        return len(self.source)

    @property
    def n_accounts(self) -> int:
        return len(self.accounts)

    def within_topic(self, topic: str) -> Edges:
        """The interactions about `topic` only (none when it is not among `topics`)."""
        if self.topic is None or topic not in self.topics:
            keep = np.zeros(len(self), dtype=bool)
        else:
            keep = self.topic == list(self.topics).index(topic)
        return Edges(self.accounts, self.source[keep], self.target[keep], self.kind[keep], self.time[keep],
                     self.topic[keep] if self.topic is not None else None, self.topics)

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, str, str, datetime | float] | tuple[str, str, str, datetime | float, str | None]]) -> Edges:
        """Edges from `(source, target, kind, time[, topic])` tuples, `time` an aware
        datetime or Unix seconds. Raises ValueError on an unknown kind."""
        names: dict[str, int] = {}
        topic_names: dict[str, int] = {}
        src: list[int] = []
        dst: list[int] = []
        kinds: list[int] = []
        times: list[float] = []
        topics: list[int] = []
        for record in records:
            s, t, k, when = record[:4]
            topic = record[4] if len(record) > 4 else None
            if k not in KINDS:
                raise ValueError(f"unknown kind {k!r} (expected one of {', '.join(KINDS)})")
            src.append(names.setdefault(s, len(names)))
            dst.append(names.setdefault(t, len(names)))
            kinds.append(KINDS.index(k))
            if isinstance(when, datetime):
                when = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
            times.append(float(when))
            topics.append(-1 if topic is None else topic_names.setdefault(topic, len(topic_names)))
        return cls(
            accounts=list(names),
            source=np.asarray(src, dtype=np.int64),
            target=np.asarray(dst, dtype=np.int64),
            kind=np.asarray(kinds, dtype=np.int64),
            time=np.asarray(times, dtype=np.float64),
            topic=np.asarray(topics, dtype=np.int64) if topic_names else None,
            topics=list(topic_names),
        )

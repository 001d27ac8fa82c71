"""People as plain data: a person's history with the brand, and what a profile shows about who is behind it.

The store builds these from the workspace; the rules in `goodwill.people` read
nothing else, so they can be tested on histories written by hand.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: Intents that ask the brand for something; each should get an answer.
ASKS = ("question", "complaint")


@dataclass(frozen=True, slots=True)
class Said:
    """One message the person wrote.

    :param to_brand: a reply to one of the brand's messages
    :param helped_other: a reply to another customer's question (not the brand's, not their own)
    :param answered_at: when the brand first replied in the thread after this message (None: not yet)
    :param mentions: the handles it mentions, normalised (no @, lower case)
    :param replied_to: the handle of the other customer it replies to (None: not a reply to another customer)
    :param parent_id: the id of the message it replies to, when that is stored
    :param parent_negative: it replies to another customer's complaint or negative message
    :param parent_text: the text of the message it replies to ("" when not stored)
    """

    id: int
    at: datetime
    platform: str
    sentiment: str | None = None  # negative, neutral, positive; None when the message has no signals
    intent: str | None = None
    to_brand: bool = False
    helped_other: bool = False
    answered_at: datetime | None = None
    text: str = ""
    mentions: tuple[str, ...] = ()
    replied_to: str | None = None
    parent_id: int | None = None
    parent_negative: bool = False
    parent_text: str = ""

    @property
    def is_ask(self) -> bool:
        return self.intent in ASKS

    @property
    def is_praise(self) -> bool:
        return is_praise(self.intent, self.sentiment)

    @property
    def is_negative(self) -> bool:
        return is_negative(self.intent, self.sentiment)


def is_praise(intent: str | None, sentiment: str | None) -> bool:
    """Praise: intent praise, or positive and not a question or complaint."""
    return intent == "praise" or (sentiment == "positive" and intent not in ASKS)


def is_negative(intent: str | None, sentiment: str | None) -> bool:
    """Negative: a complaint, or negative sentiment."""
    return intent == "complaint" or sentiment == "negative"


@dataclass(frozen=True, slots=True)
class BrandSaid:
    """One message the brand aimed at the person: a reply to them, a mention, or a share of their work.

    :param answers: the id of their message this replies to, if any
    :param promotional: the message's promotional score (0-1)
    :param kind: reply, mention, repost or quote
    """

    id: int
    at: datetime
    kind: str = "reply"
    answers: int | None = None
    promotional: float = 0.0
    text: str = ""


@dataclass(slots=True)
class History:
    """Everything between one person and the brand, oldest first."""

    said: list[Said] = field(default_factory=list)
    brand: list[BrandSaid] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.said.sort(key=lambda s: (s.at, s.id))
        self.brand.sort(key=lambda b: (b.at, b.id))

    @property
    def first_at(self) -> datetime | None:
        return self.said[0].at if self.said else None

    @property
    def last_at(self) -> datetime | None:
        return self.said[-1].at if self.said else None


@dataclass(frozen=True, slots=True)
class ProfileLink:
    url: str  # normalised: host and path, no scheme, no trailing slash
    verified: bool


@dataclass(frozen=True, slots=True)
class AccountEvidence:
    """What an account's profile shows about who is behind it."""

    account_id: int
    person_id: int
    platform: str
    handle: str
    platform_user_id: str | None = None
    own_urls: frozenset[str] = frozenset()  # normalised URLs of this account's own profile
    links: tuple[ProfileLink, ...] = ()


#: A message's flags in a `SaidSeries`, in `SaidSeries.FLAGS` order.
Flags = tuple[int, int, int, int, int, int]
#: Where a `SaidSeries` counts time from; its times are whole microseconds since then.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """`at` as whole microseconds since EPOCH (a naive time is taken as UTC)."""
    return ((at if at.tzinfo is not None else at.replace(tzinfo=UTC)) - EPOCH) // _US


@dataclass(slots=True)
class SaidSeries:
    """What a person wrote as the stage rules read it: one entry per message, oldest first (by time, then id),
    each a time, an id and a flag per fact the rules count. Counting a fact over a stretch of time is a search
    for the stretch's ends and a count of set bytes, so a stage at any moment needs no pass over the messages.

    :param at: each message's time, microseconds since EPOCH
    :param waiting: a question or complaint the brand has not answered in its thread after it
    """

    at: array[int] = field(default_factory=lambda: array("q"))
    ids: array[int] = field(default_factory=lambda: array("q"))
    praise: bytearray = field(default_factory=bytearray)
    negative: bytearray = field(default_factory=bytearray)
    complaint: bytearray = field(default_factory=bytearray)
    helped: bytearray = field(default_factory=bytearray)
    to_brand: bytearray = field(default_factory=bytearray)
    waiting: bytearray = field(default_factory=bytearray)

    FLAGS = ("praise", "negative", "complaint", "helped", "to_brand", "waiting")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, said: Iterable[Said]) -> SaidSeries:
        """The series of these messages (in any order)."""
        ordered = sorted(said, key=lambda s: (s.at, s.id))
        flags = list(zip(*(cls.facts(s) for s in ordered), strict=True)) or [()] * len(cls.FLAGS)
        return cls(array("q", [micros(s.at) for s in ordered]), array("q", [s.id for s in ordered]),
                   *(bytearray(f) for f in flags))

    @staticmethod
    def facts_of(intent: str | None, sentiment: str | None, to_brand: bool, helped_other: bool,
                 answered: bool) -> Flags:
        """The flags of one message, in FLAGS order, from what a `Said` holds (`answered`: its `answered_at` is set)."""
        return (int(is_praise(intent, sentiment)), int(is_negative(intent, sentiment)), int(intent == "complaint"),
                int(helped_other), int(to_brand), int(intent in ASKS and not answered))

    @classmethod
    def facts(cls, s: Said) -> Flags:
        """The flags of one message, in FLAGS order."""
        return cls.facts_of(s.intent, s.sentiment, s.to_brand, s.helped_other, s.answered_at is not None)

    def put(self, message_id: int, at: int, flags: Flags) -> None:
        """Add a message (its id, time in microseconds since EPOCH and FLAGS), or replace what the series holds
        of it."""
        if message_id in self.ids:
            self.remove((message_id,))
        p, n, c, h, t, w = flags
        if not self.at or self.at[-1] < at or (self.at[-1] == at and self.ids[-1] < message_id):
            i = len(self.at)  # the newest, as most arrive
        else:
            i = bisect_left(self.at, at)
            while i < len(self.at) and self.at[i] == at and self.ids[i] < message_id:
                i += 1
        self.at.insert(i, at)
        self.ids.insert(i, message_id)
        self.praise.insert(i, p)
        self.negative.insert(i, n)
        self.complaint.insert(i, c)
        self.helped.insert(i, h)
        self.to_brand.insert(i, t)
        self.waiting.insert(i, w)

    def remove(self, ids: Collection[int]) -> int:
        """Take these messages out; returns how many it held."""
        gone = 0
        for mid in ids:
            try:
                i = self.ids.index(mid)
            except ValueError:
                continue
            del self.at[i]
            del self.ids[i]
            for name in self.FLAGS:
                del getattr(self, name)[i]
            gone += 1
        return gone

    def oldest_id(self) -> int | None:
        """The lowest message id held (the one a full series lets go of first)."""
        return min(self.ids) if self.ids else None

"""People as plain data: a person's history with the brand, and what a profile shows about who is behind it.

The store builds these from the workspace; the rules in `goodwill.people` read
nothing else, so they can be tested on histories written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
        return self.intent == "praise" or (self.sentiment == "positive" and self.intent not in ASKS)

    @property
    def is_negative(self) -> bool:
        return self.intent == "complaint" or self.sentiment == "negative"


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

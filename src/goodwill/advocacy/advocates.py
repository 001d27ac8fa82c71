"""Advocates: people who speak up for the brand, each with the messages that show it.

A message counts as one act of advocacy (the first that holds, in this order;
see docs/advocacy.md):

1. answered: it answers another customer's question (not the brand's, not
   their own), whatever its own tone, as the relationship stage counts it;
2. recommended: it names the brand in words (a listening keyword, not only an
   @-tag) and is addressed to another customer (a reply to them or an
   @-mention of them);
3. defended: it answers another customer's complaint or negative message, is
   itself praise or positive, and names or tags the brand or answers a
   message that named it;
4. praised: praise of the brand (praise, or positive and not a question or
   complaint) that names it, tags it or replies to it.

Apart from answers, a message that is itself negative, a question or a
complaint is never an act of advocacy. A person is an advocate over a period
when they made at least MIN_ACTS acts in it and more acts than negative
messages. A message that names
the brand through a keyword without tagging it, replying to it or mentioning
its accounts is marked `untagged`: such advocates are found only by listening.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from goodwill.domain.messages import normalise_handle
from goodwill.domain.people import Said

MIN_ACTS = 2
#: Points per act, for ranking: speaking up to other people weighs more than praise.
WEIGHTS = {"recommended": 3, "defended": 3, "answered": 2, "praised": 1}
SNIPPET_WORDS = 8


class Act(enum.StrEnum):
    RECOMMENDED = "recommended"
    DEFENDED = "defended"
    ANSWERED = "answered"
    PRAISED = "praised"


@dataclass(frozen=True)
class Brand:
    """How the brand is named: its handles per platform and the workspace's listening keywords."""

    handles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    keywords: Sequence[str] = ()

    @cached_property
    def _handles(self) -> dict[str, frozenset[str]]:
        return {p: frozenset(normalise_handle(h) for h in hs) for p, hs in self.handles.items()}

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        words = sorted({k.strip().casefold() for k in self.keywords if k.strip()}, key=len, reverse=True)
        if not words:
            return None
        return re.compile(r"(?<![\w@])(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)

    def tagged(self, said: Said) -> bool:
        """The message replies to the brand or @-mentions one of its accounts."""
        mine = self._handles.get(said.platform, frozenset())
        return said.to_brand or any(m in mine for m in said.mentions)

    def named(self, text: str) -> bool:
        """The text carries one of the listening keywords as a whole word or phrase."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def is_brand_handle(self, platform: str, handle: str) -> bool:
        return normalise_handle(handle) in self._handles.get(platform, frozenset())


@dataclass(frozen=True, slots=True)
class Evidence:
    """One message that counts as advocacy, with why in words."""

    message_id: int
    at: datetime
    platform: str
    act: Act
    why: str
    text: str
    untagged: bool

    def to_dict(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "at": self.at, "platform": self.platform, "act": self.act.value,
                "why": self.why, "text": self.text, "untagged": self.untagged}


@dataclass(frozen=True, slots=True)
class Advocate:
    person_id: int
    evidence: tuple[Evidence, ...]
    negative: int  # negative messages in the same period

    @property
    def counts(self) -> dict[str, int]:
        found = {a.value: 0 for a in Act}
        for e in self.evidence:
            found[e.act.value] += 1
        return found

    @property
    def score(self) -> int:
        return sum(WEIGHTS[e.act.value] for e in self.evidence)

    @property
    def untagged(self) -> bool:
        """Every act was found through a keyword alone: they never tagged the brand in these messages."""
        return all(e.untagged for e in self.evidence)

    @property
    def reason(self) -> str:
        return reason(self.counts, self.negative)

    def to_dict(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "score": self.score, "reason": self.reason, "acts": self.counts,
                "negative": self.negative, "untagged": self.untagged, "evidence": [e.to_dict() for e in self.evidence]}


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def reason(counts: Mapping[str, int], negative: int = 0, *, period: str = "") -> str:
    """The acts in words: 'recommended the brand to 2 people, answered 4 customers' questions this month'."""
    words = []
    if n := counts.get("recommended", 0):
        words.append(f"recommended the brand to {'another person' if n == 1 else f'{n} people'}")
    if n := counts.get("defended", 0):
        words.append(f"defended it against {'a complaint' if n == 1 else f'{n} complaints'}")
    if n := counts.get("answered", 0):
        words.append("answered a customer's question" if n == 1 else f"answered {n} customers' questions")
    if n := counts.get("praised", 0):
        words.append(f"praised it {_times(n)}")
    text = ", ".join(words) or "no acts of advocacy"
    if period:
        text += f" {period}"
    if negative:
        text += f" (negative {_times(negative)})"
    return text


def _snippet(text: str) -> str:
    words = text.split()
    words = [w for w in words if not w.startswith("@")] or words
    cut = " ".join(words[:SNIPPET_WORDS])
    return f"“{cut}{'…' if len(words) > SNIPPET_WORDS else ''}”"


def act_of(said: Said, brand: Brand) -> Evidence | None:
    """The act of advocacy `said` is, if any, with why it counts."""
    tagged = brand.tagged(said)
    named = brand.named(said.text)
    untagged = named and not tagged
    others = [m for m in said.mentions if not brand.is_brand_handle(said.platform, m)]
    to_whom = said.replied_to or (others[0] if others else None)
    act: Act | None = None
    why = ""
    if said.helped_other and said.replied_to:
        # As the relationship stage counts it: whatever its tone (a negative answer also counts as negative).
        act, why = Act.ANSWERED, f"answered @{said.replied_to}'s question {_snippet(said.parent_text)}"
    elif said.is_negative or said.is_ask:
        return None
    elif named and to_whom:
        act, why = Act.RECOMMENDED, f"recommended the brand to @{to_whom}"
    elif (said.parent_negative and said.replied_to and said.is_praise
          and (named or tagged or brand.named(said.parent_text))):
        act, why = Act.DEFENDED, f"answered @{said.replied_to}'s complaint {_snippet(said.parent_text)}"
    elif said.is_praise and (named or tagged):
        act, why = Act.PRAISED, "praised the brand" + (" in reply to it" if said.to_brand else "")
    if act is None:
        return None
    if untagged:
        why += " without tagging it (found by a listening keyword)"
    return Evidence(said.id, said.at, said.platform, act, why, said.text, untagged)


def find_advocates(said_by_person: Mapping[int, Iterable[Said]], brand: Brand, start: datetime,
                   end: datetime) -> list[Advocate]:
    """The advocates among the people in `said_by_person` from `start` up to `end`, best first."""
    found = []
    for person_id, said in said_by_person.items():
        within = [s for s in said if start <= s.at < end]
        evidence = tuple(e for e in (act_of(s, brand) for s in within) if e is not None)
        negative = sum(1 for s in within if s.is_negative)
        if len(evidence) >= MIN_ACTS and len(evidence) > negative:
            found.append(Advocate(person_id, evidence, negative))
    found.sort(key=lambda a: (-a.score, -len(a.evidence), -max(e.at for e in a.evidence).timestamp(), a.person_id))
    return found

"""The tone check of a draft reply, and saved replies, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Every flag the tone check can raise, in the order a reply shows them.
FLAG_CODES = ("too_long", "blame", "defensive", "promotional", "no_answer", "no_link", "shouting", "hashtags")
#: How much a flag matters: "high" (the reply will hurt or cannot be posted), "medium", "low" (advice).
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class ToneFlag:
    """One thing wrong with a draft: what, how much it matters, why (quoting the words) and a fix."""

    code: str
    severity: str
    why: str
    fix: str
    words: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "why": self.why, "fix": self.fix,
                "words": list(self.words)}


@dataclass(frozen=True, slots=True)
class Article:
    """A knowledge-base article for the message being answered, with how well it fits the message (0-1)."""

    id: str
    title: str
    url: str | None
    score: float


@dataclass(frozen=True, slots=True)
class ToneCheck:
    """The result of checking one draft: its flags (none: nothing to say) and what it was checked against."""

    flags: tuple[ToneFlag, ...]
    platform: str | None
    length: int  # in the platform's own unit (graphemes on Bluesky, characters elsewhere)
    limit: int | None
    question: str | None = None  # the customer's text it was checked against, if any
    articles: tuple[Article, ...] = field(default=())

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.flags]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.flags,
            "flags": [f.as_dict() for f in self.flags],
            "platform": self.platform,
            "length": self.length,
            "limit": self.limit,
            "articles": [{"id": a.id, "title": a.title, "url": a.url, "score": round(a.score, 4)}
                         for a in self.articles],
        }


@dataclass(frozen=True, slots=True)
class SavedReply:
    """A canned response an agent starts a reply from: a title, the text and tags."""

    id: int
    title: str
    body: str
    tags: tuple[str, ...]
    created_at: datetime
    created_by: str
    updated_at: datetime

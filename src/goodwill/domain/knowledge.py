"""Knowledge-base articles as plain data: what an agent links to in a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

#: Longest article id, title, url and tag the store keeps.
MAX_ID = 200
MAX_TITLE = 500
MAX_URL = 2000
MAX_TAG = 100

_TAG_SPACE = re.compile(r"\s+")


def normalize_tag(tag: str) -> str:
    """Tags compare without case and with single spaces: ``" Battery  Care"`` -> ``"battery care"``."""
    return _TAG_SPACE.sub(" ", tag.strip().lower())


@dataclass(frozen=True)
class Article:
    """One knowledge-base article. `id` is the article's own (a slug or a number), kept as text."""

    id: str
    title: str
    body: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    updated_at: datetime | None = field(default=None, compare=False)

    def same_content(self, other: Article) -> bool:
        """Whether an import of `other` would change nothing."""
        return (self.title, self.body, self.url, self.tags) == (other.title, other.body, other.url, other.tags)

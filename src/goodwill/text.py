"""Pulling mentions, hashtags and links out of message text.

Pure functions, tuned for the way people write on social platforms:
`@name` and `@name@server` (fediverse) mentions, Unicode hashtags, and
http(s) links with trailing punctuation trimmed.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?)")
_HASHTAG = re.compile(r"(?<![\w&#/])[#＃]([^\W\d_][\w]*|\d+[^\W\d][\w]*)", re.UNICODE)
_LINK = re.compile(r"https?://[^\s<>\"'\u200b]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"…»"


def mentions(text: str) -> list[str]:
    """Handles mentioned in `text`, in order, without the @, each once."""
    return _unique(m.group(1) for m in _MENTION.finditer(text))


def hashtags(text: str) -> list[str]:
    """Hashtags in `text`, in order, without the #, each once (case kept from first use)."""
    seen: set[str] = set()
    out: list[str] = []
    for m in _HASHTAG.finditer(text):
        tag = m.group(1)
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out


def links(text: str) -> list[str]:
    """http(s) links in `text`, in order, each once, trailing punctuation trimmed."""
    out = []
    for m in _LINK.finditer(text):
        url = m.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        out.append(url)
    return _unique(out)


def _unique(items: object) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:  # type: ignore[attr-defined]
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out

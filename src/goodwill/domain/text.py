"""Pulling mentions, hashtags and links out of message text.

Pure functions, tuned for the way people write on social platforms:
`@name` and `@name@server` (fediverse) mentions, Unicode hashtags, and
http(s) links with trailing punctuation trimmed. Nothing inside a link
counts as a mention or a hashtag.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable

_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?)")
_HASH = re.compile(r"(?<![\w&#＃/])[#＃]")
_WORD = re.compile(r"\w*")
_LINK = re.compile(r"https?://[^\s<>\"'\u200b]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"…»"


def mentions(text: str) -> list[str]:
    """Handles mentioned in `text`, in order, without the @, each once
    (handles are case-insensitive; the first spelling is kept)."""
    if "@" not in text:
        return []
    spans = _link_spans(text)
    return _unique_casefold(m.group(1) for m in _MENTION.finditer(text) if not _inside(m.start(), spans))


def hashtags(text: str) -> list[str]:
    """Hashtags in `text`, in order, without the #, each once (case kept from first use).

    A hashtag is a run of letters, digits, underscores and combining marks
    holding at least one letter: `#café`, `#日本`, `#2024goals`, not `#1`.
    """
    if "#" not in text and "＃" not in text:
        return []
    spans: list[tuple[int, int]] | None = None
    found = []
    for m in _HASH.finditer(text):
        start = m.start()
        if start and unicodedata.category(text[start - 1])[0] == "M":
            continue  # the '#' follows an accented letter: inside a word
        end = _tag_end(text, m.end())
        tag = text[m.end() : end]
        if not any(c.isalpha() for c in tag):
            continue
        if spans is None:
            spans = _link_spans(text)
        if not _inside(start, spans):
            found.append(tag)
    return _unique_casefold(found)


def links(text: str) -> list[str]:
    """http(s) links in `text`, in order, each once, trailing punctuation trimmed."""
    if "://" not in text:
        return []
    out = []
    for m in _LINK.finditer(text):
        url = _trim(m.group(0))
        if url[url.index("://") + 3 :]:
            out.append(url)
    return _unique(out)


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _tag_end(text: str, pos: int) -> int:
    """Where the run of word characters and combining marks from `pos` ends."""
    while True:
        pos = _WORD.match(text, pos).end()  # type: ignore[union-attr]
        if pos < len(text) and unicodedata.category(text[pos])[0] == "M":
            pos += 1
        else:
            return pos


def _link_spans(text: str) -> list[tuple[int, int]]:
    if "://" not in text:
        return []
    return [m.span() for m in _LINK.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `pos` falls inside one of `spans` (sorted, not overlapping)."""
    i = bisect.bisect_left(spans, (pos + 1, -1)) - 1  # the last span starting at or before pos
    return i >= 0 and pos < spans[i][1]


def _unique(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _unique_casefold(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out

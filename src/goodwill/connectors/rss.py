"""RSS and Atom feeds (blogs, review sites, alert feeds) through feedparser.

The source's `--url` is the feed. It is fetched with httpx using a
conditional GET (`If-None-Match` / `If-Modified-Since` from the last
response's `ETag` / `Last-Modified`), so an unchanged feed costs one empty
304. `--query` words, when given, keep only entries that contain one of them.

An entry is stored under its `id` (or its link), authored by its author, or
else the feed's title. The checkpoint remembers each recent entry's
`updated` time, so an entry republished with a later one is stored as an edit.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from goodwill.connectors.base import (
    Batch,
    Checkpoint,
    Edit,
    RateLimitState,
    ReplyTarget,
    SourceConfig,
    host_of,
    http_error,
    matches_any,
    network_cause,
    say,
    state_from_headers,
)
from goodwill.connectors.html import html_to_text
from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain.text import hashtags as find_hashtags
from goodwill.domain.text import links as find_links
from goodwill.errors import ConnectorError, TransientError

REMEMBER = 2000  # entries whose `updated` times the checkpoint keeps


class RssConnector:
    def __init__(self, config: SourceConfig, token: str | None, options: Any) -> None:
        if not config.url:
            raise ConnectorError(f"source {config.name!r}: an RSS source needs --url (the feed)")
        self.config = config
        self.needles = tuple(q.casefold() for q in config.queries)
        headers = {"User-Agent": options.user_agent, "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(timeout=options.timeout, headers=headers, follow_redirects=True)
        self._state = RateLimitState()

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        checkpoint = dict(checkpoint or {})
        headers = {}
        if checkpoint.get("etag"):
            headers["If-None-Match"] = str(checkpoint["etag"])
        if checkpoint.get("modified"):
            headers["If-Modified-Since"] = str(checkpoint["modified"])
        url = str(self.config.url)
        try:
            response = self.http.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(say(host_of(url), network_cause(exc), "reading the feed")) from None
        state_from_headers(response.headers, self._state)
        if response.status_code == 304:
            return Batch(checkpoint=checkpoint, done=True)
        if response.status_code != 200:
            raise http_error(response.status_code, host_of(url), "reading the feed", response.headers)
        parsed = feedparser.parse(response.content, response_headers={k.lower(): v for k, v in response.headers.items()})
        if parsed.bozo and not parsed.entries:
            problem = type(parsed.get("bozo_exception")).__name__
            raise ConnectorError(say(host_of(url), f"{url} is not a readable RSS or Atom feed ({problem})"))
        seen: dict[str, str] = dict(checkpoint.get("updated") or {})
        feed_title = str(parsed.feed.get("title") or urlsplit(url).netloc)
        batch = Batch(seen=len(parsed.entries))
        for entry in parsed.entries:
            try:
                message = self.normalise(entry, feed_title)
            except (KeyError, ValueError, TypeError):
                continue  # an entry without an id, link or readable time is skipped
            if self.needles and not matches_any(message.text, self.needles):
                continue
            updated = _time(entry, "updated_parsed") or message.created_at
            stamp = updated.isoformat()
            before = seen.get(message.platform_id)
            if before is None:
                batch.items.append(message)
            elif stamp > before:
                batch.edits.append(Edit(message, updated))
            seen[message.platform_id] = max(stamp, before or stamp)
        if len(seen) > REMEMBER:
            seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-REMEMBER:])
        batch.checkpoint = {
            "etag": response.headers.get("etag"), "modified": response.headers.get("last-modified"), "updated": seen,
        }
        return batch

    def normalise(self, entry: Any, feed_title: str) -> ParsedMessage:
        link = entry.get("link")
        ident = entry.get("id") or link
        if not ident:
            raise KeyError("id")
        created = _time(entry, "published_parsed") or _time(entry, "updated_parsed")
        if created is None:
            raise ValueError("no time")
        title = html_to_text(str(entry.get("title") or ""))
        summary = ""
        if entry.get("content"):
            summary = html_to_text(str(entry["content"][0].get("value") or ""))
        elif entry.get("summary"):
            summary = html_to_text(str(entry["summary"]))
        text = f"{title}\n\n{summary}".strip() if summary and summary != title else title
        author = str(entry.get("author") or feed_title)
        tags = [str(t.get("term")) for t in entry.get("tags") or () if t.get("term")]
        return ParsedMessage(
            platform="rss", platform_id=str(ident), author=author, author_name=author, text=text, created_at=created,
            kind=MessageKind.REVIEW if "review" in feed_title.casefold() else MessageKind.POST, url=link,
            hashtags=tags or find_hashtags(text), links=[link] if link else find_links(text),
            raw={"id": str(ident), "feed": feed_title, "link": link},
        )

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        raise ConnectorError("feeds cannot take replies: answer on the site the entry links to")

    def rate_limit_state(self) -> RateLimitState:
        return self._state

    def close(self) -> None:
        self.http.close()


def _time(entry: Any, key: str) -> datetime | None:
    value = dict.get(entry, key)  # plain lookup: feedparser maps a missing `updated` to `published`, with a warning
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)

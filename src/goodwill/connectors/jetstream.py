"""Bluesky's Jetstream firehose: posts as JSON over a websocket, filtered here.

The source's `--url` is a Jetstream `/subscribe` endpoint (any instance or
relay). We ask for `wantedCollections=app.bsky.feed.post` and resume with
`cursor` = the `time_us` of the last committed event (Jetstream replays from
that moment; the store ignores what it already holds). Filtering by keyword
and handle happens on our side, in `EventFilter`, which looks at an event's
bytes before parsing it, so the events nobody wants cost almost nothing.

Posts are stored under the `bluesky` platform with their `at://` URI as id,
so a post seen here and by a Bluesky search source is one message. Jetstream
carries authors' DIDs, not handles; the DID is the author here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson

from goodwill.connectors.base import (
    Batch,
    Checkpoint,
    Deletion,
    Edit,
    RateLimitState,
    ReplyTarget,
    SourceConfig,
    host_of,
    network_cause,
    say,
)
from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain.timeparse import parse_time
from goodwill.errors import ConnectorError, TransientError

POST = "app.bsky.feed.post"


class EventFilter:
    """Keeps the events that mention a keyword or handle, or concern an account.

    `needles` are matched without regard to case inside the post's text;
    `dids` match the author, a mentioned account, or the author of the post
    replied to or quoted. The first test runs on the raw bytes (a cheap
    superset); only candidates are parsed and checked properly.
    """

    def __init__(self, needles: Iterable[str], dids: Iterable[str] = ()) -> None:
        self.needles = tuple(sorted({n.casefold() for n in needles if n.strip()}))
        self.dids = tuple(sorted({d for d in dids if d}))
        self._ascii = all(n.isascii() for n in self.needles)
        literals = [n.encode() for n in self.needles] + [d.lower().encode() for d in self.dids]
        # One scan for all needles: a regex alternation of escaped literals.
        self._scan = re.compile(b"|".join(re.escape(x) for x in literals)) if literals else None

    def candidate(self, raw: bytes) -> bool:
        """Might this event match? Never false for one that does."""
        if self._scan is None:
            return True
        data = raw.lower() if self._ascii else raw.decode("utf-8", "replace").casefold().encode()
        return self._scan.search(data) is not None

    def matches(self, event: dict[str, Any]) -> bool:
        """Does this parsed commit event match?"""
        if not self.needles and not self.dids:
            return True
        commit = event.get("commit") or {}
        record = commit.get("record") or {}
        text = record.get("text")
        if isinstance(text, str) and self.needles:
            folded = text.casefold()
            if any(n in folded for n in self.needles):
                return True
        if self.dids:
            if event.get("did") in self.dids:
                return True
            blob = orjson.dumps({k: record.get(k) for k in ("reply", "facets", "embed")})
            return any(d.encode() in blob for d in self.dids)
        return False


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def _mentions_tags_links(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    mentions: list[str] = []
    tags: list[str] = []
    links: list[str] = []
    text_bytes: bytes | None = None
    for facet in record.get("facets") or ():
        if not isinstance(facet, dict):
            continue
        for feature in facet.get("features") or ():
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type", "")
            if kind.endswith("#mention"):
                index = facet.get("index") or {}
                if text_bytes is None:
                    text_bytes = str(record.get("text", "")).encode()
                try:
                    handle = text_bytes[int(index["byteStart"]):int(index["byteEnd"])].decode().lstrip("@")
                except (KeyError, ValueError, TypeError, UnicodeDecodeError):
                    handle = ""
                mentions.append(handle or str(feature.get("did", "")))
            elif kind.endswith("#tag") and feature.get("tag"):
                tags.append(str(feature["tag"]))
            elif kind.endswith("#link") and feature.get("uri"):
                links.append(str(feature["uri"]))
    return [m for m in mentions if m], tags, links


def normalise_post(uri: str, author: str, author_id: str | None, record: dict[str, Any], raw: dict[str, Any],
                   *, author_name: str | None = None, is_brand: bool | None = None) -> ParsedMessage:
    """A Bluesky post record (from Jetstream, search or notifications) as a `ParsedMessage`."""
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("record has no text")
    created = parse_time(str(record.get("createdAt", "")))
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri") if isinstance(reply, dict) else None
    embed = record.get("embed") or {}
    quote = None
    if isinstance(embed, dict):
        inner = embed.get("record") or {}
        if isinstance(inner, dict) and isinstance(inner.get("record"), dict):  # recordWithMedia
            inner = inner["record"]
        if isinstance(inner, dict) and str(inner.get("uri", "")).startswith("at://"):
            quote = inner["uri"]
    mentions, tags, links = _mentions_tags_links(record)
    did, _, rkey = uri.removeprefix("at://").partition(f"/{POST}/")
    return ParsedMessage(
        platform="bluesky", platform_id=uri, author=author, author_id=author_id, author_name=author_name,
        text=text, created_at=created, kind=MessageKind.REPLY if parent else MessageKind.POST,
        url=f"https://bsky.app/profile/{did}/post/{rkey}" if rkey else None,
        reply_to_id=parent, quote_of_id=quote, mentions=mentions, hashtags=tags, links=links,
        raw=raw, is_brand=is_brand,
    )


class JetstreamConnector:
    """Reads the Jetstream websocket in batches; `done` when the server closes
    the stream or (under `listen --once`) the stream has caught up with the
    moment this run began."""

    def __init__(self, config: SourceConfig, token: str | None, options: Any) -> None:
        if not config.url:
            raise ConnectorError(f"source {config.name!r}: a Jetstream source needs --url (its /subscribe endpoint)")
        self.config = config
        self.options = options
        needles = list(config.queries) or list(options.brand_keywords) + [
            "@" + h.lstrip("@") for h in options.brand_handles if "." in h
        ]
        account = config.account if config.account and config.account.startswith("did:") else None
        self.brand_did = account
        self.filter = EventFilter(needles, [account] if account else [])
        self._ws: Any = None
        self._stack = ExitStack()
        self._started_us = int(time.time() * 1_000_000)
        self._state = RateLimitState()

    def _url(self, cursor: int | None) -> str:
        parts = urlsplit(self.config.url or "")
        query = [("wantedCollections", POST)]
        if cursor is not None:
            query.append(("cursor", str(cursor)))
        extra = "&".join(p for p in (parts.query, urlencode(query)) if p)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, extra, ""))

    def _connect(self, cursor: int | None) -> Any:
        from websockets.exceptions import InvalidHandshake, InvalidURI
        from websockets.sync.client import connect

        try:
            return self._stack.enter_context(
                connect(
                    self._url(cursor), open_timeout=self.options.timeout, close_timeout=2, max_size=2**22,
                    user_agent_header=self.options.user_agent, compression=None,
                )
            )
        except InvalidURI as exc:
            raise ConnectorError(f"source {self.config.name!r}: not a websocket URL: {self.config.url}") from exc
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise TransientError(say(host_of(self.config.url), network_cause(exc), "connecting to the stream")) from exc

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK

        cursor = int(checkpoint["time_us"]) if checkpoint and checkpoint.get("time_us") is not None else None
        if self._ws is None:
            self._ws = self._connect(cursor)
        batch = Batch(checkpoint=checkpoint, done=False)
        deadline = time.monotonic() + self.options.stream_batch_seconds
        limit = self.options.stream_batch_events
        last_us = cursor
        while batch.seen < limit:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and batch.seen:
                break
            try:
                raw = self._ws.recv(timeout=max(remaining, 0.05) if batch.seen else self.options.timeout)
            except TimeoutError:
                if batch.seen:
                    break
                self._drop()
                raise TransientError(
                    say(host_of(self.config.url), f"the stream sent nothing for {self.options.timeout:.0f}s")
                ) from None
            except ConnectionClosedOK:
                self._drop()
                batch.done = True
                break
            except ConnectionClosedError:
                self._drop()  # the next fetch reconnects from the checkpoint
                if batch.seen:
                    break
                raise TransientError(say(host_of(self.config.url), "the stream dropped the connection")) from None
            data = raw if isinstance(raw, bytes) else raw.encode()
            batch.seen += 1
            time_us = self.handle(data, batch)
            if time_us is not None:
                last_us = time_us if last_us is None else max(last_us, time_us)
                if self.options.once and time_us >= self._started_us:  # `--once`: caught up with now
                    self._drop()
                    batch.done = True
                    break
        if last_us is not None:
            batch.checkpoint = {"time_us": last_us}
        return batch

    def handle(self, data: bytes, batch: Batch) -> int | None:
        """Add one event to `batch` if it matches; returns its `time_us` (None for an unreadable event)."""
        if not self.filter.candidate(data) and b'"delete"' not in data and b'"update"' not in data:
            # Skipped without parsing; its time still moves the cursor. (Deletions
            # and edits are always read: they may concern a stored post.)
            return _time_us(data)
        try:
            event = orjson.loads(data)
            time_us = int(event["time_us"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # a malformed event is skipped
        if event.get("kind") != "commit":
            return time_us
        commit = event.get("commit")
        if not isinstance(commit, dict) or commit.get("collection") != POST:
            return time_us
        did, rkey, op = event.get("did"), commit.get("rkey"), commit.get("operation")
        if not isinstance(did, str) or not isinstance(rkey, str):
            return time_us
        uri = post_uri(did, rkey)
        when = datetime.fromtimestamp(time_us / 1_000_000, UTC)
        if op == "delete":
            batch.deletions.append(Deletion("bluesky", uri, when))
            return time_us
        record = commit.get("record")
        if not isinstance(record, dict):
            return time_us
        matched = self.filter.matches(event)
        if op == "create" and not matched:
            return time_us
        raw = {"uri": uri, "cid": commit.get("cid"), "did": did, "time_us": time_us, "record": record}
        try:
            message = normalise_post(uri, did, did, record, raw, is_brand=True if did == self.brand_did else None)
        except ValueError:
            return time_us
        if op == "create":
            batch.items.append(message)
        elif op == "update":
            batch.edits.append(Edit(message, when, store_if_new=matched))
        return time_us

    def _drop(self) -> None:
        if self._ws is not None:
            self._ws = None
            try:
                self._stack.close()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        raise ConnectorError("Jetstream is read-only: add a `bluesky` source with the brand's account to reply")

    def rate_limit_state(self) -> RateLimitState:
        return self._state

    def close(self) -> None:
        self._drop()


_TIME_US = re.compile(rb'"time_us"\s*:\s*(\d+)')


def _time_us(data: bytes) -> int | None:
    """`time_us` of an event, read without parsing the whole event."""
    found = _TIME_US.search(data)
    return int(found.group(1)) if found else None

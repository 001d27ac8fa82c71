"""Mastodon (and compatible servers) through Mastodon.py.

Queries: `#tag` reads the hashtag timeline, `mentions` (or `notifications`)
the brand account's notifications of mentions and of edits to statuses it
interacted with (which update the stored text), anything else is a full-text
status search (`/api/v2/search`; most instances only search posts that opted
in to being searchable). Each query pages forward with `min_id` from its own
checkpoint, as the API documents; a query's first run takes the newest page.

Streams: `stream:#tag` follows a hashtag and `stream:user` the brand
account (its mentions, and deletions and edits of statuses it can see)
through the streaming API, where the instance offers it. A stream delivers
new posts, edits (`status.update`) and deletions (`delete`) as they happen;
it has no backlog, so a source pairs it with polled queries, which fill any
gap while it was away. Under `listen --once` a stream ends when the server
closes it or after a quiet batch interval.

Ids are local to an instance, so a status is stored as `HOST:ID` (its
`in_reply_to_id` likewise), and local accounts as `user@HOST`, matching how
the rest of the fediverse writes them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from goodwill.connectors.base import (
    Batch,
    Checkpoint,
    Deletion,
    Edit,
    RateLimitState,
    ReplyTarget,
    ResponseTap,
    SourceConfig,
    network_cause,
    say,
    state_from_headers,
    wait_from_headers,
)
from goodwill.connectors.html import html_to_text
from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain.text import links as find_links
from goodwill.errors import ConnectorError, RateLimitedError, TransientError

PAGE = 40
MENTIONS = ("mentions", "notifications")


def _id_key(value: str) -> tuple[int, str]:
    return (len(value), value)  # ids are decimal snowflakes: longer is newer


class MastodonConnector:
    def __init__(self, config: SourceConfig, token: str | None, options: Any) -> None:
        if not config.url:
            raise ConnectorError(f"source {config.name!r}: a Mastodon source needs --url (the instance, e.g. https://mastodon.social)")
        self.config = config
        self.host = urlsplit(config.url).netloc
        self.queries = tuple(config.queries) or MENTIONS[:1]
        if any(q in MENTIONS for q in self.queries) and not token:
            raise ConnectorError(f"source {config.name!r}: reading mentions needs the account's token (--token-env)")
        self._tap = ResponseTap()
        session = self._tap.attach(requests.Session())
        self.api = Mastodon(
            api_base_url=config.url, access_token=token, version_check_mode="none", mastodon_version="4.3.0",
            ratelimit_method="throw", request_timeout=options.timeout, session=session, user_agent=options.user_agent,
        )
        self._state = RateLimitState()
        self._pending: list[str] = []
        self._version_known = False
        self.options = options
        self._streaming: threading.Thread | None = None
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()

    # -- reading -------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run one API call, translating Mastodon.py's errors into ours: the
        host and the cause in words, never the library's text (it may quote
        the request)."""
        host = self.host
        try:
            result = call()
        except MastodonRatelimitError as exc:
            raise RateLimitedError(say(host, "rate limited (HTTP 429)", what),
                                   wait=wait_from_headers(self._tap.headers)) from exc
        except MastodonServerError as exc:
            raise TransientError(say(host, f"server error (HTTP {self._tap.status})", what),
                                 wait=wait_from_headers(self._tap.headers)) from exc
        except MastodonNetworkError as exc:
            raise TransientError(say(host, network_cause(exc), what)) from exc
        except MastodonUnauthorizedError as exc:
            raise ConnectorError(say(host, "the access token was rejected (HTTP 401)", what)) from exc
        except MastodonNotFoundError as exc:
            raise ConnectorError(say(host, "not found (HTTP 404)", what)) from exc
        except (MastodonAPIError, MastodonError) as exc:
            status = f"HTTP {self._tap.status}" if self._tap.status else type(exc).__name__
            raise ConnectorError(say(host, f"the server refused the request ({status})", what)) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise TransientError(say(host, f"unreadable response ({type(exc).__name__})", what)) from exc
        state_from_headers(self._tap.headers, self._state)
        return result

    def _page(self, query: str, min_id: str | None, max_id: str | None = None) -> list[Mapping[str, Any]]:
        """One page of statuses for `query`, newest first (mention notifications
        become their statuses): after `min_id` going forward, before `max_id` going back."""
        if query in MENTIONS:
            found = self._call(
                "reading notifications",
                lambda: self.api.notifications(types=["mention", "update"], min_id=min_id, max_id=max_id, limit=PAGE),
            )
            return [n for n in found or () if isinstance(n, Mapping) and isinstance(n.get("status"), Mapping)]
        if query.startswith("#"):
            tag = query[1:]
            return list(
                self._call(f"reading #{tag}", lambda: self.api.timeline_hashtag(tag, min_id=min_id, max_id=max_id, limit=PAGE))
                or ()
            )
        if not self._version_known:
            # Mastodon.py sends search's paging parameters only once it knows the server's version.
            self._call("reading the instance's version", lambda: self.api.retrieve_mastodon_version(fail_hard=True))
            self._version_known = True
        found = self._call(
            f"searching {query!r}",
            lambda: self.api.search_v2(
                query, resolve=False, result_type="statuses", min_id=min_id, max_id=max_id, limit=PAGE
            ),
        )
        return list((found or {}).get("statuses") or ())

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        """The next page of the first pending query.

        A query's first run takes the newest page and, within the source's
        backfill horizon, pages back from it with `max_id`, one page a batch,
        the way back recorded in the checkpoint (`backfill`) so a crash
        resumes from the last committed page. After that (and on every later
        run) it pages forward with `min_id` from the newest id it has seen,
        which also picks up whatever arrived while it was paging back.
        """
        positions: dict[str, str] = dict((checkpoint or {}).get("min_id") or {})
        backfills: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in ((checkpoint or {}).get("backfill") or {}).items()
        }
        if not self._pending:
            # Polled queries first; streams follow once those have caught up.
            self._pending = sorted(self.queries, key=lambda q: q.startswith("stream:"))
        query = self._pending[0]
        if query.startswith("stream:"):
            return self._stream_batch(query, checkpoint)
        first_run = query not in positions
        going_back = backfills.get(query)
        if going_back is not None:
            entries = self._page(query, None, str(going_back["max_id"]))
        else:
            entries = self._page(query, positions.get(query))
        seen = len(entries)
        horizon = self.config.backfill_horizon() if first_run or going_back is not None else None
        reached = False
        if horizon is not None:
            entries, reached = _within(entries, horizon, int((going_back or {}).get("taken", 0)))
            reached |= seen < PAGE  # a short page going back is the start of the query's history
        batch = Batch(seen=seen, done=False)
        ids = [str(e["id"]) for e in entries if isinstance(e, Mapping) and e.get("id") is not None]
        for entry in entries:
            status = entry.get("status") if query in MENTIONS else entry
            if not isinstance(status, Mapping):
                continue
            try:
                message = self.normalise(status)
            except (KeyError, TypeError, ValueError):
                continue  # a malformed status is skipped; the rest of the page is kept
            edited = status.get("edited_at")
            if query in MENTIONS and entry.get("type") == "update":  # a status the brand interacted with was edited
                batch.edits.append(Edit(message, _aware(edited or entry.get("created_at"))))
            elif edited:
                batch.edits.append(Edit(message, _aware(edited)))
            else:
                batch.items.append(message)
        if going_back is None and ids:
            newest = max(ids, key=_id_key)
            if query not in positions or _id_key(newest) > _id_key(positions[query]):
                positions[query] = newest
        if horizon is not None and ids and not reached:
            # More to read back: the next batch asks for what is older than this page.
            taken = int((going_back or {}).get("taken", 0)) + len(entries)
            backfills[query] = {"max_id": min(ids, key=_id_key), "taken": taken}
        else:
            backfills.pop(query, None)
            # A query whose first run took its newest page (no backfill), or
            # whose forward page came back short, has caught up; one that has
            # just finished paging back now pages forward.
            if (first_run and going_back is None) or (going_back is None and len(entries) < PAGE):
                self._pending.pop(0)
        batch.checkpoint = {"min_id": positions, **({"backfill": backfills} if backfills else {})}
        batch.done = not self._pending
        return batch

    def normalise(self, status: Mapping[str, Any]) -> ParsedMessage:
        account = status["account"]
        reblog = status.get("reblog")
        sid = str(status["id"])
        content = html_to_text(str(status.get("content") or ""))
        spoiler = str(status.get("spoiler_text") or "")
        text = f"{spoiler}\n\n{content}".strip() if spoiler else content
        reply_to = status.get("in_reply_to_id")
        return ParsedMessage(
            platform="mastodon",
            platform_id=f"{self.host}:{sid}",
            author=self._acct(str(account["acct"])),
            author_id=f"{self.host}:{account.get('id')}",
            author_name=str(account.get("display_name") or "") or None,
            text=text,
            created_at=_aware(status["created_at"]),
            kind=MessageKind.REPLY if reply_to else MessageKind.POST,
            url=str(status.get("url") or status.get("uri") or "") or None,
            reply_to_id=f"{self.host}:{reply_to}" if reply_to else None,
            repost_of_id=f"{self.host}:{reblog['id']}" if isinstance(reblog, Mapping) else None,
            mentions=[self._acct(str(m["acct"])) for m in status.get("mentions") or () if isinstance(m, Mapping)],
            hashtags=[str(t["name"]) for t in status.get("tags") or () if isinstance(t, Mapping)],
            links=find_links(content),
            metrics={
                k: int(status.get(f) or 0)
                for k, f in (("replies", "replies_count"), ("reposts", "reblogs_count"), ("likes", "favourites_count"))
            },
            raw={
                "id": sid, "instance": self.host, "uri": status.get("uri"), "visibility": status.get("visibility"),
                "language": status.get("language"), "account_id": str(account.get("id")),
            },
        )

    # -- streaming -----------------------------------------------------------

    def _start_stream(self, query: str) -> None:
        from mastodon import StreamListener

        events: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=10_000)

        class Listener(StreamListener):
            def on_update(self, status: Any) -> None:
                events.put(("update", status))

            def on_status_update(self, status: Any) -> None:
                events.put(("edit", status))

            def on_delete(self, status_id: Any) -> None:
                events.put(("delete", status_id))

            def on_notification(self, notification: Any) -> None:
                if notification.get("type") == "mention" and notification.get("status"):
                    events.put(("update", notification["status"]))

            def on_unknown_event(self, name: str, unknown_event: Any = None) -> None:
                pass

            def handle_heartbeat(self) -> None:
                pass

        target = query.removeprefix("stream:")
        if target == "user":
            run: Callable[[], Any] = lambda: self.api.stream_user(Listener(), timeout=self.options.timeout)  # noqa: E731
        elif target.startswith("#"):
            run = lambda: self.api.stream_hashtag(target[1:], Listener(), timeout=self.options.timeout)  # noqa: E731
        else:
            raise ConnectorError(f"{self.config.name}: unknown stream {query!r} (use stream:#tag or stream:user)")

        def pump() -> None:
            try:
                run()
                events.put(("end", None))
            except Exception as exc:  # noqa: BLE001 - handed to the reading side
                cause = network_cause(exc)
                events.put(("error", cause if cause != "network error" else type(exc).__name__))

        self._events = events
        self._streaming = threading.Thread(target=pump, name=f"stream-{self.config.name}", daemon=True)
        self._streaming.start()

    def _stream_batch(self, query: str, checkpoint: Checkpoint | None) -> Batch:
        if self._streaming is None:
            self._start_stream(query)
        batch = Batch(checkpoint=checkpoint, done=False)
        deadline = time.monotonic() + self.options.stream_batch_seconds
        ended = False
        while batch.seen < self.options.stream_batch_events:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                kind, payload = self._events.get(timeout=remaining)
            except queue.Empty:
                break
            if kind == "end":
                ended = True
                break
            if kind == "error":
                self._streaming = None
                if batch.seen:
                    break  # keep what came; the next fetch reconnects
                raise TransientError(say(self.host, f"the {query} stream failed ({payload})"))
            batch.seen += 1
            try:
                if kind == "delete":
                    batch.deletions.append(Deletion("mastodon", f"{self.host}:{payload}", datetime.now(UTC)))
                elif kind == "edit":
                    batch.edits.append(Edit(self.normalise(payload), _aware(payload.get("edited_at") or datetime.now(UTC))))
                else:
                    batch.items.append(self.normalise(payload))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # a malformed event is skipped
        if ended or (self.options.once and not batch.seen):
            self._streaming = None
            self._pending.pop(0)
        batch.done = not self._pending
        return batch

    def _acct(self, acct: str) -> str:
        return acct if "@" in acct.lstrip("@") else f"{acct.lstrip('@')}@{self.host}"

    # -- publishing ----------------------------------------------------------

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        host, _, local = target.platform_id.rpartition(":")
        if host != self.host:
            raise ConnectorError(
                f"{self.config.name}: message {target.platform_id} lives on {host}, this source on {self.host}"
            )
        mention = "@" + target.author.lstrip("@")
        body = text if mention.casefold() in text.casefold() else f"{mention} {text}"
        status = self._call("publishing the reply", lambda: self.api.status_post(body, in_reply_to_id=local, visibility="public"))
        return self.normalise(status)

    def publish_post(self, text: str, idempotency_key: str) -> ParsedMessage:
        """Publish `text` as a public status of the brand's account. The instance
        keeps `idempotency_key` for an hour: the same key again returns the status
        already made instead of a second one."""
        status = self._call(
            "publishing the post",
            lambda: self.api.status_post(text, visibility="public", idempotency_key=idempotency_key),
        )
        return self.normalise(status)

    def rate_limit_state(self) -> RateLimitState:
        return self._state

    def close(self) -> None:
        self._streaming = None  # the pump thread is a daemon; closing the session ends its read
        self.api.session.close()


def _within(
    entries: list[Mapping[str, Any]], horizon: tuple[int | None, datetime | None], taken: int
) -> tuple[list[Mapping[str, Any]], bool]:
    """The entries of a page (newest first) that fall inside a backfill
    horizon of (posts, since), given `taken` posts already read back; and
    whether the page reached the horizon (or the end of the history)."""
    posts, since = horizon
    if not entries:
        return entries, True
    kept = list(entries)
    reached = False
    if since is not None:
        inside = []
        for entry in kept:
            # A page is in the order of its entries' own times: a notification's
            # (an edit of an old status notifies now), else the status's.
            when = entry.get("created_at")
            try:
                older = when is not None and _aware(when) < since
            except ValueError:
                older = False
            if older:
                reached = True
                break  # newest first: everything after this is older still
            inside.append(entry)
        kept = inside
    if posts is not None and taken + len(kept) >= posts:
        kept = kept[: max(0, posts - taken)]
        reached = True
    return kept, reached


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    from goodwill.domain.timeparse import parse_time

    return parse_time(str(value))

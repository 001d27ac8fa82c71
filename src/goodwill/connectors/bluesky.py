"""Bluesky through the atproto client: post search by keyword and the brand
account's notifications (mentions, replies, quotes), plus replies.

The source's `--url` is the service (default `https://bsky.social`);
`--account` is the brand's handle and `--token-env` names an app password
(Settings -> Privacy and security -> App passwords). Queries are keywords to
search; `mentions` (or `notifications`) reads the account's notifications.

Both listings run newest first with a cursor. A query's first run pages
back to the source's backfill horizon (`sources add --backfill N`, posts per
query, or `--since DATE`), or takes one page when it has none; later runs
page back until they reach what the last completed pass saw. The checkpoint
keeps, per query, the time of the newest item of the last completed pass
(`since`) and, while a pass is under way, its cursor (and, on the first pass,
how many posts it has read back), so a pass interrupted by a crash carries on
where its last committed page ended.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from goodwill.connectors.base import (
    Batch,
    Checkpoint,
    RateLimitState,
    ReplyTarget,
    SourceConfig,
    host_of,
    network_cause,
    say,
    state_from_headers,
    wait_from_headers,
)
from goodwill.connectors.jetstream import normalise_post
from goodwill.domain import ParsedMessage
from goodwill.domain.timeparse import parse_time
from goodwill.errors import ConnectorError, RateLimitedError, TransientError

DEFAULT_SERVICE = "https://bsky.social"
PAGE = 100
MENTIONS = ("mentions", "notifications")
_REASONS = {"mention", "reply", "quote"}


def _as_dict(model: Any) -> Any:
    from atproto_client.models.utils import get_model_as_dict

    if model is None or isinstance(model, (str, int, float, bool, list, dict)):
        return model
    return get_model_as_dict(model)


def _jsonable(value: Any) -> Any:
    """Model dumps may hold bytes (CIDs, blobs) or datetimes: keep only JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class BlueskyConnector:
    def __init__(self, config: SourceConfig, token: str | None, options: Any) -> None:
        from atproto import Client

        self.config = config
        self.options = options
        self.queries = tuple(config.queries) or MENTIONS[:1]
        if not config.account or not token:
            raise ConnectorError(
                f"source {config.name!r}: Bluesky needs --account (the brand's handle) and --token-env (an app password)"
            )
        self.host = host_of(config.url or DEFAULT_SERVICE)
        self.client = Client(base_url=config.url or DEFAULT_SERVICE)
        self.client.request._client.timeout = options.timeout  # noqa: SLF001 - httpx client of the library
        self._token = token
        self._logged_in = False
        self._state = RateLimitState()
        self._pending: list[str] = []

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Sign in if need be, then run one call, translating atproto's errors
        into ours: the host and the cause in words, never a credential."""
        from atproto_client import exceptions as ex

        signing_in = not self._logged_in
        try:
            if signing_in:
                self.client.login(self.config.account, self._token)
                self._logged_in = True
                signing_in = False
            result = call()
        except ex.RequestErrorBase as exc:
            response = exc.response
            status = response.status_code if response is not None else None
            headers = dict(response.headers) if response is not None else {}
            state_from_headers(headers, self._state)
            doing = f"signing in as {self.config.account}" if signing_in else what
            if status == 429:
                raise RateLimitedError(say(self.host, "rate limited (HTTP 429)", doing), wait=wait_from_headers(headers)) from None
            if isinstance(exc, ex.NetworkError) or status is None:
                raise TransientError(say(self.host, network_cause(exc), doing)) from None
            if status >= 500:
                raise TransientError(say(self.host, f"server error (HTTP {status})", doing)) from None
            if signing_in and status in (400, 401):
                raise ConnectorError(say(self.host, f"the app password was rejected (HTTP {status})", doing)) from None
            if status in (401, 403):
                raise ConnectorError(say(self.host, f"the server refused the session (HTTP {status})", doing)) from None
            raise ConnectorError(say(self.host, f"the server refused the request (HTTP {status})", doing)) from None
        except ex.AtProtocolError as exc:
            raise TransientError(say(self.host, f"unreadable response ({type(exc).__name__})", what)) from None
        return result

    # -- reading -------------------------------------------------------------

    def _search(self, query: str, cursor: str | None, since: str | None) -> tuple[list[dict[str, Any]], str | None]:
        from atproto import models

        params = models.AppBskyFeedSearchPosts.Params(q=query, sort="latest", since=since, cursor=cursor, limit=PAGE)
        found = self._call(f"searching {query!r}", lambda: self.client.app.bsky.feed.search_posts(params))
        posts = []
        for view in found.posts or ():
            post = _jsonable(_as_dict(view))
            posts.append({
                "uri": post.get("uri"), "cid": post.get("cid"), "author": post.get("author") or {},
                "record": post.get("record") or {}, "at": post.get("indexedAt"),
                "metrics": {"replies": post.get("replyCount") or 0, "reposts": post.get("repostCount") or 0,
                            "likes": post.get("likeCount") or 0, "quotes": post.get("quoteCount") or 0},
            })
        return posts, found.cursor

    def _notifications(self, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        from atproto import models

        params = models.AppBskyNotificationListNotifications.Params(cursor=cursor, limit=PAGE)
        found = self._call("reading notifications", lambda: self.client.app.bsky.notification.list_notifications(params))
        out = []
        for view in found.notifications or ():
            n = _jsonable(_as_dict(view))
            item = {"uri": n.get("uri"), "cid": n.get("cid"), "author": n.get("author") or {},
                    "record": n.get("record") or {}, "at": n.get("indexedAt"), "metrics": {}}
            item["keep"] = n.get("reason") in _REASONS
            out.append(item)
        return out, found.cursor

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        positions: dict[str, dict[str, Any]] = {k: dict(v) for k, v in ((checkpoint or {}).get("queries") or {}).items()}
        if not self._pending:
            self._pending = list(self.queries)
        query = self._pending[0]
        state = positions.get(query, {})
        since, cursor = state.get("since"), state.get("cursor")
        # The first pass (no completed one yet) reads back to the horizon, if the source has one.
        horizon = self.config.backfill_horizon() if since is None else None
        floor = _iso(horizon[1]) if horizon is not None and horizon[1] is not None else None
        if query in MENTIONS:
            entries, next_cursor = self._notifications(cursor)
        else:
            entries, next_cursor = self._search(query, cursor, since or floor)
        batch = Batch(seen=len(entries), done=False)
        newest = state.get("newest")
        taken = int(state.get("taken", 0))
        reached_seen = False
        for e in entries:
            at = _iso(e.get("at"))
            if since is not None and at is not None and at <= since:
                reached_seen = True
                continue
            if floor is not None and at is not None and at < floor:
                reached_seen = True  # older than --since: the first pass ends here
                continue
            if horizon is not None and horizon[0] is not None and taken >= horizon[0]:
                reached_seen = True  # --backfill posts read back
                break
            taken += 1
            if at is not None and (newest is None or at > newest):
                newest = at
            if e.get("keep") is False:
                continue
            try:
                batch.items.append(self._message(e))
            except (KeyError, TypeError, ValueError):
                continue  # a malformed post is skipped; the page is kept
        if next_cursor and not reached_seen and entries and (since is not None or horizon is not None):
            positions[query] = {"since": since, "cursor": next_cursor, "newest": newest}
            if since is None:
                positions[query]["taken"] = taken
        else:  # the pass is complete (or this was a first run's single page)
            positions[query] = {"since": newest or since}
            self._pending.pop(0)
        batch.checkpoint = {"queries": positions}
        batch.done = not self._pending
        return batch

    def _message(self, e: Mapping[str, Any]) -> ParsedMessage:
        author = e["author"]
        record = e["record"]
        raw = {"uri": e["uri"], "cid": e["cid"], "record": record}
        message = normalise_post(
            str(e["uri"]), str(author["handle"]), str(author.get("did") or "") or None, dict(record), raw,
            author_name=author.get("displayName") or None,
        )
        message.metrics = {k: int(v) for k, v in (e.get("metrics") or {}).items()}
        return message

    # -- publishing ----------------------------------------------------------

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        from atproto import models

        parent_uri, parent_cid = target.raw.get("uri") or target.platform_id, target.raw.get("cid")
        if not parent_cid:
            raise ConnectorError(f"{self.config.name}: message {target.platform_id} has no content id (cid) to reply to")
        record = target.raw.get("record") or {}
        root = (record.get("reply") or {}).get("root") if isinstance(record, Mapping) else None
        parent = models.ComAtprotoRepoStrongRef.Main(uri=str(parent_uri), cid=str(parent_cid))
        root_ref = models.ComAtprotoRepoStrongRef.Main(uri=str(root["uri"]), cid=str(root["cid"])) if root else parent
        reply_ref = models.AppBskyFeedPost.ReplyRef(parent=parent, root=root_ref)
        sent = self._call("publishing the reply", lambda: self.client.send_post(text=text, reply_to=reply_ref))
        now = datetime.now(UTC)
        record_out = {
            "$type": "app.bsky.feed.post", "text": text, "createdAt": now.isoformat().replace("+00:00", "Z"),
            "reply": {"parent": {"uri": parent.uri, "cid": parent.cid}, "root": {"uri": root_ref.uri, "cid": root_ref.cid}},
        }
        me = self.client.me
        handle = me.handle if me is not None else str(self.config.account)
        did = me.did if me is not None else None
        return normalise_post(sent.uri, handle, did, record_out, {"uri": sent.uri, "cid": sent.cid, "record": record_out})

    def rate_limit_state(self) -> RateLimitState:
        return self._state

    def close(self) -> None:
        try:
            self.client.request._client.close()  # noqa: SLF001
        except Exception:  # noqa: BLE001 - closing only
            pass


def _iso(value: Any) -> str | None:
    """A time as comparable ISO text in UTC (None when unreadable)."""
    if not value:
        return None
    try:
        return parse_time(str(value)).astimezone(UTC).isoformat()
    except ValueError:
        return None

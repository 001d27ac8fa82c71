"""Reddit through praw: subreddit listings, searches and comments, and replies.

Queries: `r/NAME` reads a subreddit's new posts and new comments;
`r/NAME:words` searches one subreddit, newest first; anything else searches
all of Reddit. The credential (`--token-env`) is `CLIENT_ID:CLIENT_SECRET`
of a Reddit app (read only), or `CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN` to
also publish replies as the brand's account. `--url` points praw at another
API host (both its OAuth and its token endpoints), e.g. a proxy or mirror.

Listings run newest first; each query keeps the creation time of the newest
item it has stored, and a run reads back until it reaches that time. Items
are stored by their fullnames (`t3_...` posts, `t1_...` comments), so a
comment's parent and its post link up into one thread. Posts and comments
shown as `[deleted]`/`[removed]` without an author are recorded as deletions;
an `edited` time records an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from goodwill.connectors.base import (
    Batch,
    Checkpoint,
    Deletion,
    Edit,
    RateLimitState,
    ReplyTarget,
    ResponseTap,
    SourceConfig,
    host_of,
    network_cause,
    say,
    state_from_headers,
    wait_from_headers,
)
from goodwill.domain import MessageKind, ParsedMessage
from goodwill.domain.text import hashtags as find_hashtags
from goodwill.domain.text import links as find_links
from goodwill.domain.text import mentions as find_mentions
from goodwill.errors import ConnectorError, RateLimitedError, TransientError

FIRST_RUN = 100  # items a query reads on its first run
LIMIT = 1000  # most items a query reads per run (Reddit's listings end there)
_GONE = {"[deleted]", "[removed]"}


class RedditConnector:
    def __init__(self, config: SourceConfig, token: str | None, options: Any) -> None:
        import praw
        import requests

        parts = (token or "").split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ConnectorError(
                f"source {config.name!r}: Reddit needs --token-env naming a variable holding "
                "CLIENT_ID:CLIENT_SECRET (or CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN to reply)"
            )
        self.config = config
        self.queries = tuple(config.queries)
        if not self.queries:
            raise ConnectorError(f"source {config.name!r}: give at least one --query (r/NAME, r/NAME:words or words)")
        self.host = host_of(config.url, "oauth.reddit.com")
        self._tap = ResponseTap()
        session = self._tap.attach(requests.Session())
        urls: dict[str, Any] = {}
        if config.url:
            urls = {"oauth_url": config.url.rstrip("/"), "reddit_url": config.url.rstrip("/")}
        self.reddit = praw.Reddit(
            client_id=parts[0], client_secret=parts[1], refresh_token=parts[2] if len(parts) == 3 else None,
            user_agent=options.user_agent, check_for_updates=False, check_for_async=False,
            requestor_kwargs={"session": session}, timeout=int(options.timeout), **urls,
        )
        self._state = RateLimitState()
        self._pending: list[str] = []

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run one call through praw, translating its errors into ours: the
        host and the cause in words, never the app's credentials."""
        import prawcore

        host = self.host
        try:
            result = call()
        except prawcore.exceptions.TooManyRequests as exc:
            headers = dict(exc.response.headers)
            raise RateLimitedError(say(host, "rate limited (HTTP 429)", what), wait=wait_from_headers(headers)) from None
        except prawcore.exceptions.ServerError as exc:
            raise TransientError(say(host, f"server error (HTTP {exc.response.status_code})", what)) from None
        except prawcore.exceptions.RequestException as exc:
            raise TransientError(say(host, network_cause(exc), what)) from None
        except prawcore.exceptions.OAuthException:
            raise ConnectorError(say(host, "Reddit refused the app's credentials", what)) from None
        except prawcore.exceptions.ResponseException as exc:
            status = exc.response.status_code
            if status == 401:
                raise ConnectorError(say(host, "Reddit refused the app's credentials (HTTP 401)", what)) from None
            raise ConnectorError(say(host, f"the server refused the request (HTTP {status})", what)) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise TransientError(say(host, f"unreadable response ({type(exc).__name__})", what)) from None
        state_from_headers(self._tap.headers, self._state)
        return result

    def _listings(self, query: str, limit: int) -> list[Callable[[], Iterable[Any]]]:
        if query.startswith("r/") and ":" in query:
            sub, _, words = query[2:].partition(":")
            return [lambda: self.reddit.subreddit(sub).search(words, sort="new", time_filter="all", limit=limit)]
        if query.startswith("r/"):
            sub = query[2:]
            return [
                lambda: self.reddit.subreddit(sub).new(limit=limit),
                lambda: self.reddit.subreddit(sub).comments(limit=limit),
            ]
        return [lambda: self.reddit.subreddit("all").search(query, sort="new", time_filter="all", limit=limit)]

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        newest: dict[str, float] = dict((checkpoint or {}).get("newest") or {})
        if not self._pending:
            self._pending = list(self.queries)
        query = self._pending[0]
        since = newest.get(query)
        batch = Batch(done=False)
        top = since
        for listing in self._listings(query, FIRST_RUN if since is None else LIMIT):

            def read(listing: Callable[[], Iterable[Any]] = listing) -> list[Any]:
                out = []
                for thing in listing():
                    created = float(vars(thing)["created_utc"])
                    if since is not None and created < since:
                        break
                    out.append(thing)
                return out

            for thing in self._call(f"listing {query!r}", read):
                batch.seen += 1
                top = max(top or 0.0, float(vars(thing)["created_utc"]))
                self._add(thing, batch)
        if top is not None:
            newest[query] = top
        self._pending.pop(0)  # only once read: a retried fetch reads the same query again
        batch.checkpoint = {"newest": newest}
        batch.done = not self._pending
        return batch

    def _add(self, thing: Any, batch: Batch) -> None:
        data = vars(thing)  # praw objects fetch missing attributes lazily: read only what came
        fullname = str(thing.fullname)
        body = str(data.get("body") if fullname.startswith("t1_") else data.get("selftext") or "")
        if data.get("author") is None and body.strip() in _GONE:
            batch.deletions.append(Deletion("reddit", fullname, datetime.now(UTC)))
            return
        message = self.normalise(thing)
        edited = data.get("edited")
        if edited and not isinstance(edited, bool):
            batch.edits.append(Edit(message, datetime.fromtimestamp(float(edited), UTC)))
        else:
            batch.items.append(message)

    def normalise(self, thing: Any) -> ParsedMessage:
        data = vars(thing)
        fullname = str(thing.fullname)
        author = data.get("author")
        handle = str(author.name) if author is not None else "[deleted]"
        if fullname.startswith("t1_"):
            text = str(data.get("body") or "")
            kind = MessageKind.COMMENT
            parent = str(data["parent_id"])
        else:
            title, body = str(data.get("title") or ""), str(data.get("selftext") or "")
            text = f"{title}\n\n{body}" if body else title
            kind = MessageKind.POST
            parent = None
        permalink = data.get("permalink")
        return ParsedMessage(
            platform="reddit", platform_id=fullname, author=handle,
            author_id=str(data.get("author_fullname") or "") or None,
            text=text, created_at=datetime.fromtimestamp(float(data["created_utc"]), UTC), kind=kind,
            url=f"https://www.reddit.com{permalink}" if permalink else None, reply_to_id=parent,
            mentions=find_mentions(text.replace("u/", "@")), hashtags=find_hashtags(text), links=find_links(text),
            metrics={"score": int(data.get("score") or 0), "replies": int(data.get("num_comments") or 0)},
            raw={"fullname": fullname, "subreddit": str(data.get("subreddit") or ""),
                 "link_id": str(data.get("link_id") or "") or None},
        )

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        fullname = target.platform_id
        parent: Any
        if fullname.startswith("t1_"):
            parent = self.reddit.comment(fullname[3:])
        elif fullname.startswith("t3_"):
            parent = self.reddit.submission(fullname[3:])
        else:
            raise ConnectorError(f"{self.config.name}: {fullname!r} is not a Reddit post or comment")
        comment = self._call("publish", lambda: parent.reply(text))
        if comment is None:
            raise ConnectorError(f"{self.config.name}: Reddit accepted the reply but returned no comment")
        message = self.normalise(comment)
        message.reply_to_id = fullname
        return message

    def rate_limit_state(self) -> RateLimitState:
        return self._state

    def close(self) -> None:
        pass

"""An X/Twitter archive's data/tweets.js, with account.js beside it naming the owner."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from goodwill.domain import ParsedMessage
from goodwill.errors import ImportFileError
from goodwill.ingest.readers.fields import Fields, build_message, clean
from goodwill.ingest.readers.lines import decoded_lines, json_error, resolve_encoding
from goodwill.ingest.readers.options import ImportOptions

_YTD_PREFIX = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")


def _ytd(path: Path, encoding: str) -> Any:
    body = "".join(line for _, line in decoded_lines(path, encoding))
    prefix = _YTD_PREFIX.match(body)
    skipped = body[: prefix.end()] if prefix else ""
    try:
        return orjson.loads(body[len(skipped) :])
    except orjson.JSONDecodeError as exc:
        # Positions count from after the `window.YTD... =` prefix: count them from the file's start.
        line = exc.lineno + skipped.count("\n")
        column = exc.colno + (len(skipped) - skipped.rfind("\n") - 1 if exc.lineno == 1 else 0)
        raise json_error(path, exc, "not an X archive data file", line=line, column=column) from None


def _archive_owner(path: Path, options: ImportOptions) -> tuple[str, str | None, str | None]:
    """(handle, user id, display name) of the archive's owner: --author, else account.js beside it."""
    account_js = path.with_name("account.js")
    if account_js.is_file():
        data = _ytd(account_js, resolve_encoding(account_js, None))
        try:
            account = data[0]["account"]
            owner = (account["username"], account.get("accountId"), account.get("accountDisplayName"))
        except (LookupError, TypeError):
            raise ImportFileError(str(account_js), None, "account.username", "is missing") from None
        if options.author is None or options.author.lstrip("@").casefold() == owner[0].casefold():
            return owner
    if options.author:
        return options.author.lstrip("@"), None, None
    raise ImportFileError(
        str(path), None, None, "tweets.js does not name its author: pass --author HANDLE or keep account.js beside it"
    )


def read_tweets_js(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """An X/Twitter archive's data/tweets.js (`window.YTD.tweets.part0 = [...]`)."""
    data = _ytd(path, encoding)
    if not isinstance(data, list):
        raise ImportFileError(str(path), None, None, "expected a list of tweets")
    handle, user_id, name = _archive_owner(path, options)
    columns = {n: n for n in ("id_str", "full_text", "created_at", "in_reply_to_status_id_str", "favorite_count", "retweet_count")}
    for index, item in enumerate(data, 1):
        tweet = item.get("tweet", item) if isinstance(item, dict) else None
        if not isinstance(tweet, dict):
            raise ImportFileError(str(path), None, None, f"record {index} is not a tweet object")
        f = Fields(path, -index, tweet, columns)
        found = tweet.get("entities")
        entities: dict[str, Any] = found if isinstance(found, dict) else {}
        text = f.text("full_text") or clean(str(tweet.get("text") or ""))
        metrics = {"likes": f.integer("favorite_count"), "reposts": f.integer("retweet_count")}
        yield build_message(
            f,
            platform=options.platform or "twitter",
            platform_id=f.identifier("id_str", required=True) or "",
            author=handle,
            text=text,
            created_at=f.time("created_at", options.default_tz),
            raw=tweet,
            reply_to_id=f.identifier("in_reply_to_status_id_str"),
            author_id=user_id,
            author_name=name,
            url=f"https://x.com/{handle}/status/{tweet.get('id_str')}",
            mentions=_entity_strings(entities, "user_mentions", "screen_name"),
            hashtags=_entity_strings(entities, "hashtags", "text"),
            links=_entity_strings(entities, "urls", "expanded_url"),
            metrics={k: v for k, v in metrics.items() if v is not None},
        )


def _entity_strings(entities: Mapping[str, Any], kind: str, key: str) -> list[str]:
    """The non-empty strings at `key` in the list `entities[kind]`, each once."""
    items = entities.get(kind)
    if not isinstance(items, list):
        return []
    out: list[str] = []
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str) and (value := clean(value)).strip() and value not in out:
            out.append(value)
    return out


"""The tone check of a draft reply, for every shell and for the services that send replies.

`check_reply` is what a service that sends a reply calls before sending (it
is advice: nothing here refuses a reply); `check_draft` does the same inside
a caller's transaction. Both read the message the draft answers (its text is
the question, its platform the default), ask the knowledge base for the
articles that fit that message, and run the pure check of
`goodwill.inbox.tone`. A service that sends the reply anyway records
`overridden(result)`, the codes of the flags it was sent despite, in its
audit entry, as `goodwill reply` does (`tone_overridden`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from goodwill.domain.team import Actor, Role
from goodwill.domain.tone import Article, ToneCheck
from goodwill.errors import FieldError
from goodwill.inbox import tone as rules
from goodwill.service.audit import require
from goodwill.store import Connection, Store
from goodwill.store.messages import message_text

#: The longest draft the check reads (a Reddit comment holds 10,000 characters).
MAX_DRAFT = 10_000
#: Platforms the check knows the limits and habits of; others are checked without a length limit.
PLATFORMS = ("bluesky", "mastodon", "reddit", "twitter", "x", "threads", "rss")
#: How many of the knowledge base's articles for the message the check weighs.
ARTICLES = 3

#: Finds knowledge-base articles for a customer's text inside a transaction: (conn, text, top) -> articles.
ArticleFinder = Callable[[Connection, str, int], Sequence[Article]]
_finder: ArticleFinder | None = None


def use_articles(finder: ArticleFinder | None) -> None:
    """Set where the check finds articles that fit a message (the knowledge base registers itself)."""
    global _finder
    _finder = finder


def _articles(conn: Connection, text: str) -> tuple[Article, ...]:
    if _finder is None:
        import goodwill.service.knowledge  # noqa: F401  (registers the knowledge base's finder)
    if _finder is None or not text.strip():
        return ()
    return tuple(_finder(conn, text, ARTICLES))


def _platform(platform: str | None) -> str | None:
    if platform is None or not platform.strip():
        return None
    platform = platform.strip().lower()
    if platform not in PLATFORMS:
        raise FieldError("platform", f"{platform!r}: choose one of {', '.join(PLATFORMS)}")
    return platform


def _check_text(text: str) -> None:
    if not text.strip():
        raise FieldError("text", "is empty")
    if len(text) > MAX_DRAFT:
        raise FieldError("text", f"{len(text):,} characters; the check reads drafts of up to {MAX_DRAFT:,}")


def check_draft(
    conn: Connection,
    text: str,
    *,
    message_id: int | None = None,
    platform: str | None = None,
    articles: Sequence[Article] | None = None,
) -> ToneCheck:
    """Check draft `text`, a reply to stored message `message_id` (its text is the question, its platform the
    default), on `platform`, inside the caller's transaction. `articles` overrides the knowledge base's
    articles for the message."""
    _check_text(text)
    platform = _platform(platform)
    question: str | None = None
    if message_id is not None:
        answered_platform, question = message_text(conn, message_id)
        platform = platform or _platform(answered_platform if answered_platform in PLATFORMS else None)
        if articles is None:
            articles = _articles(conn, question)
    return rules.check(text, platform=platform, question=question, articles=articles or ())


def check_reply(
    store: Store, actor: Actor, text: str, *, message_id: int | None = None, platform: str | None = None,
) -> ToneCheck:
    """The tone check of a reply to stored message `message_id` (or of a draft alone); agents and up.
    What `goodwill reply` and any other service that sends replies call before sending."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return check_draft(conn, text, message_id=message_id, platform=platform)


def tone_check(
    store: Store, actor: Actor, text: str, *, message_id: int | None = None, platform: str | None = None,
) -> dict[str, Any]:
    """The tone check as plain data (`goodwill tone-check`, `POST /api/v1/tone-check`, the pages)."""
    result = check_reply(store, actor, text, message_id=message_id, platform=platform)
    return {**result.as_dict(), "message_id": message_id}


def overridden(result: ToneCheck) -> list[str]:
    """What an audit entry records of a reply sent despite its flags: their codes."""
    return result.codes

"""Publishing a reply through the platform a message came from.

A reply goes out through a source configured for the message's platform
(one with the brand's credentials), and the published message is stored
through the shared ingest path as the brand's reply in the thread: it is
flagged as the brand's and replies to the message answered, so the thread
counts it as answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from goodwill.connectors.credentials import redact, resolve_token
from goodwill.domain.sources import ReplyTarget, SourceConfig
from goodwill.errors import ConfigError, ConnectorError, NotFoundError
from goodwill.ingest.listen import ConnectorFactory, ListenOptions, make_connector
from goodwill.ingest.writer import StreamWriter
from goodwill.store.db import Store
from goodwill.store.sources import list_sources
from goodwill.store.tables import accounts, messages

#: Source platforms that can publish to each message platform, best first.
PUBLISHERS = {"mastodon": ("mastodon",), "bluesky": ("bluesky",), "reddit": ("reddit",)}


@dataclass
class ReplyPlan:
    """What a reply would do (a dry run), or did (`published_id` set)."""

    message_id: int
    platform: str
    in_reply_to: str
    in_reply_to_author: str
    source: str
    text: str
    published_id: str | None = None
    url: str | None = None
    stored_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _target(store: Store, message_id: int) -> ReplyTarget:
    with store.begin() as conn:
        row = conn.execute(
            select(
                messages.c.platform, messages.c.platform_id, messages.c.thread_root_id, messages.c.raw,
                messages.c.url, messages.c.deleted_at, accounts.c.handle,
            ).join(accounts, accounts.c.id == messages.c.account_id).where(messages.c.id == message_id)
        ).first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id} (ids are shown by `goodwill search --json`)")
    if row.deleted_at is not None:
        raise ConfigError(f"message {message_id} was deleted by its author; there is nothing to reply to")
    return ReplyTarget(
        platform=row.platform, platform_id=row.platform_id, author=row.handle, thread_root_id=row.thread_root_id,
        raw=dict(row.raw or {}), url=row.url,
    )


def _publisher(store: Store, target: ReplyTarget) -> SourceConfig:
    platform = target.platform
    with store.begin() as conn:
        configured = [c for _, c in list_sources(conn, enabled_only=True)]
    # A Mastodon status can only be answered from its own instance's API.
    host = target.platform_id.rpartition(":")[0] if platform == "mastodon" else None
    for wanted in PUBLISHERS.get(platform, ()):
        for config in configured:
            if config.platform == wanted and config.token_env and (host is None or urlsplit(config.url or "").netloc == host):
                return config
    if platform not in PUBLISHERS:
        raise ConfigError(f"Goodwill cannot publish to {platform!r}; reply there by hand")
    if host:
        raise ConfigError(
            f"no mastodon source on {host} with credentials to publish through: "
            f"`goodwill sources add NAME --platform mastodon --url https://{host} --token-env VAR`"
        )
    raise ConfigError(
        f"no {platform} source with credentials to publish through: "
        f"`goodwill sources add NAME --platform {PUBLISHERS[platform][0]} --account HANDLE --token-env VAR`"
    )


def reply(
    store: Store,
    message_id: int,
    text: str,
    *,
    send: bool,
    environ: Mapping[str, str],
    secrets: Path,
    options: ListenOptions | None = None,
    factory: ConnectorFactory = make_connector,
) -> ReplyPlan:
    """Plan a reply to stored message `message_id`; with `send`, publish and store it."""
    if not text.strip():
        raise ConfigError("--text is empty")
    target = _target(store, message_id)
    config = _publisher(store, target)
    plan = ReplyPlan(message_id, target.platform, target.platform_id, target.author, config.name, text)
    if not send:
        return plan
    token = resolve_token(config, environ, secrets)
    try:
        connector = factory(config, token, options or ListenOptions())
        try:
            published = connector.publish_reply(target, text)
        finally:
            connector.close()
    except ConnectorError as exc:
        raise ConnectorError(redact(f"publishing through {config.name!r} failed: {exc}", [token])) from None
    published.is_brand = True
    published.reply_to_id = published.reply_to_id or target.platform_id
    published.raw = {**published.raw, "published_by": "goodwill", "in_reply_to_message": message_id}
    with StreamWriter(store, f"reply:{config.name}", kind="reply", fmt=target.platform) as writer:
        writer.write([published])
    with store.begin() as conn:
        plan.stored_id = conn.execute(
            select(messages.c.id).where(
                messages.c.platform == published.platform, messages.c.platform_id == published.platform_id
            )
        ).scalar()
    plan.published_id = published.platform_id
    plan.url = published.url
    return plan

"""Live sources: add, list, remove, enable, disable and try them.

Changing a source needs the manager role and is audited (`source.add`,
`source.remove`, `source.enable`, `source.disable`) in the same transaction
as the change. Listing needs an agent; trying a source (`test`) a manager,
since it uses the source's credential.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from goodwill.config import Settings
from goodwill.connectors.base import Backoff
from goodwill.connectors.credentials import secrets_path
from goodwill.domain.sources import BACKFILL_PLATFORMS, DEFAULT_BACKFILL, SOURCE_PLATFORMS, Batch, SourceConfig
from goodwill.domain.team import Actor, Role
from goodwill.domain.timeparse import parse_time
from goodwill.errors import ConfigError
from goodwill.ingest.listen import ListenOptions, try_source
from goodwill.service.audit import record, require
from goodwill.store import Store
from goodwill.store import sources as stored

__all__ = [
    "BACKFILL_PLATFORMS", "DEFAULT_BACKFILL", "SOURCE_PLATFORMS", "SOURCES_ROLE", "add_source", "check_source",
    "list_sources", "listen_options", "new_source", "remove_source", "set_enabled", "test_source",
]

#: The role changing (or trying) a source needs.
SOURCES_ROLE = Role.MANAGER
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def listen_options(settings: Settings) -> ListenOptions:
    """How sources fetch: timeouts and backoff from the settings."""
    return ListenOptions(
        backoff=Backoff(base=settings.listen_backoff_base, max_wait=settings.listen_max_wait, attempts=settings.listen_attempts),
        timeout=settings.listen_timeout,
    )


def check_source(config: SourceConfig) -> SourceConfig:
    """Check that a source has what its platform needs, naming the missing option."""
    name, platform = config.name.strip(), config.platform
    if platform not in SOURCE_PLATFORMS:
        raise ConfigError(f"--platform {platform!r}: use one of {', '.join(SOURCE_PLATFORMS)}")
    if not name or len(name) > 100:
        raise ConfigError("a source's name must be 1 to 100 characters")
    if platform in ("mastodon", "jetstream", "rss") and not config.url:
        raise ConfigError(f"a {platform} source needs --url (" + {
            "mastodon": "the instance, e.g. https://mastodon.social",
            "jetstream": "a Jetstream /subscribe endpoint, e.g. wss://jetstream2.us-east.bsky.network/subscribe",
            "rss": "the feed's address",
        }[platform] + ")")
    if config.url is not None and config.url.split("://", 1)[0] not in ("http", "https", "ws", "wss"):
        raise ConfigError(f"--url {config.url!r}: give an http(s):// or ws(s):// URL")
    if config.token_env is not None and not _VARIABLE.match(config.token_env):
        raise ConfigError(f"--token-env {config.token_env!r}: give the NAME of a variable (letters, digits, _), not its value")
    if platform == "bluesky" and not (config.account and config.token_env):
        raise ConfigError(
            "a bluesky source needs --account (the brand's handle, e.g. halcyonbikes.bsky.social) "
            "and --token-env (the variable holding an app password)"
        )
    if platform == "reddit" and not config.token_env:
        raise ConfigError(
            "a reddit source needs --token-env: the variable holding CLIENT_ID:CLIENT_SECRET "
            "(or CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN to reply)"
        )
    if platform not in BACKFILL_PLATFORMS and config.backfill_since is not None:
        raise ConfigError(f"--backfill and --since: only {' and '.join(BACKFILL_PLATFORMS)} sources read back")
    return SourceConfig(
        name=name, platform=platform, url=config.url, queries=config.queries, account=config.account,
        token_env=config.token_env, schedule_seconds=config.schedule_seconds,
        backfill_posts=config.backfill_posts if platform in BACKFILL_PLATFORMS else None,
        backfill_since=config.backfill_since,
    )


def new_source(
    name: str, platform: str, *, url: str | None = None, queries: tuple[str, ...] = (), account: str | None = None,
    token_env: str | None = None, every: int = 300, backfill: int | None = None, since: str | None = None,
) -> SourceConfig:
    """A source's configuration from `sources add`'s options, checked: a new
    Mastodon or Bluesky source reads back `backfill` posts per query (default
    1,000), or back to the date `since`, on its first run."""
    if (backfill is not None or since is not None) and platform not in BACKFILL_PLATFORMS:
        raise ConfigError(f"--backfill and --since: only {' and '.join(BACKFILL_PLATFORMS)} sources read back")
    try:
        since_at = parse_time(since) if since is not None else None
    except ValueError as exc:
        raise ConfigError(f"--since {since!r}: {exc}") from None
    if platform not in BACKFILL_PLATFORMS:
        posts = None
    else:  # --since alone bounds by time only
        posts = backfill if backfill is not None else (None if since_at is not None else DEFAULT_BACKFILL)
    return check_source(SourceConfig(
        name=name, platform=platform, url=url, queries=queries, account=account, token_env=token_env,
        schedule_seconds=every, backfill_posts=posts, backfill_since=since_at,
    ))


def add_source(store: Store, actor: Actor, config: SourceConfig) -> SourceConfig:
    require(actor, SOURCES_ROLE)
    config = check_source(config)
    with store.begin() as conn:
        stored.add_source(conn, config)
        record(conn, actor, "source.add", config.name, platform=config.platform, url=config.url,
               queries=list(config.queries), account=config.account, token_env=config.token_env,
               every=config.schedule_seconds)
    return config


def list_sources(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Every source with its checkpoint, counts and last error, as plain data."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return stored.source_table(conn)


def remove_source(store: Store, actor: Actor, name: str) -> None:
    require(actor, SOURCES_ROLE)
    with store.begin() as conn:
        _, config = stored.get_source(conn, name)
        stored.remove_source(conn, name)
        record(conn, actor, "source.remove", name, platform=config.platform)


def set_enabled(store: Store, actor: Actor, name: str, enabled: bool) -> bool:
    """Enable or disable a source; returns whether that changed anything (audited only then)."""
    require(actor, SOURCES_ROLE)
    with store.begin() as conn:
        before = stored.set_enabled(conn, name, enabled)
        if before != enabled:
            record(conn, actor, "source.enable" if enabled else "source.disable", name)
    return before != enabled


def test_source(
    store: Store, actor: Actor, settings: Settings, name: str, *, environ: Mapping[str, str],
    secrets: Path | None = None,
) -> Batch:
    """Fetch one batch from a source and return it, storing nothing."""
    require(actor, SOURCES_ROLE)
    with store.begin() as conn:
        source_id, config = stored.get_source(conn, name)
        checkpoint = stored.load_checkpoint(conn, source_id)
    return try_source(
        config, checkpoint, environ=environ, secrets=secrets or secrets_path(settings.workspace, environ),
        options=listen_options(settings),
    )

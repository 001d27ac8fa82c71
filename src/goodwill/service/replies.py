"""Publishing a reply through the platform a message came from.

A reply goes out through a source configured for the message's platform
(one with the brand's credentials), and the published message is stored
through the shared ingest path as the brand's reply in the thread: it is
flagged as the brand's and replies to the message answered, so the thread
counts it as answered.

Replying needs the agent role. A reply that is sent is public: its audit
entry (`reply.send`, with the published id) is written in the same
transaction as the stored reply. Every reply is tone-checked first
(`service.tone.check_reply`, with the knowledge base's articles for the message): the flags come back with the plan, so a dry run
shows them before anything is sent; sending anyway is allowed, and the codes
of the flags overridden are recorded in the `reply.send` entry
(`tone_overridden`). Should storing fail after the platform
accepted the reply, the entry is still written on its own, and the error says
that the reply is public but not stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from goodwill.config import Settings
from goodwill.connectors.credentials import redact, resolve_token, secrets_path
from goodwill.domain.sources import ReplyTarget, SourceConfig
from goodwill.domain.team import Actor, Role
from goodwill.errors import ConfigError, ConnectorError, PermissionDeniedError, StoreError
from goodwill.ingest.listen import ConnectorFactory, ListenOptions, make_connector
from goodwill.ingest.writer import StreamResult, StreamWriter
from goodwill.service.audit import record, require
from goodwill.service.cases import on_new_messages
from goodwill.service.sources import listen_options
from goodwill.service.tone import check_reply, overridden
from goodwill.store import Connection, Store
from goodwill.store import cases as case_store
from goodwill.store.messages import message_id as stored_message_id
from goodwill.store.messages import reply_target
from goodwill.store.sources import list_sources

#: Source platforms that can publish to each message platform, best first.
PUBLISHERS = {"mastodon": ("mastodon",), "bluesky": ("bluesky",), "reddit": ("reddit",)}
#: The role replying needs.
REPLY_ROLE = Role.AGENT


@dataclass
class ReplyPlan:
    """What a reply would do (a dry run), or did (`published_id` set)."""

    message_id: int
    platform: str
    in_reply_to: str
    in_reply_to_author: str
    source: str | None  # None: no source can publish it yet (`note` says what is missing)
    text: str
    published_id: str | None = None
    note: str | None = None
    url: str | None = None
    stored_id: int | None = None
    #: the tone check's flags on the text (each a dict: code, severity, why, fix, words); advice only
    tone: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _publisher(store: Store, target: ReplyTarget) -> SourceConfig:
    """The source to publish a reply to `target` through, or a ConfigError
    saying what is missing (never the command the user just ran)."""
    platform = target.platform
    if platform not in PUBLISHERS:
        where = f" ({target.url})" if target.url else ""
        raise ConfigError(f"Goodwill cannot publish to {platform!r}; reply there by hand{where}")
    with store.begin() as conn:
        configured = [c for _, c in list_sources(conn)]
        enabled = {c.name for _, c in list_sources(conn, enabled_only=True)}
    # A Mastodon status can only be answered through its own instance's API:
    # its id is `instance:status id`, as the instance's source stored it.
    host: str | None = None
    if platform == "mastodon":
        host = target.platform_id.rpartition(":")[0] or None
        if host is None:
            raise ConfigError(
                f"mastodon message {target.platform_id!r} does not name the instance it was read from, "
                "so no source can answer it; reply there by hand" + (f" ({target.url})" if target.url else "")
            )
    fitting = [
        c for c in configured
        if c.platform in PUBLISHERS[platform] and (host is None or urlsplit(c.url or "").netloc == host)
    ]
    for config in fitting:
        if config.name in enabled and config.token_env:
            return config
    disabled = [c.name for c in fitting if c.token_env and c.name not in enabled]
    if disabled:
        raise ConfigError(f"source {disabled[0]!r} could publish this reply but is disabled: "
                          f"`goodwill sources enable {disabled[0]}`")
    if fitting:
        name = fitting[0].name
        raise ConfigError(
            f"source {name!r} has no credential to publish with: remove it (`goodwill sources remove {name}`) "
            "and add it again with --token-env VAR naming the variable that holds the token"
        )
    if host is not None:
        raise ConfigError(
            f"no mastodon source on {host} to publish through: add one with "
            f"`goodwill sources add NAME --platform mastodon --url https://{host} --token-env VAR`"
        )
    raise ConfigError(
        f"no {platform} source with credentials to publish through: add one with "
        f"`goodwill sources add NAME --platform {PUBLISHERS[platform][0]} --account HANDLE --token-env VAR`"
    )


def _check_approval(conn: Connection, actor: Actor, message_id: int) -> None:
    """PermissionDeniedError when `actor`'s reply to this message must wait for a manager's approval."""
    from goodwill.service.approval import needs_approval

    case_id = case_store.of_message(conn, message_id)
    if case_id is None:
        return
    why = needs_approval(conn, actor, case_store.get(conn, case_id))
    if why is not None:
        raise PermissionDeniedError(
            f"replies in case {case_id} need a manager's approval ({why}): "
            f"`goodwill cases reply {case_id} --text ... --send` holds yours for one")


def reply(
    store: Store,
    actor: Actor,
    message_id: int,
    text: str,
    *,
    send: bool,
    environ: Mapping[str, str],
    settings: Settings | None = None,
    secrets: Path | None = None,
    options: ListenOptions | None = None,
    factory: ConnectorFactory = make_connector,
    on_stored: Callable[[Connection, ReplyPlan], None] | None = None,
    audit_extra: Mapping[str, Any] | None = None,
) -> ReplyPlan:
    """Plan a reply to stored message `message_id`; with `send`, publish and store it.

    An agent's reply in a case whose replies need a manager's approval (`goodwill.service.approval`) is
    refused here: `goodwill.service.cases.reply` holds it for approval instead.

    :param settings: where the secrets file and the listening options come from
        (`secrets` and `options` override them)
    :param on_stored: called with the plan in the transaction that stores the sent reply
    :param audit_extra: more details for the `reply.send` entry"""
    require(actor, REPLY_ROLE)
    if not text.strip():
        raise ConfigError("--text is empty")
    with store.begin() as conn:
        target = reply_target(conn, message_id)
        if send:
            _check_approval(conn, actor, message_id)
    tone = check_reply(store, actor, text, message_id=message_id)
    flags = [f.as_dict() for f in tone.flags]
    if not send:
        plan = ReplyPlan(message_id, target.platform, target.platform_id, target.author, None, text, tone=flags)
        try:
            plan.source = _publisher(store, target).name
        except ConfigError as exc:  # a dry run still shows the reply, and what sending it needs
            plan.note = str(exc)
        return plan
    config = _publisher(store, target)
    plan = ReplyPlan(message_id, target.platform, target.platform_id, target.author, config.name, text, tone=flags)
    if secrets is None:
        secrets = secrets_path(settings.workspace if settings else Path("."), environ)
    if options is None:
        options = listen_options(settings) if settings else ListenOptions()
    token = resolve_token(config, environ, secrets)
    try:
        connector = factory(config, token, options)
        try:
            published = connector.publish_reply(target, text)
        finally:
            connector.close()
    except ConnectorError as exc:
        raise ConnectorError(redact(f"publishing through {config.name!r} failed: {exc}", [token])) from None
    published.is_brand = True
    published.reply_to_id = published.reply_to_id or target.platform_id
    published.raw = {**published.raw, "published_by": "goodwill", "in_reply_to_message": message_id}
    plan.published_id = published.platform_id
    plan.url = published.url
    details = {"platform": target.platform, "in_reply_to": target.platform_id, "source": config.name,
               "published_id": published.platform_id, "url": published.url, "tone_overridden": overridden(tone),
               **(audit_extra or {})}

    def store_with_audit(conn: Connection, _result: StreamResult) -> None:
        plan.stored_id = stored_message_id(conn, published.platform, published.platform_id)
        record(conn, actor, "reply.send", f"message {message_id}", stored_id=plan.stored_id, **details)
        if on_stored is not None:
            on_stored(conn, plan)

    try:
        with StreamWriter(
            store, f"reply:{config.name}", kind="reply", fmt=target.platform, on_new=on_new_messages(actor)
        ) as writer:
            writer.write([published], also=store_with_audit)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        try:
            with store.begin() as conn:
                record(conn, actor, "reply.send", f"message {message_id}", stored_id=None, store_error=problem, **details)
        except Exception:  # noqa: BLE001 - the store is failing; the message below says what is public
            pass
        raise StoreError(
            f"the reply was published on {target.platform} as {published.platform_id}"
            + (f" ({published.url})" if published.url else "")
            + f" but storing it failed: {problem}; it is public, do not send it again"
        ) from exc
    return plan

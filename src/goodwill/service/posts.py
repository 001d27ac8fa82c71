"""Publishing the brand's own posts: drafts scheduled per channel, read for
give-or-take and tone-checked before they are scheduled, and published once
through the channel's connector at their time.

A channel is a configured source with the brand's credentials on a platform
whose connector can publish a post (`publish_post`). Every change takes an
actor (agents and up) and writes its audit entry in the same transaction.

Publishing goes out exactly once: a due post is claimed in a transaction
(status `scheduled` -> `publishing`, with a fresh claim token); the platform is
called with the post's idempotency key; the published status is stored as the
brand's message and the post marked `published` in one transaction with its
audit entry. When the publisher stops between the platform's answer and that
record, the claim goes stale and the next run publishes again with the same
key: the platform answers with the status it already made (Mastodon keeps
`Idempotency-Key` for an hour), so nothing goes out twice.
"""

from __future__ import annotations

import secrets as token_bytes
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.advocacy import collaborations as collab_rules
from goodwill.advocacy import plan as plan_rules
from goodwill.config import Settings
from goodwill.connectors.credentials import redact, resolve_token, secrets_path
from goodwill.domain.sources import SourceConfig
from goodwill.domain.team import Actor, Role
from goodwill.domain.timeparse import iso_utc, parse_time
from goodwill.errors import ConfigError, ConnectorError, FieldError, StoreError, TransientError
from goodwill.ingest.listen import ConnectorFactory, ListenOptions, make_connector
from goodwill.ingest.writer import StreamResult, StreamWriter
from goodwill.service.audit import record, require
from goodwill.service.giving import own_messages, read_draft
from goodwill.service.sources import add_source, listen_options, set_enabled
from goodwill.service.tone import check_draft
from goodwill.store import Connection, Store
from goodwill.store import posts as stored
from goodwill.store.messages import message_id as stored_message_id
from goodwill.store.sources import get_source

#: The role drafting, scheduling, cancelling and publishing need.
POST_ROLE = Role.AGENT
#: Platforms whose connector publishes a post of the brand's own.
POST_PLATFORMS = ("mastodon",)
#: What a collaboration post is marked as.
COLLABORATIONS = ("sponsored", "pitched")
#: How long a claim may stay unrecorded before another run takes it over.
RECLAIM_AFTER = timedelta(minutes=5)
MAX_TEXT = 5000


def _now() -> datetime:
    return datetime.now(UTC)


def _channel(conn: Connection, name: str) -> SourceConfig:
    _, config = get_source(conn, name)
    if config.platform not in POST_PLATFORMS:
        raise FieldError("channel", f"source {name!r} is on {config.platform}; Goodwill publishes posts on "
                         + ", ".join(POST_PLATFORMS))
    if not config.token_env:
        raise FieldError("channel", f"source {name!r} has no credential to publish with: add it again with "
                         "--token-env VAR naming the variable that holds the token")
    return config


def parse_at(value: str) -> datetime:
    """The time a post goes out, from `--at` (ISO 8601; without an offset it is UTC)."""
    try:
        return parse_time(value)
    except (ValueError, OverflowError) as exc:
        raise FieldError("at", f"{value!r} is not a time (write e.g. 2026-12-01T09:30Z)") from exc


def _view(post: Mapping[str, Any]) -> dict[str, Any]:
    reasons = list(post["reading_reasons"] or ())
    return {
        "id": post["id"], "channel": post["channel"], "platform": post["platform"], "text": post["text"],
        "status": post["status"], "scheduled_at": iso_utc(post["scheduled_at"]),
        "collaboration": post["collaboration"], "influencer": post["influencer"],
        "reading": {"kind": post["reading_kind"], "subtype": post["reading_subtype"], "reasons": reasons,
                    "reason": "; ".join(reasons)},
        "tone": list(post["tone"] or ()),
        "published_id": post["published_id"], "published_url": post["published_url"],
        "published_at": iso_utc(post["published_at"]), "message_id": post["message_id"],
        "attempts": post["attempts"], "error": post["error"], "created_by": post["created_by"],
        "created_at": iso_utc(post["created_at"]),
    }


def draft(
    store: Store, actor: Actor, text: str, channel: str, *, at: datetime | None = None,
    collaboration: str | None = None, influencer: str | None = None,
) -> dict[str, Any]:
    """Write a draft for `channel` (a source's name), read for give-or-take and tone-checked;
    with `at`, scheduled at once. A collaboration (sponsored or pitched) names its influencer."""
    require(actor, POST_ROLE)
    if not text.strip():
        raise FieldError("text", "the post is empty")
    if len(text) > MAX_TEXT:
        raise FieldError("text", f"{len(text):,} characters; a post may have up to {MAX_TEXT:,}")
    if collaboration is not None and collaboration not in COLLABORATIONS:
        raise FieldError("collaboration", f"{collaboration!r} is not one of {', '.join(COLLABORATIONS)}")
    if collaboration and not (influencer or "").strip():
        raise FieldError("influencer", f"a {collaboration} post names the influencer's handle")
    if influencer and not collaboration:
        raise FieldError("influencer", "is only for a collaboration: add --sponsored or --pitched")
    reading = read_draft(text)
    now = _now()
    with store.begin() as conn:
        config = _channel(conn, channel)
        tone = check_draft(conn, text, platform=config.platform)
        post_id = stored.add_post(
            conn, channel=config.name, platform=config.platform, text=text, status="draft", scheduled_at=None,
            collaboration=collaboration, influencer=(influencer or "").strip().lstrip("@").casefold() or None,
            reading_kind=reading.kind, reading_subtype=reading.subtype, reading_reasons=list(reading.reasons),
            tone=[f.as_dict() for f in tone.flags], idempotency_key=f"goodwill-post-{token_bytes.token_hex(16)}",
            created_by=actor.name, created_at=now,
        )
        record(conn, actor, "post.draft", f"post {post_id}", channel=config.name, reading=reading.kind,
               tone=tone.codes, collaboration=collaboration)
        if at is not None:
            _schedule(conn, actor, post_id, at, now)
        return _with_warnings(conn, _view(stored.get_post(conn, post_id)), now)


def _with_warnings(conn: Connection, post: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`post` with the plan's warnings once it is in the plan (none for a draft)."""
    planned = post["status"] in PLANNED
    return {**post, "warnings": warnings_for(conn, stored.list_posts(conn, statuses=PLANNED), now) if planned else []}


def _schedule(conn: Connection, actor: Actor, post_id: int, at: datetime, now: datetime) -> dict[str, Any]:
    if at < now - timedelta(minutes=1):
        raise FieldError("at", f"{iso_utc(at)} is in the past")
    post = stored.set_status(conn, post_id, "scheduled", expect=("draft", "scheduled", "failed"), scheduled_at=at,
                             error=None)
    record(conn, actor, "post.schedule", f"post {post_id}", at=iso_utc(at), channel=post["channel"])
    return post


def schedule(store: Store, actor: Actor, post_id: int, at: datetime) -> dict[str, Any]:
    """Schedule (or move) post `post_id` to go out at `at`."""
    require(actor, POST_ROLE)
    now = _now()
    with store.begin() as conn:
        return _with_warnings(conn, _view(_schedule(conn, actor, post_id, at, now)), now)


def cancel(store: Store, actor: Actor, post_id: int) -> dict[str, Any]:
    """Cancel a draft or a scheduled post (a published one stays public)."""
    require(actor, POST_ROLE)
    with store.begin() as conn:
        post = stored.set_status(conn, post_id, "cancelled", expect=("draft", "scheduled", "failed"))
        record(conn, actor, "post.cancel", f"post {post_id}")
        return _view(post)


def get(store: Store, actor: Actor, post_id: int) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return _view(stored.get_post(conn, post_id))


def listing(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Every post, scheduled ones by their time, drafts last."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return [_view(p) for p in stored.list_posts(conn)]


#: How far back the brand's past posts are read for its cadence and give ratio.
HISTORY = timedelta(days=90)
#: The statuses a plan's warnings read: what is still to go out.
PLANNED = ("scheduled", "publishing")


def warnings_for(conn: Connection, planned: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The plan's warnings (tips toward taking; gaps and bursts per channel) for `planned` posts."""
    todo = [plan_rules.PlannedPost(p["id"], p["channel"], p["platform"], p["scheduled_at"], p["reading_kind"])
            for p in planned if p["status"] in PLANNED and p["scheduled_at"] is not None]
    if not todo:
        return []
    past = [m for m in own_messages(conn, now - HISTORY, now) if not m.is_reply]
    give = sum(1 for m in past if m.kind == "give")
    counted = give + sum(1 for m in past if m.kind == "take")
    found: list[dict[str, Any]] = []
    tilt = plan_rules.tilt(todo, now, give / counted if counted else None, (give, counted))
    if tilt:
        found.append(tilt)
    for channel, platform in sorted({(p.channel, p.platform) for p in todo}):
        found.extend(plan_rules.cadence(channel, todo, [m.created_at for m in past if m.platform == platform]))
    return found


def plan(store: Store, actor: Actor, *, now: datetime | None = None) -> dict[str, Any]:
    """Every post (scheduled by their time, drafts last) and the warnings on what is planned."""
    require(actor, Role.AGENT)
    now = now or _now()
    with store.begin() as conn:
        rows = stored.list_posts(conn)
        warnings = warnings_for(conn, rows, now)
    return {"posts": [_view(p) for p in rows], "warnings": warnings, "now": iso_utc(now)}


def collaborations(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Each sponsored or pitched post with what it cost: the influencer's network's engagement and
    sentiment toward the influencer and the brand, the window before the post and the window after."""
    require(actor, Role.AGENT)
    found = []
    with store.begin() as conn:
        brand = stored.brand_accounts(conn)
        for post in stored.list_posts(conn):
            if not post["collaboration"] or post["status"] == "cancelled":
                continue
            at = post["published_at"] or post["scheduled_at"]
            item = {"post": _view(post), "influencer": post["influencer"], "collaboration": post["collaboration"],
                    "at": iso_utc(at)}
            influencer = stored.accounts_named(conn, post["influencer"])
            if at is None or not influencer:
                item["why"] = ("not scheduled yet" if at is None
                               else f"no account @{post['influencer']} in the workspace: nothing to compare")
                found.append(item)
                continue
            network = stored.network_of(conn, influencer, brand)
            targets = {**dict.fromkeys(influencer, "influencer"), **dict.fromkeys(brand, "brand")}
            rows = stored.messages_toward(conn, network, list(targets), at - collab_rules.WINDOW,
                                          at + collab_rules.WINDOW)
            toward = [collab_rules.Toward(m, who, targets[target], when, score)
                      for m, who, target, when, score in rows]
            item.update(collab_rules.figures(at, len(network), toward))
            found.append(item)
    return found


@dataclass
class Published:
    """What one run did with one due post."""

    post_id: int
    outcome: str  # published, retry, failed, taken (another publisher holds it)
    published_id: str | None = None
    url: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def publish_due(
    store: Store,
    actor: Actor,
    *,
    environ: Mapping[str, str],
    settings: Settings | None = None,
    secrets: Path | None = None,
    options: ListenOptions | None = None,
    factory: ConnectorFactory = make_connector,
    now: datetime | None = None,
    reclaim_after: timedelta = RECLAIM_AFTER,
) -> list[Published]:
    """Publish every post whose time has come, once each (idempotent: running it again,
    or after a crash, publishes nothing twice)."""
    require(actor, POST_ROLE)
    now = now or _now()
    with store.begin() as conn:
        due = stored.due_ids(conn, now, reclaim_after)
    if secrets is None:
        secrets = secrets_path(settings.workspace if settings else Path("."), environ)
    if options is None:
        options = listen_options(settings) if settings else ListenOptions()
    return [_publish_one(store, actor, post_id, environ, secrets, options, factory, now, reclaim_after)
            for post_id in due]


def _publish_one(
    store: Store, actor: Actor, post_id: int, environ: Mapping[str, str], secrets: Path,
    options: ListenOptions, factory: ConnectorFactory, now: datetime, reclaim_after: timedelta,
) -> Published:
    claim = token_bytes.token_hex(16)
    with store.begin() as conn:
        post = stored.claim(conn, post_id, claim, now, reclaim_after)
        if post is None:
            return Published(post_id, "taken")
        try:
            config = _channel(conn, post["channel"])
        except (ConfigError, LookupError) as exc:
            stored.finish(conn, post_id, claim, status="failed", error=str(exc))
            record(conn, actor, "post.publish", f"post {post_id}", error=str(exc))
            return Published(post_id, "failed", error=str(exc))
    token: str | None = None
    try:
        token = resolve_token(config, environ, secrets)
        connector = factory(config, token, options)
        publish = getattr(connector, "publish_post", None)
        if publish is None:
            raise ConnectorError(f"{config.name}: the {config.platform} connector cannot publish posts")
        try:
            published = publish(post["text"], post["idempotency_key"])
        finally:
            connector.close()
    except (ConnectorError, ConfigError) as exc:
        problem = redact(f"publishing through {config.name!r} failed: {exc}", [token] if token else [])
        retry = isinstance(exc, TransientError)
        with store.begin() as conn:  # a transient failure goes back to the schedule; the key keeps it single
            stored.finish(conn, post_id, claim, status="scheduled" if retry else "failed", error=problem)
            record(conn, actor, "post.publish", f"post {post_id}", error=problem, retry=retry)
        return Published(post_id, "retry" if retry else "failed", error=problem)
    published.is_brand = True
    published.raw = {**published.raw, "published_by": "goodwill", "post": post_id}
    result = Published(post_id, "published", published.platform_id, published.url)

    def record_published(conn: Connection, _result: StreamResult) -> None:
        message = stored_message_id(conn, published.platform, published.platform_id)
        stored.finish(conn, post_id, claim, status="published", published_id=published.platform_id,
                      published_url=published.url, published_at=published.created_at, message_id=message, error=None)
        record(conn, actor, "post.publish", f"post {post_id}", channel=config.name,
               published_id=published.platform_id, url=published.url, stored_id=message)

    try:
        with StreamWriter(store, f"post:{config.name}", kind="post", fmt=config.platform) as writer:
            writer.write([published], also=record_published)
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        raise StoreError(
            f"post {post_id} was published on {config.platform} as {published.platform_id} but recording it failed: "
            f"{problem}; the next `goodwill posts publish-due` records it without publishing it again"
        ) from exc
    return result


#: The demo's channel: a Mastodon account on an instance that does not exist (`.example`), kept disabled,
#: its token in a variable nobody sets, so the demo never publishes anywhere.
DEMO_CHANNEL = SourceConfig(name="halcyon-posts", platform="mastodon", url="https://social.halcyon.example",
                            token_env="HALCYON_DEMO_TOKEN")
#: The demo's plan (days after the newest message, hour, text); scheduled ones first, the draft last.
DEMO_PLAN: tuple[tuple[int | None, int, str], ...] = (
    (2, 9, "Winter riding tip: keep your Drift's battery indoors overnight and charge it at room temperature; "
           "you keep most of its range. The full guide: https://halcyonbikes.example/help/winter-riding"),
    (4, 12, "Black Friday is here! 20% off every Halcyon Drift this weekend only. Order now: "
            "https://halcyonbikes.example/drift"),
    (5, 12, "Pre-order the new Halcyon Loop today and save 15%. Limited stock, order now: "
            "https://halcyonbikes.example/loop"),
    (None, 0, "How do you ride through the winter? Tell us your best tip for cold mornings and we will "
              "share the favourites with everyone."),
)
#: The demo's past collaboration: a sponsored post with Mara, days before the newest message.
DEMO_COLLABORATION = (14, "sponsored", "mara_rides",
                      "Mara has been riding a Drift to work every day for a year. Her river loop, in her words: "
                      "https://halcyonbikes.example/stories/mara #ad")


def seed_demo(store: Store, actor: Actor, newest: datetime) -> dict[str, Any]:
    """The demo's publishing plan on DEMO_CHANNEL (disabled, never publishing): posts scheduled after
    `newest` (the demo's newest message) and a draft, and a sponsored post published before it."""
    add_source(store, actor, DEMO_CHANNEL)
    set_enabled(store, actor, DEMO_CHANNEL.name, False)
    day = newest.replace(hour=0, minute=0, second=0, microsecond=0)
    ids = []
    for after, hour, text in DEMO_PLAN:
        at = None if after is None else max(day + timedelta(days=after, hours=hour), _now() + timedelta(days=1))
        ids.append(draft(store, actor, text, DEMO_CHANNEL.name, at=at)["id"])
    days_before, kind, influencer, text = DEMO_COLLABORATION
    at = day - timedelta(days=days_before) + timedelta(hours=10)
    post = draft(store, actor, text, DEMO_CHANNEL.name, collaboration=kind, influencer=influencer)
    with store.begin() as conn:  # published before the demo began: recorded as such, never sent
        stored.set_status(conn, post["id"], "published", expect=("draft",), scheduled_at=at, published_at=at)
        record(conn, actor, "post.publish", f"post {post['id']}", channel=DEMO_CHANNEL.name, demo=True)
    return {"posts": ids + [post["id"]]}

"""Topics in the store: the messages they are computed from, and the tables
`goodwill topics refresh` rebuilds (topics, message_topics, topic_days,
topic_alerts, share_of_voice); the interaction graph the audience surfaces score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, insert, select

from goodwill.store.tables import (
    accounts,
    interactions,
    message_signals,
    message_topics,
    messages,
    share_of_voice,
    topic_alerts,
    topic_days,
    topics,
)


class SourceMessage(NamedTuple):
    """A message topics are computed from: people's messages, not the brand's, not deleted."""

    id: int
    text: str
    created_at: datetime
    negative: bool
    sentiment: float  # positive minus negative, -1..1; 0 without signals


class Interaction(NamedTuple):
    """One edge of the interaction graph, with the topic of the message behind it."""

    source: str
    target: str
    kind: str
    created_at: datetime
    topic: str | None


def source_messages(conn: Connection) -> list[SourceMessage]:
    """Every message people (not the brand) wrote that is not deleted, oldest first."""
    query = (
        select(messages.c.id, messages.c.text, messages.c.created_at,
               message_signals.c.sentiment, message_signals.c.sentiment_positive, message_signals.c.sentiment_negative)
        .select_from(messages.outerjoin(message_signals, message_signals.c.message_id == messages.c.id))
        .where(messages.c.is_brand.is_(False), messages.c.deleted_at.is_(None), messages.c.kind != "repost")
        .order_by(messages.c.created_at, messages.c.id)
    )
    return [
        SourceMessage(r.id, r.text, r.created_at, r.sentiment == "negative",
                      0.0 if r.sentiment is None else float(r.sentiment_positive - r.sentiment_negative))
        for r in conn.execute(query)
    ]


def replace_all(conn: Connection, *, topic_rows: Sequence[dict[str, Any]], member_rows: Sequence[dict[str, Any]],
                day_rows: Sequence[dict[str, Any]], alert_rows: Sequence[dict[str, Any]],
                voice_rows: Sequence[dict[str, Any]]) -> None:
    """Swap the computed topics for new ones, inside the caller's transaction."""
    for table in (topic_alerts, topic_days, message_topics, share_of_voice, topics):
        conn.execute(delete(table))
    for table, rows in ((topics, topic_rows), (message_topics, member_rows), (topic_days, day_rows),
                        (topic_alerts, alert_rows), (share_of_voice, voice_rows)):
        if rows:
            conn.execute(insert(table), list(rows))


def list_topics(conn: Connection) -> list[dict[str, Any]]:
    """Every topic, biggest first."""
    rows = conn.execute(select(topics).order_by(topics.c.size.desc(), topics.c.id))
    return [dict(r._mapping) for r in rows]


def topic_by_label(conn: Connection, label: str) -> dict[str, Any] | None:
    """The topic named `label` (its label or its first keyphrase, in any case)."""
    wanted = label.strip().lower()
    for topic in list_topics(conn):
        if topic["label"].lower() == wanted or (topic["keyphrases"] and topic["keyphrases"][0].lower() == wanted):
            return topic
    return None


def days(conn: Connection, topic_id: int | None = None) -> list[dict[str, Any]]:
    """Daily messages, negative messages and mean sentiment per topic, oldest first."""
    query = select(topic_days).order_by(topic_days.c.topic_id, topic_days.c.day)
    if topic_id is not None:
        query = query.where(topic_days.c.topic_id == topic_id)
    return [dict(r._mapping) for r in conn.execute(query)]


def list_alerts(conn: Connection, *, since: date | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Alerts, newest day first, the strongest first within a day, with their topic's label."""
    query = (
        select(topic_alerts, topics.c.label)
        .join(topics, topics.c.id == topic_alerts.c.topic_id)
        .order_by(topic_alerts.c.day.desc(), topic_alerts.c.p_value, topic_alerts.c.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(topic_alerts.c.day >= since)
    return [dict(r._mapping) for r in conn.execute(query)]


def example_messages(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The messages with these ids that still exist: id, platform, handle, text, time."""
    if not ids:
        return {}
    query = (
        select(messages.c.id, messages.c.platform, accounts.c.handle, messages.c.text, messages.c.created_at)
        .join(accounts, accounts.c.id == messages.c.account_id)
        .where(messages.c.id.in_(list(ids)), messages.c.deleted_at.is_(None))
    )
    return {r.id: dict(r._mapping) for r in conn.execute(query)}


def voice(conn: Connection) -> list[dict[str, Any]]:
    """Share of voice per period, oldest first, the brand first within a period."""
    query = select(share_of_voice).order_by(share_of_voice.c.period, share_of_voice.c.is_brand.desc(),
                                            share_of_voice.c.mentions.desc(), share_of_voice.c.name)
    return [dict(r._mapping) for r in conn.execute(query)]


def _account_name(platform: str, handle: str) -> str:
    return f"{platform}:{handle}"


def graph(conn: Connection) -> list[Interaction]:
    """Every interaction between accounts, oldest first, named `platform:handle`,
    with the topic of the message behind it (None when it has none)."""
    source, target = accounts.alias("source"), accounts.alias("target")
    query = (
        select(source.c.platform, source.c.handle, target.c.handle.label("target_handle"), interactions.c.kind,
               interactions.c.created_at, topics.c.label)
        .select_from(
            interactions.join(source, source.c.id == interactions.c.source_account_id)
            .join(target, target.c.id == interactions.c.target_account_id)
            .outerjoin(message_topics, message_topics.c.message_id == interactions.c.message_id)
            .outerjoin(topics, topics.c.id == message_topics.c.topic_id)
        )
        .order_by(interactions.c.created_at, interactions.c.id)
    )
    return [
        Interaction(_account_name(r.platform, r.handle), _account_name(r.platform, r.target_handle), r.kind,
                    r.created_at, r.label)
        for r in conn.execute(query)
    ]


def brand_accounts(conn: Connection) -> set[str]:
    """The brand's own accounts, named `platform:handle`."""
    query = select(accounts.c.platform, accounts.c.handle).where(accounts.c.is_brand.is_(True))
    return {_account_name(r.platform, r.handle) for r in conn.execute(query)}


def topics_of_accounts(conn: Connection) -> dict[str, dict[str, int]]:
    """Per account (`platform:handle`), how many of its messages each topic holds."""
    query = (
        select(accounts.c.platform, accounts.c.handle, topics.c.label, func.count().label("n"))
        .select_from(
            message_topics.join(messages, messages.c.id == message_topics.c.message_id)
            .join(accounts, accounts.c.id == messages.c.account_id)
            .join(topics, topics.c.id == message_topics.c.topic_id)
        )
        .group_by(accounts.c.platform, accounts.c.handle, topics.c.label)
    )
    result: dict[str, dict[str, int]] = {}
    for r in conn.execute(query):
        result.setdefault(_account_name(r.platform, r.handle), {})[r.label] = int(r.n)
    return result

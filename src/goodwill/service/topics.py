"""Topics and emerging issues for a workspace: the batch that computes them
(`refresh`, a manager's action, audited as `topics.refresh` in the same
transaction that swaps the tables), and the read side the shells show.

The computing is pure (`goodwill.topics`): this module reads the people's
messages and their sentiment from the store, hands texts and days to the
core, and stores topics, each message's topic, daily figures, alerts with
example messages, and share of voice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from goodwill.domain.team import Actor, Role
from goodwill.errors import NotFoundError
from goodwill.service.audit import now, record, require
from goodwill.store import Store
from goodwill.store import topics as topic_store
from goodwill.store.workspace import load_workspace
from goodwill.topics.cluster import Embed, Topics, find_topics
from goodwill.topics.trends import NEGATIVE, Alert, daily, detect
from goodwill.topics.voice import share_of_voice

__all__ = ["READ_ROLE", "REFRESH_ROLE", "Refreshed", "alerts", "refresh", "topic_trend", "topics", "voice"]

REFRESH_ROLE = Role.MANAGER
READ_ROLE = Role.AGENT
#: Example messages kept with each alert.
EXAMPLES = 3


@dataclass(frozen=True)
class Refreshed:
    """What a refresh found."""

    messages: int
    topics: int
    assigned: int
    alerts: int
    periods: int


def _examples(found: Topics, alert: Alert, day_of: list[date], negative: np.ndarray[Any, Any], ids: list[int]) -> list[int]:
    """The alert's topic's messages of its day: the negative ones first for a
    negative alert, then the most typical of the topic."""
    members = found.members(alert.topic)
    on_day = [int(i) for i in members if day_of[i] == alert.day]
    if alert.kind == NEGATIVE:
        on_day.sort(key=lambda i: not negative[i])
    return [ids[i] for i in on_day[:EXAMPLES]]


def refresh(store: Store, actor: Actor, *, k: int | None = None, embed: Embed | None = None, seed: int = 0,
            progress: Callable[[str], None] | None = None) -> Refreshed:
    """Recompute every topic, daily figure, alert and share of voice from the
    stored messages, and swap them in with one transaction and its audit entry."""
    require(actor, REFRESH_ROLE)
    say = progress or (lambda _: None)
    with store.begin() as conn:
        workspace = load_workspace(conn)
        rows = topic_store.source_messages(conn)
    texts = [r.text for r in rows]
    day_of = [r.created_at.date() for r in rows]
    negative = np.asarray([r.negative for r in rows], dtype=bool)
    sentiment = np.asarray([r.sentiment for r in rows], dtype=np.float64)
    ids = [r.id for r in rows]
    say(f"clustering {len(rows):,} messages")
    found = find_topics(texts, k=k, embed=embed, seed=seed)
    series = daily(found.assignment, day_of, negative, len(found.topics))
    say(f"{len(found.topics)} topics; looking for alerts")
    found_alerts = detect(series)
    brand_terms = [workspace.name, *(h for handles in workspace.brand_accounts.values() for h in handles)]
    voices = share_of_voice(texts, day_of, brand_terms, {c: [c] for c in workspace.competitors},
                            brand_name=workspace.name, by="week")

    at = now()
    topic_rows = [
        {"id": t.id + 1, "label": t.label or f"topic {t.id + 1}", "keyphrases": t.keyphrases, "size": t.size,
         "negative": int(series.negative[t.id].sum()), "computed_at": at}
        for t in found.topics
    ]
    assigned = np.flatnonzero(found.assignment >= 0)
    member_rows = [{"message_id": ids[i], "topic_id": int(found.assignment[i]) + 1,
                    "closeness": round(float(found.closeness[i]), 4)} for i in assigned]
    sums = np.zeros(series.messages.shape)
    if len(assigned):
        first = series.first.toordinal()
        offsets = np.asarray([day_of[i].toordinal() - first for i in assigned], dtype=np.int64)
        np.add.at(sums, (found.assignment[assigned], offsets), sentiment[assigned])
    day_rows = [
        {"topic_id": t + 1, "day": day, "messages": int(series.messages[t, d]), "negative": int(series.negative[t, d]),
         "sentiment": round(float(sums[t, d] / series.messages[t, d]), 4)}
        for t in range(series.messages.shape[0]) for d, day in enumerate(series.days) if series.messages[t, d]
    ]
    alert_rows = [
        {"topic_id": a.topic + 1, "day": a.day, "kind": a.kind, "observed": round(a.observed, 4),
         "expected": round(a.expected, 4), "p_value": a.p_value, "examples": _examples(found, a, day_of, negative, ids)}
        for a in found_alerts
    ]
    voice_rows = [{"period": v.period, "name": v.name, "is_brand": v.is_brand, "mentions": v.mentions,
                   "share": round(v.share, 4)} for v in voices]
    with store.begin() as conn:
        topic_store.replace_all(conn, topic_rows=topic_rows, member_rows=member_rows, day_rows=day_rows,
                                alert_rows=alert_rows, voice_rows=voice_rows)
        record(conn, actor, "topics.refresh", None, messages=len(rows), topics=len(topic_rows),
               assigned=len(member_rows), alerts=len(alert_rows))
    return Refreshed(len(rows), len(topic_rows), len(member_rows), len(alert_rows), len({v.period for v in voices}))


def _public(topic: dict[str, Any]) -> dict[str, Any]:
    return {"id": topic["id"], "label": topic["label"], "keyphrases": topic["keyphrases"], "messages": topic["size"],
            "negative": topic["negative"], "negative_share": round(topic["negative"] / topic["size"], 4) if topic["size"] else 0.0,
            "computed_at": topic["computed_at"]}


def topics(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Every topic, biggest first: label, keyphrases, messages, negative messages and share."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        return [_public(t) for t in topic_store.list_topics(conn)]


def topic_trend(store: Store, actor: Actor, topic_id: int | None = None) -> list[dict[str, Any]]:
    """Per topic, its daily figures (day, messages, negative, sentiment), oldest day first."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        found = topic_store.list_topics(conn)
        if topic_id is not None:
            found = [t for t in found if t["id"] == topic_id]
            if not found:
                raise NotFoundError(f"no topic {topic_id}")
        days = topic_store.days(conn, topic_id)
    per_topic: dict[int, list[dict[str, Any]]] = {}
    for row in days:
        per_topic.setdefault(row["topic_id"], []).append(
            {"day": row["day"], "messages": row["messages"], "negative": row["negative"], "sentiment": row["sentiment"]})
    return [{**_public(t), "days": per_topic.get(t["id"], [])} for t in found]


def alerts(store: Store, actor: Actor, *, since: date | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Alerts, newest first, each with what rose, by how much, its p-value and example messages."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        found = topic_store.list_alerts(conn, since=since, limit=limit)
        examples = topic_store.example_messages(conn, [i for a in found for i in a["examples"]])
    result = []
    for a in found:
        alert = Alert(a["topic_id"], a["day"], a["kind"], a["observed"], a["expected"], a["p_value"])
        result.append({
            "topic_id": a["topic_id"], "topic": a["label"], "day": a["day"], "kind": a["kind"],
            "observed": a["observed"], "expected": a["expected"], "p_value": a["p_value"],
            "summary": alert.describe(),
            "examples": [examples[i] for i in a["examples"] if i in examples],
        })
    return result


def voice(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Share of voice per week: period, name, is_brand, mentions, share."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        return topic_store.voice(conn)


def computed_at(store: Store, actor: Actor) -> datetime | None:
    """When topics were last refreshed (None: never)."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        found = topic_store.list_topics(conn)
    return found[0]["computed_at"] if found else None

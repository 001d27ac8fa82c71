"""The audience of a workspace: influencers and communities, scored by the
graph core (`goodwill.graph`) on the workspace's stored interactions.

The influencers of the whole audience are read from the people's scores as
of the last scoring run (`people.rescore`, see `service.upkeep`): each
person once, on their best-scored account. Within a topic they are scored
when asked, on that topic's interactions only.

Influence within a topic scores only the interactions whose message belongs
to that topic (the topics of `goodwill topics refresh`). A community's topics
are the commonest topics among its members' own messages.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from typing import Any

import numpy as np

from goodwill.domain.team import Actor, Role
from goodwill.errors import NotFoundError
from goodwill.graph.communities import find_communities
from goodwill.graph.edges import Edges
from goodwill.graph.influence import score_edges
from goodwill.service.audit import require
from goodwill.store import Store
from goodwill.store import scores as scores_store
from goodwill.store import topics as topic_store

__all__ = ["READ_ROLE", "communities", "influencers", "scores_as_of"]

READ_ROLE = Role.AGENT


def _edges(store: Store) -> tuple[Edges, dict[str, dict[str, int]], set[str]]:
    with store.begin() as conn:
        interactions = topic_store.graph(conn)
        account_topics = topic_store.topics_of_accounts(conn)
        brand = topic_store.brand_accounts(conn)
    edges = Edges.from_records((i.source, i.target, i.kind, i.created_at, i.topic) for i in interactions)
    return edges, account_topics, brand


def _split(name: str) -> tuple[str, str]:
    platform, _, handle = name.partition(":")
    return platform, handle


def _member(name: str) -> dict[str, str]:
    platform, handle = _split(name)
    return {"platform": platform, "handle": handle}


def influencers(store: Store, actor: Actor, *, topic: str | None = None, top: int = 50) -> list[dict[str, Any]]:
    """The most influential accounts of the audience (the brand's own accounts
    are scored but not listed), optionally within one topic (by its label or
    first keyphrase), with outreach and the reasons behind both in words."""
    require(actor, READ_ROLE)
    if topic is None:
        with store.begin() as conn:
            scored = scores_store.most_influential(conn, top)
        return [{"rank": rank, "platform": r["platform"], "handle": r["handle"], "person_id": r["person_id"],
                 "influence": round(float(r["influence"]), 4), "outreach": round(float(r["outreach"]), 4),
                 "influence_reasons": r["influence_reasons"], "outreach_reasons": r["outreach_reasons"]}
                for rank, r in enumerate(scored, start=1)]
    edges, _, brand = _edges(store)
    if topic is not None:
        with store.begin() as conn:
            found = topic_store.topic_by_label(conn, topic)
        if found is None:
            raise NotFoundError(f"no topic {topic!r} (goodwill topics lists them; run goodwill topics refresh first)")
        edges = edges.within_topic(found["label"])
    if len(edges) == 0:
        return []
    scores = score_edges(edges)
    received = scores.received.sum(axis=1)
    order = np.lexsort((-scores.outreach, -scores.influence))
    people = np.asarray([name not in brand for name in scores.accounts], dtype=bool)
    order = order[(received[order] > 0) & people[order]][:top]
    influence_reasons, outreach_reasons = scores.explain(order)
    result = []
    for rank, (i, why_in, why_out) in enumerate(zip(order, influence_reasons.to_pylist(), outreach_reasons.to_pylist(),
                                                    strict=True), start=1):
        platform, handle = _split(scores.accounts[int(i)])
        result.append({
            "rank": rank, "platform": platform, "handle": handle,
            "influence": round(float(scores.influence[i]), 4), "outreach": round(float(scores.outreach[i]), 4),
            "influence_reasons": str(why_in).split("; "), "outreach_reasons": str(why_out).split("; "),
        })
    return result


def scores_as_of(store: Store, actor: Actor) -> str | None:
    """When the people's scores were computed (None: never)."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        at = scores_store.computed_at(conn)
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def communities(store: Store, actor: Actor, *, min_size: int = 3, topics: int = 3) -> list[dict[str, Any]]:
    """Leiden communities of the interaction graph, largest first, each with its
    most central and most generous members (the brand's own accounts left
    out of both lists) and its commonest topics."""
    require(actor, READ_ROLE)
    edges, account_topics, brand = _edges(store)
    if len(edges) == 0:
        return []
    found = find_communities(edges, score_edges(edges), min_size=min_size)
    result = []
    for c in found:
        counts: Counter[str] = Counter()
        for member in c.members:
            counts.update(account_topics.get(edges.accounts[int(member)], {}))
        result.append({
            "id": c.id, "size": c.size, "inner_interactions": c.inner_interactions,
            "central": [_member(n) for n in c.central if n not in brand],
            "generous": [_member(n) for n in c.generous if n not in brand],
            "topics": [{"topic": label, "messages": n} for label, n in counts.most_common(topics)],
        })
    return result

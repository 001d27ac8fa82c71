"""People: who the audience is, per person: accounts across platforms, relationship stage, trust and reciprocity.

Reading needs the agent role; merging and splitting people the manager role.
Every merge and split is audited in the same transaction as the change (the
entry names people and accounts by id only, so forgetting a person leaves no
personal data in the log). Stages and scores are worked out when asked for,
from the stored messages and their signals, by the pure rules in
`goodwill.people`; influence and outreach come from the workspace's
interactions through `goodwill.graph`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goodwill.domain.people import AccountEvidence, ProfileLink
from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError
from goodwill.people import (
    STAGES,
    History,
    Stage,
    merges,
    parse_stage,
    profile_evidence,
    reciprocity,
    same_humans,
    stage_of,
    trust,
)
from goodwill.service.audit import iso, record, require
from goodwill.store import Store
from goodwill.store import people as people_store
from goodwill.store.audit import Tx
from goodwill.store.threads import get_person

MAX_PAGE = 200

__all__ = ["MAX_PAGE", "STAGES", "link", "list_people", "merge", "person", "relationship", "split"]


def _now(conn: Tx, now: datetime | None) -> datetime:
    """Stages are judged at `now`, or at the newest stored message (an imported archive is judged as of its end)."""
    if now is not None:
        return now
    return people_store.latest_message_at(conn) or datetime.now(UTC)


def relationship(history: History, now: datetime) -> dict[str, Any]:
    """The stage with its reason, trust and reciprocity with their parts, and the figures behind them."""
    asks = [s for s in history.said if s.is_ask]
    answered = [s for s in asks if s.answered_at is not None]
    waits = sorted((s.answered_at - s.at).total_seconds() for s in answered if s.answered_at is not None)
    by_month: dict[str, dict[str, int]] = {}
    for s in history.said:
        if s.sentiment:
            month = by_month.setdefault(s.at.strftime("%Y-%m"), {"negative": 0, "neutral": 0, "positive": 0})
            month[s.sentiment] = month.get(s.sentiment, 0) + 1
    channels: dict[str, int] = {}
    for s in history.said:
        channels[s.platform] = channels.get(s.platform, 0) + 1
    return {
        **stage_of(history, now).to_dict(),
        "as_of": iso(now),
        "trust": trust(history, now).to_dict(),
        "reciprocity": reciprocity(history, now).to_dict(),
        "messages": len(history.said),
        "channels": channels,
        "first_at": iso(history.first_at),
        "last_at": iso(history.last_at),
        "brand_messages_to_them": len(history.brand),
        "brand_replies": sum(1 for b in history.brand if b.kind == "reply"),
        "median_answer_minutes": round(waits[len(waits) // 2] / 60) if waits else None,
        "sentiment_by_month": dict(sorted(by_month.items())),
        "asks": [
            {"message_id": s.id, "at": iso(s.at), "intent": s.intent, "platform": s.platform, "text": s.text,
             "answered": s.answered_at is not None, "answered_at": iso(s.answered_at),
             "answer_minutes": None if s.answered_at is None else round((s.answered_at - s.at).total_seconds() / 60)}
            for s in reversed(asks)
        ],
    }


def _influence(conn: Tx, account_ids: list[int]) -> dict[str, Any] | None:
    """The person's influence and outreach on the workspace's interaction graph (their best-scored account), with reasons."""
    from goodwill.graph.edges import KINDS, Edges
    from goodwill.graph.influence import score_edges

    records = [(str(s), str(t), k, when) for s, t, k, when in people_store.interaction_records(conn) if k in KINDS]
    if not records:
        return None
    scores = score_edges(Edges.from_records(records))
    index = {name: i for i, name in enumerate(scores.accounts)}
    mine = [index[str(a)] for a in account_ids if str(a) in index]
    if not mine:
        return None
    best_in = max(mine, key=lambda i: float(scores.influence[i]))
    best_out = max(mine, key=lambda i: float(scores.outreach[i]))
    return {
        "influence": round(float(scores.influence[best_in]), 3),
        "influence_reasons": scores.influence_reasons(best_in),
        "outreach": round(float(scores.outreach[best_out]), 3),
        "outreach_reasons": scores.outreach_reasons(best_out),
    }


def person(store: Store, actor: Actor, person_id: int, *, before: int | None = None, limit: int = 50,
           now: datetime | None = None) -> dict[str, Any]:
    """A person: accounts, messages and interactions, and their relationship with the brand."""
    require(actor, Role.AGENT)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    with store.begin() as conn:
        people_store.live_person(conn, person_id)
        data = get_person(conn, person_id, before=before, limit=limit)
        ids = [a["id"] for a in data["accounts"]]
        data["relationship"] = relationship(people_store.history(conn, ids), _now(conn, now))
        data["scores"] = _influence(conn, ids)
    return data


def list_people(store: Store, actor: Actor, *, stage: str | None = None, limit: int = 50,
                now: datetime | None = None) -> dict[str, Any]:
    """The most recently active people (up to LIST_WINDOW looked at), each with stage, reason and scores; `stage` narrows."""
    require(actor, Role.AGENT)
    wanted: Stage | None = None
    if stage:
        try:
            wanted = parse_stage(stage)
        except ValueError as exc:
            raise FieldError("stage", str(exc)) from None
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    items: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    with store.begin() as conn:
        at = _now(conn, now)
        for p in people_store.recent_people(conn):
            h = people_store.history(conn, [a["id"] for a in p["accounts"]])
            s = stage_of(h, at)
            counts[s.stage.value] = counts.get(s.stage.value, 0) + 1
            if wanted is not None and s.stage is not wanted:
                continue
            if len(items) < limit:
                items.append({"id": p["id"], "display_name": p["display_name"], "accounts": p["accounts"],
                              "last_at": iso(p["last_at"]), **s.to_dict(), "trust": trust(h, at).total,
                              "reciprocity": reciprocity(h, at).total})
    return {"as_of": iso(at), "stages": counts, "items": items}


def merge(store: Store, actor: Actor, keep: int, other: int, *, reason: str | None = None) -> dict[str, Any]:
    """Merge person `other` into person `keep` (manager role); a split brings it back."""
    require(actor, Role.MANAGER)
    with store.begin() as conn:
        moved = people_store.merge(conn, keep, other)
        record(conn, actor, "people.merge", f"person:{keep}", merged=other, accounts=moved,
               reason=reason or "merged by hand")
    return {"person": keep, "merged": other, "accounts_moved": moved}


def split(store: Store, actor: Actor, person_id: int, account_id: int) -> dict[str, Any]:
    """Move one account out of a person (manager role): back to the person a merge took it from, or a new one."""
    require(actor, Role.MANAGER)
    with store.begin() as conn:
        target = people_store.split(conn, person_id, account_id)
        record(conn, actor, "people.split", f"person:{person_id}", account=account_id, to_person=target)
    return {"person": person_id, "account": account_id, "to_person": target}


def _evidence(conn: Tx) -> list[AccountEvidence]:
    found = []
    for a in people_store.account_profiles(conn):
        own, links = profile_evidence(a["raw"])
        found.append(AccountEvidence(
            account_id=a["account_id"], person_id=a["person_id"], platform=a["platform"], handle=a["handle"],
            platform_user_id=a["platform_user_id"], own_urls=frozenset(own),
            links=tuple(ProfileLink(link.url, link.verified) for link in links)))
    return found


def link(store: Store, actor: Actor) -> dict[str, Any]:
    """Merge the people whose accounts strong evidence says one human holds (manager role); each merge audited with its reason."""
    require(actor, Role.MANAGER)
    done = []
    with store.begin() as conn:
        accounts = _evidence(conn)
        for keep, other, why in merges(accounts, same_humans(accounts)):
            moved = people_store.merge(conn, keep, other)
            record(conn, actor, "people.merge", f"person:{keep}", merged=other, accounts=moved, reason="evidence")
            done.append({"person": keep, "merged": other, "accounts_moved": moved, "reason": why})
    return {"merged": done}

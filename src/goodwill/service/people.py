"""People: who the audience is, per person: accounts across platforms, relationship stage, trust and reciprocity.

Reading needs the agent role; merging and splitting people the manager role.
Every merge and split is audited in the same transaction as the change (the
entry names people and accounts by id only, so forgetting a person leaves no
personal data in the log). Stages and scores are worked out by a scoring run
(`rescore`: after an import, on demand, and on schedule in the long-running
processes, see `service.upkeep`) from the stored messages and their signals,
by the pure rules in `goodwill.people`, with influence and outreach from the
workspace's interactions through `goodwill.graph`, and stored per person; the
people list and the person page read them, saying when they were computed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

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
from goodwill.store import scores as scores_store
from goodwill.store.audit import Tx
from goodwill.store.threads import get_person

MAX_PAGE = 200

__all__ = ["MAX_PAGE", "STAGES", "compute_scores", "link", "list_people", "merge", "person", "relationship", "rescore",
           "split"]


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


def compute_scores(store: Store, *, now: datetime | None = None) -> tuple[datetime, list[dict[str, Any]]]:
    """Everyone's scores (a row per person for `scores_store.replace_all`), read in one transaction and
    worked out by the pure rules and the graph core: stage, trust and reciprocity judged at `now` (default:
    the newest message's time), influence and outreach on the whole interaction graph, each with its reasons.
    Returns the moment judged at and the rows (their `computed_at` is set by whoever writes them)."""
    from goodwill.graph.edges import KINDS, Edges
    from goodwill.graph.influence import score_edges

    with store.begin() as conn:
        at = _now(conn, now)
        everyone = scores_store.to_score(conn)
        records = [(str(s), str(t), k, when) for s, t, k, when in people_store.interaction_records(conn) if k in KINDS]
        histories = people_store.histories(conn, [p["accounts"] for p in everyone])
    graph = score_edges(Edges.from_records(records)) if records else None
    index = {name: i for i, name in enumerate(graph.accounts)} if graph is not None else {}
    received = graph.received.sum(axis=1) if graph is not None else None
    rows, best = [], []
    for p, h in zip(everyone, histories, strict=True):
        stage, t, r = stage_of(h, at), trust(h, at), reciprocity(h, at)
        rows.append({
            "person_id": p["id"], "judged_at": at, "last_at": p["last_at"], "stage": stage.stage.value,
            "reason": stage.reason, "trust": t.total, "trust_parts": t.to_dict()["parts"], "reciprocity": r.total,
            "reciprocity_parts": r.to_dict()["parts"], "influence": None, "influence_reasons": None, "outreach": None,
            "outreach_reasons": None, "account_id": None, "received": 0,
        })
        mine = [index[str(a)] for a in p["accounts"] if str(a) in index]
        if graph is not None and mine:
            best.append((len(rows) - 1, max(mine, key=lambda i: float(graph.influence[i])),
                         max(mine, key=lambda i: float(graph.outreach[i]))))
    if graph is not None and received is not None and best:
        # The reasons in words, worked out for every scored account at once.
        why_in = graph.explain(np.asarray([b[1] for b in best]))[0].to_pylist()
        why_out = graph.explain(np.asarray([b[2] for b in best]))[1].to_pylist()
        for (row, best_in, best_out), reasons_in, reasons_out in zip(best, why_in, why_out, strict=True):
            rows[row] |= {"influence": round(float(graph.influence[best_in]), 4),
                          "influence_reasons": str(reasons_in).split("; "),
                          "outreach": round(float(graph.outreach[best_out]), 4),
                          "outreach_reasons": str(reasons_out).split("; "),
                          "account_id": int(graph.accounts[best_in]), "received": int(received[best_in])}
    return at, rows


def write_scores(conn: Tx, rows: list[dict[str, Any]], computed_at: datetime) -> None:
    """Store a scoring run's rows in place of the last run's."""
    scores_store.replace_all(conn, [{**r, "computed_at": computed_at} for r in rows])


def rescore(store: Store, actor: Actor, *, now: datetime | None = None) -> dict[str, Any]:
    """Work everyone's scores out again and store them (manager role; audited with the count)."""
    require(actor, Role.MANAGER)
    at, rows = compute_scores(store, now=now)
    computed = datetime.now(UTC)
    with store.begin() as conn:
        write_scores(conn, rows, computed)
        record(conn, actor, "people.rescore", "people", people=len(rows), judged_at=iso(at))
    return {"people": len(rows), "computed_at": iso(computed), "judged_at": iso(at)}


def _scores(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None or snapshot["influence"] is None:
        return None
    return {"influence": round(float(snapshot["influence"]), 3), "influence_reasons": snapshot["influence_reasons"],
            "outreach": round(float(snapshot["outreach"]), 3), "outreach_reasons": snapshot["outreach_reasons"]}


def person(store: Store, actor: Actor, person_id: int, *, before: int | None = None, limit: int = 50,
           now: datetime | None = None) -> dict[str, Any]:
    """A person: accounts, messages and interactions, and their relationship with the brand. The stage, trust,
    reciprocity, influence and outreach are the last scoring run's (`scores_as_of` says when it ran); a person
    it has not scored yet shows the stage, trust and reciprocity of their profile and no influence."""
    require(actor, Role.AGENT)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    with store.begin() as conn:
        people_store.live_person(conn, person_id)
        data = get_person(conn, person_id, before=before, limit=limit)
        ids = [a["id"] for a in data["accounts"]]
        data["relationship"] = relationship(people_store.history(conn, ids), _now(conn, now))
        snapshot = scores_store.of_person(conn, person_id)
    if snapshot is not None:
        data["relationship"] |= {"stage": snapshot["stage"], "reason": snapshot["reason"],
                                 "trust": snapshot["trust"], "reciprocity": snapshot["reciprocity"],
                                 "as_of": iso(snapshot["judged_at"])}
    data["scores"] = _scores(snapshot)
    data["scores_as_of"] = None if snapshot is None else iso(snapshot["computed_at"])
    return data


def list_people(store: Store, actor: Actor, *, stage: str | None = None, limit: int = 50) -> dict[str, Any]:
    """The most recently active people as the last scoring run scored them, each with stage, reason and scores;
    `stage` narrows. `scores_as_of` says when the run was (None: never; `goodwill people rescore` runs one)."""
    require(actor, Role.AGENT)
    wanted: Stage | None = None
    if stage:
        try:
            wanted = parse_stage(stage)
        except ValueError as exc:
            raise FieldError("stage", str(exc)) from None
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    with store.begin() as conn:
        computed = scores_store.computed_at(conn)
        counts = scores_store.stage_counts(conn)
        rows = scores_store.listed(conn, stage=None if wanted is None else wanted.value, limit=limit)
    judged = rows[0]["judged_at"] if rows else None
    items = [{"id": r["id"], "display_name": r["display_name"], "accounts": r["accounts"], "last_at": iso(r["last_at"]),
              "stage": r["stage"], "reason": r["reason"], "trust": r["trust"]["score"],
              "reciprocity": r["reciprocity"]["score"], "influence": r["influence"], "outreach": r["outreach"]}
             for r in rows]
    return {"as_of": iso(judged), "scores_as_of": iso(computed), "stages": counts, "items": items}


def merge(store: Store, actor: Actor, keep: int, other: int, *, reason: str | None = None) -> dict[str, Any]:
    """Merge person `other` into person `keep` (manager role); a split brings it back."""
    require(actor, Role.MANAGER)
    with store.begin() as conn:
        moved = people_store.merge(conn, keep, other)
        scores_store.forget(conn, [other])  # scored again, as part of `keep`, by the next run
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
            scores_store.forget(conn, [other])
            record(conn, actor, "people.merge", f"person:{keep}", merged=other, accounts=moved, reason="evidence")
            done.append({"person": keep, "merged": other, "accounts_moved": moved, "reason": why})
    return {"merged": done}

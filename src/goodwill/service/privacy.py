"""Privacy: forgetting a person, and the workspace's retention policy.

Both need the admin role and are audited in the same transaction as the
erasure; the audit entry holds counts only, never what was erased.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError
from goodwill.service.audit import iso, record, require
from goodwill.store import Store, erasure
from goodwill.store import people as people_store
from goodwill.store import upkeep as upkeep_store

MAX_RETENTION_DAYS = 36_500


def forget(store: Store, actor: Actor, person_id: int) -> dict[str, Any]:
    """Erase a person everywhere: accounts, messages, signals, interactions, scores, and mentions of them elsewhere."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        people_store.live_person(conn, person_id)
        done = erasure.erase_person(conn, person_id)
        # The entry says a person was forgotten and how much went, not who: the id is a number nothing points to now.
        record(conn, actor, "people.forget", "person", **done.to_dict())
    return {"person": person_id, **done.to_dict()}


def retention(store: Store, actor: Actor) -> dict[str, Any]:
    """The workspace's retention policy, and when the scheduled run (once a day) last ran, what it did, and
    when it runs next."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        days = erasure.retention_days(conn)
        job = upkeep_store.jobs(conn).get("retention", {})
    return {"retention_days": days, "last_run_at": iso(job.get("last_run_at")), "next_run_at": iso(job.get("next_run_at")),
            "last_result": job.get("last_result")}


def set_retention(store: Store, actor: Actor, days: int | None) -> dict[str, Any]:
    """Keep personal data `days` days (None: keep it until forgotten). Admins only."""
    require(actor, Role.ADMIN)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise FieldError("retention_days", f"use 1-{MAX_RETENTION_DAYS} days, or none to keep data")
    with store.begin() as conn:
        before = erasure.retention_days(conn)
        erasure.set_retention_days(conn, days)
        record(conn, actor, "settings.retention", "workspace", before=before, after=days)
    return {"retention_days": days}


def apply_retention(store: Store, actor: Actor, *, now: datetime | None = None) -> dict[str, Any]:
    """Delete others' messages older than the policy allows, and accounts and people left with none (audited).
    Nothing happens when the workspace has no policy."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        days = erasure.retention_days(conn)
        if days is None:
            return {"retention_days": None, "cutoff": None, "messages": 0, "accounts": 0, "people": 0}
        cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
        done = erasure.erase_older_than(conn, cutoff)
        if done.messages or done.accounts or done.people:
            record(conn, actor, "retention.run", "workspace", cutoff=iso(cutoff), **done.to_dict())
    return {"retention_days": days, "cutoff": iso(cutoff), **done.to_dict()}

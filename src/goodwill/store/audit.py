"""The audit log: writing entries inside the caller's transaction, reading them back in pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from goodwill.store.tables import audit_log

#: a transaction: the services pass it along without looking inside
Tx = Connection


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target: str | None
    details: dict[str, Any]
    origin: str
    address: str | None


def _row(row: Any) -> AuditRow:
    return AuditRow(row.id, row.at, row.actor_id, row.actor_name, row.action, row.target, row.details, row.origin,
                    row.address)


def insert_entry(
    conn: Connection, *, at: datetime, actor_id: int | None, actor_name: str, action: str, target: str | None,
    details: dict[str, Any], origin: str, address: str | None,
) -> None:
    conn.execute(
        audit_log.insert().values(at=at, actor_id=actor_id, actor_name=actor_name[:200], action=action,
                                  target=None if target is None else target[:400], details=details, origin=origin,
                                  address=None if address is None else address[:100])
    )


def newest_entries(conn: Connection, *, before: int | None, limit: int, action: str | None) -> list[AuditRow]:
    """Up to `limit` entries, newest first, older than `before` when given."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    if action:
        query = query.where(audit_log.c.action == action)
    return [_row(r) for r in conn.execute(query)]


def entries_after(conn: Connection, after: int, limit: int) -> list[AuditRow]:
    """Up to `limit` entries with ids above `after`, oldest first."""
    query = select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id).limit(limit)
    return [_row(r) for r in conn.execute(query)]


def recent_anonymous_entry(conn: Connection, action: str, address: str | None, since: datetime) -> bool:
    """Whether an entry of `action` by no known user came from `address` since `since`."""
    query = select(audit_log.c.id).where(
        audit_log.c.action == action, audit_log.c.actor_id.is_(None), audit_log.c.at >= since,
        audit_log.c.address.is_(None) if address is None else audit_log.c.address == address[:100],
    ).limit(1)
    return conn.execute(query).first() is not None

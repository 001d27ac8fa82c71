"""The audit log: writing an entry with every change, reading and exporting it.

`record` is called by every service inside the transaction that makes the
change, so a change and its entry are committed together or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError, PermissionDeniedError
from goodwill.store import Store
from goodwill.store import audit as audit_store
from goodwill.store.audit import AuditRow, Tx

COLUMNS = ("id", "at", "actor_id", "actor", "action", "target", "details", "origin", "address")
FORMATS = ("csv", "jsonl")
MAX_PAGE = 500
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def require(actor: Actor, role: Role) -> None:
    """Raise PermissionDeniedError unless `actor` holds `role` or a higher one."""
    if not actor.can(role):
        article = "an" if actor.role is Role.ADMIN or actor.role is Role.AGENT else "a"
        raise PermissionDeniedError(f"{actor.name} is {article} {actor.role}; this needs the {role} role")


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record(conn: Tx, actor: Actor, action: str, target: str | None = None, **details: Any) -> None:
    """Write one audit entry on `conn`, inside the caller's transaction."""
    audit_store.insert_entry(
        conn, at=now(), actor_id=actor.user_id, actor_name=actor.name, action=action, target=target,
        details=details, origin=str(actor.origin), address=actor.address,
    )


def _entry(row: AuditRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor_id": row.actor_id,
        "actor": row.actor_name,
        "action": row.action,
        "target": row.target,
        "details": row.details,
        "origin": row.origin,
        "address": row.address,
    }


def read_audit(
    store: Store, actor: Actor, *, before: int | None = None, limit: int = 50, action: str | None = None
) -> dict[str, Any]:
    """The newest audit entries first, `limit` at a time; `next_before` continues the list."""
    require(actor, Role.ADMIN)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"use 1-{MAX_PAGE}")
    with store.begin() as conn:
        rows = [_entry(r) for r in audit_store.newest_entries(conn, before=before, limit=limit + 1, action=action)]
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_before": rows[-1]["id"] if more and rows else None}


def export_audit(store: Store, actor: Actor) -> Iterator[dict[str, Any]]:
    """Every audit entry, oldest first, read in pages. The role is checked and the
    export audited when this is called, before the first entry is read."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        record(conn, actor, "audit.export")
    return _every_entry(store)


def _every_entry(store: Store) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        with store.begin() as conn:
            rows = audit_store.entries_after(conn, after, 2000)
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        after = rows[-1].id


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text: one starting like a formula gets a leading `'`."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_row(entry: dict[str, Any]) -> list[str]:
    return [
        neutralise("" if entry[c] is None else (orjson.dumps(entry[c]).decode() if c == "details" else str(entry[c])))
        for c in COLUMNS
    ]


def export_text(entries: Iterable[dict[str, Any]], format: str, *, chunk: int = 1 << 16) -> Iterator[str]:
    """The entries as CSV (with a header row) or JSON lines, in chunks of about `chunk` characters."""
    if format not in FORMATS:
        raise FieldError("format", f"{format!r}: choose csv or jsonl")
    buf = io.StringIO()
    writer = csv.writer(buf)
    if format == "csv":
        writer.writerow(COLUMNS)
    for entry in entries:
        if format == "csv":
            writer.writerow(csv_row(entry))
        else:
            buf.write(orjson.dumps(entry).decode() + "\n")
        if buf.tell() > chunk:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue()

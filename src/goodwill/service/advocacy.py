"""Advocates and surprise-and-delight gestures.

Advocates are worked out when asked for, from the stored messages and their
signals, by the pure rules in `goodwill.advocacy.advocates` (docs/advocacy.md).
Reading needs the agent role.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.advocacy.advocates import Advocate, Brand, find_advocates, reason
from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError
from goodwill.service.audit import iso, require
from goodwill.store import Store
from goodwill.store import people as people_store
from goodwill.store.audit import Tx
from goodwill.store.workspace import load_workspace

#: The period advocates are looked for in when none is given: the 30 days before now.
DEFAULT_PERIOD = timedelta(days=30)
MAX_PAGE = 200

__all__ = ["DEFAULT_PERIOD", "advocates", "list_advocates"]


def _brand(conn: Tx) -> Brand:
    ws = load_workspace(conn)
    return Brand(handles=ws.brand_accounts, keywords=ws.keywords)


def advocates(conn: Tx, start: datetime, end: datetime) -> list[Advocate]:
    """The advocates from `start` up to (not including) `end`, best first, each with the messages that show it.

    Read-only and without a role check: for other services (the relationship-health report) inside their
    own transaction."""
    return find_advocates(people_store.said_between(conn, start, end), _brand(conn), start, end)


def _window(conn: Tx, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """`end` defaults to just after the newest stored message (an archive is read as of its end); `start` to 30 days before."""
    if end is None:
        newest = people_store.latest_message_at(conn)
        end = (newest + timedelta(seconds=1)) if newest is not None else datetime.now(UTC)
    if start is None:
        start = end - DEFAULT_PERIOD
    if start >= end:
        raise FieldError("from", "must be before --to")
    return start, end


def _period_words(start: datetime, end: datetime) -> str:
    days = round((end - start).total_seconds() / 86400)
    return "this month" if days == 30 else f"in {days} days" if days != 1 else "in one day"


def _advocate_dict(a: Advocate, who: dict[str, Any], period: str) -> dict[str, Any]:
    data = a.to_dict()
    data["reason"] = reason(a.counts, a.negative, period=period)
    for e in data["evidence"]:
        e["at"] = iso(e["at"])
    data["evidence"].reverse()  # newest first
    return {"person_id": a.person_id, "display_name": who.get("display_name"), "accounts": who.get("accounts", []),
            **{k: v for k, v in data.items() if k != "person_id"}}


def list_advocates(store: Store, actor: Actor, *, start: datetime | None = None, end: datetime | None = None,
                   limit: int = 50) -> dict[str, Any]:
    """The advocates of a period (default: the 30 days up to the newest message), best first, with their evidence."""
    require(actor, Role.AGENT)
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    with store.begin() as conn:
        start, end = _window(conn, start, end)
        found = advocates(conn, start, end)
        named = people_store.describe(conn, [a.person_id for a in found[:limit]])
    period = _period_words(start, end)
    return {"from": iso(start), "to": iso(end), "total": len(found),
            "untagged": sum(1 for a in found if a.untagged),
            "items": [_advocate_dict(a, named.get(a.person_id, {}), period) for a in found[:limit]]}

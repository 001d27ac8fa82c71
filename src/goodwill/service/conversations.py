"""Reading the workspace as the team sees it: overview, conversations, threads, people.

Each function checks the actor's role before it reads; the web pages, the API
and any later shell call these, never the queries directly.
"""

from __future__ import annotations

from typing import Any

from goodwill.domain.team import Actor, Role
from goodwill.domain.threads import ThreadFilter
from goodwill.errors import FieldError
from goodwill.service.audit import require
from goodwill.store import Store
from goodwill.store.threads import (
    get_person,
    get_thread,
    list_threads,
    overview_counts,
    platforms,
    unanswered,
)
from goodwill.store.workspace import load_workspace

MAX_PAGE = 200


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"must be between 1 and {MAX_PAGE}")
    return limit


def overview(store: Store, actor: Actor, *, days: int = 14) -> dict[str, Any]:
    """The workspace status (volumes by day and platform, thread counts) and the latest unanswered threads."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        ws = load_workspace(conn)
        data = overview_counts(conn, days=days)
        data["latest_unanswered"] = unanswered(conn, 10)
    data["workspace"] = {"name": ws.name, "brand_accounts": ws.brand_accounts, "keywords": ws.keywords,
                         "competitors": ws.competitors}
    return data


def conversations(
    store: Store, actor: Actor, filters: ThreadFilter, *, cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return list_threads(conn, filters, cursor=cursor, limit=_page_size(limit))


def thread(store: Store, actor: Actor, thread_id: int) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return get_thread(conn, thread_id)


def person(store: Store, actor: Actor, person_id: int, *, before: int | None = None, limit: int = 50) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return get_person(conn, person_id, before=before, limit=_page_size(limit))


def known_platforms(store: Store, actor: Actor) -> list[str]:
    """Platforms with threads, for filter menus."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return platforms(conn)

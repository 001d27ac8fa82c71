"""Full-text search over the workspace's messages."""

from __future__ import annotations

from typing import Any

from goodwill.domain.signals import SignalFilter
from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError
from goodwill.service.audit import require
from goodwill.store import Store
from goodwill.store.search import search as search_query


def search_messages(
    store: Store, actor: Actor, query: str, *, limit: int = 20, newest_first: bool = False,
    signals: SignalFilter | None = None,
) -> list[dict[str, Any]]:
    """Messages matching `query`, best match first (or newest first); each with
    its `id`, which `goodwill reply` takes, and its signals; `signals` keeps only
    the messages whose signals match."""
    require(actor, Role.AGENT)
    if not query.strip():
        raise FieldError("query", "give at least one word to search for")
    with store.begin() as conn:
        return search_query(conn, query, limit=limit, newest_first=newest_first, wanted=signals)

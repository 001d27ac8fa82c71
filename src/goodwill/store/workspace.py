"""The workspace: its row (the brand Goodwill serves) and the counts that describe it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, case, func, select

from goodwill.domain import Workspace
from goodwill.domain.timeparse import iso_utc
from goodwill.errors import WorkspaceError
from goodwill.store.tables import accounts, ingest_runs, interactions, messages, people, threads
from goodwill.store.tables import workspace as workspace_table


def load_workspace(conn: Connection) -> Workspace:
    row = conn.execute(select(workspace_table).where(workspace_table.c.id == 1)).mappings().first()
    if row is None:
        raise WorkspaceError("the store has no workspace yet: run `goodwill init` first")
    return Workspace(
        name=row["name"],
        brand_accounts={k: list(v) for k, v in row["brand_accounts"].items()},
        keywords=list(row["keywords"]),
        competitors=list(row["competitors"]),
    )


def save_workspace(conn: Connection, ws: Workspace) -> None:
    values = {
        "name": ws.name,
        "brand_accounts": ws.brand_accounts,
        "keywords": ws.keywords,
        "competitors": ws.competitors,
    }
    updated = conn.execute(workspace_table.update().where(workspace_table.c.id == 1).values(**values))
    if updated.rowcount == 0:
        conn.execute(workspace_table.insert().values(id=1, created_at=datetime.now(UTC), **values))


def has_workspace(conn: Connection) -> bool:
    return conn.execute(select(workspace_table.c.id)).first() is not None


def status(conn: Connection, *, days: int = 14) -> dict[str, Any]:
    """Counts that describe the workspace, as plain data (the `status --json` document)."""

    def count(table: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    by_platform = {
        platform: {"messages": n, "brand_messages": int(b or 0)}
        for platform, n, b in conn.execute(
            select(
                messages.c.platform,
                func.count(),
                func.sum(case((messages.c.is_brand, 1), else_=0)),
            ).group_by(messages.c.platform).order_by(messages.c.platform)
        )
    }
    customer = ~threads.c.root_is_brand
    thread_counts = conn.execute(
        select(
            func.count(),
            func.sum(case((customer, 1), else_=0)),
            func.sum(case((and_(customer, threads.c.brand_message_count > 0), 1), else_=0)),
        )
    ).one()
    latest = conn.execute(select(func.max(messages.c.created_at))).scalar()
    earliest = conn.execute(select(func.min(messages.c.created_at))).scalar()
    by_day: dict[str, dict[str, int]] = {}
    if latest is not None:
        start = (latest - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        day = func.substr(messages.c.created_at, 1, 10, type_=String)
        if conn.dialect.name == "postgresql":
            day = func.to_char(messages.c.created_at, "YYYY-MM-DD", type_=String)
        for d, platform, n in conn.execute(
            select(day, messages.c.platform, func.count())
            .where(messages.c.created_at >= start)
            .group_by(day, messages.c.platform)
            .order_by(day)
        ):
            by_day.setdefault(str(d), {})[platform] = int(n)
    incomplete = [
        {"run": r.id, "name": r.name, "records_done": r.records_done}
        for r in conn.execute(
            select(ingest_runs.c.id, ingest_runs.c.name, ingest_runs.c.records_done).where(
                ingest_runs.c.status != "done", ingest_runs.c.kind == "file"
            )
        )
    ]
    return {
        "messages": sum(p["messages"] for p in by_platform.values()),
        "brand_messages": sum(p["brand_messages"] for p in by_platform.values()),
        "threads": int(thread_counts[0]),
        "customer_threads": int(thread_counts[1] or 0),
        "answered_threads": int(thread_counts[2] or 0),
        "unanswered_threads": int(thread_counts[1] or 0) - int(thread_counts[2] or 0),
        "accounts": count(accounts),
        "brand_accounts": count(accounts, accounts.c.is_brand),
        "people": count(people),
        "interactions": count(interactions),
        "by_platform": by_platform,
        "by_day": by_day,
        "first_message_at": iso_utc(earliest),
        "last_message_at": iso_utc(latest),
        "incomplete_imports": incomplete,
    }

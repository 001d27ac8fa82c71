"""Reading and writing the workspace row (the brand Goodwill serves)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from goodwill.domain import Workspace
from goodwill.errors import WorkspaceError
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

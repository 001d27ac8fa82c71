"""Sources and their checkpoints in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from goodwill.domain.sources import Checkpoint, SourceConfig
from goodwill.errors import ConfigError, NotFoundError
from goodwill.store.tables import source_checkpoints, sources


def _config(row: Any) -> SourceConfig:
    return SourceConfig(
        name=row.name, platform=row.platform, url=row.url, queries=tuple(row.queries or ()),
        account=row.account, token_env=row.token_env, schedule_seconds=row.schedule_seconds,
        backfill_posts=row.backfill_posts, backfill_since=row.backfill_since,
    )


def add_source(conn: Connection, config: SourceConfig) -> int:
    if conn.execute(select(sources.c.id).where(sources.c.name == config.name)).first() is not None:
        raise ConfigError(f"a source named {config.name!r} exists already (remove it first)")
    source_id: int = conn.execute(
        sources.insert().values(
            name=config.name, platform=config.platform, url=config.url, queries=list(config.queries),
            account=config.account, token_env=config.token_env, schedule_seconds=config.schedule_seconds,
            backfill_posts=config.backfill_posts, backfill_since=config.backfill_since,
            enabled=True, created_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(
        source_checkpoints.insert().values(
            source_id=source_id, checkpoint=None, runs=0, items_seen=0, items_added=0, edits=0, deletions=0
        )
    )
    return source_id


def list_sources(conn: Connection, *, enabled_only: bool = False) -> list[tuple[int, SourceConfig]]:
    query = select(sources).order_by(sources.c.name)
    if enabled_only:
        query = query.where(sources.c.enabled)
    return [(row.id, _config(row)) for row in conn.execute(query)]


def source_table(conn: Connection) -> list[dict[str, Any]]:
    """Every source with its state, as plain data (`sources list --json`)."""
    rows = conn.execute(
        select(sources, source_checkpoints).join(source_checkpoints, source_checkpoints.c.source_id == sources.c.id)
        .order_by(sources.c.name)
    ).mappings()
    out = []
    for r in rows:
        out.append({
            "name": r["name"], "platform": r["platform"], "url": r["url"], "queries": list(r["queries"] or []),
            "account": r["account"], "token_env": r["token_env"], "schedule_seconds": r["schedule_seconds"],
            "enabled": r["enabled"], "checkpoint": r["checkpoint"], "backfill_posts": r["backfill_posts"],
            "backfill_since": r["backfill_since"].isoformat() if r["backfill_since"] else None,
            "last_run_at": r["last_run_at"].isoformat() if r["last_run_at"] else None,
            "last_ok_at": r["last_ok_at"].isoformat() if r["last_ok_at"] else None,
            "last_error": r["last_error"], "runs": r["runs"], "items_seen": r["items_seen"],
            "items_added": r["items_added"], "edits": r["edits"], "deletions": r["deletions"],
        })
    return out


def get_source(conn: Connection, name: str) -> tuple[int, SourceConfig]:
    row = conn.execute(select(sources).where(sources.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no source named {name!r} (see `goodwill sources list`)")
    return row.id, _config(row)


def set_enabled(conn: Connection, name: str, enabled: bool) -> bool:
    """Enable or disable a source; returns whether it was enabled before."""
    row = conn.execute(select(sources.c.id, sources.c.enabled).where(sources.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no source named {name!r} (see `goodwill sources list`)")
    conn.execute(sources.update().where(sources.c.id == row.id).values(enabled=enabled))
    return bool(row.enabled)


def remove_source(conn: Connection, name: str) -> None:
    source_id, _ = get_source(conn, name)
    conn.execute(source_checkpoints.delete().where(source_checkpoints.c.source_id == source_id))
    conn.execute(sources.delete().where(sources.c.id == source_id))


def load_checkpoint(conn: Connection, source_id: int) -> Checkpoint | None:
    value = conn.execute(
        select(source_checkpoints.c.checkpoint).where(source_checkpoints.c.source_id == source_id)
    ).scalar()
    return dict(value) if value else None


def save_checkpoint(
    conn: Connection, source_id: int, checkpoint: Checkpoint | None, *, seen: int, added: int, edits: int, deletions: int
) -> None:
    """Record a committed batch (call inside the batch's own transaction)."""
    now = datetime.now(UTC)
    c = source_checkpoints.c
    conn.execute(
        source_checkpoints.update().where(c.source_id == source_id).values(
            checkpoint=checkpoint, last_run_at=now, last_ok_at=now, last_error=None,
            items_seen=c.items_seen + seen, items_added=c.items_added + added,
            edits=c.edits + edits, deletions=c.deletions + deletions,
        )
    )


def record_run(conn: Connection, source_id: int, error: str | None) -> None:
    """A run of the source ended: count it, and keep its error (already free of credentials)."""
    c = source_checkpoints.c
    values: dict[str, Any] = {"runs": c.runs + 1, "last_run_at": datetime.now(UTC), "last_error": error}
    if error is None:
        values["last_ok_at"] = datetime.now(UTC)
    conn.execute(source_checkpoints.update().where(c.source_id == source_id).values(**values))

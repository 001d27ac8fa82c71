"""The store itself: migrations agree with the tables, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from goodwill.config import Settings
from goodwill.store import Store, open_store
from goodwill.store.tables import metadata


def test_migrations_create_exactly_the_tables(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # Full-text search lives outside the metadata (FTS5 tables on SQLite, an
    # expression index on PostgreSQL); nothing else may differ.
    def full_text(d: tuple) -> bool:
        return (d[0] == "remove_table" and d[1].name.startswith("messages_fts")) or (
            d[0] == "remove_index" and d[1].name == "ix_messages_text_search"
        )

    relevant = [d for d in diff if not full_text(d)]
    assert relevant == []
    assert store.is_current()


def test_reopening_migrates_nothing_and_keeps_data(store: Store, settings: Settings) -> None:
    with store.begin() as conn:
        conn.execute(sa.text("INSERT INTO people (display_name, created_at) VALUES ('Ana', '2026-10-01 00:00:00')"))
    again = open_store(settings.resolved_database_url())
    with again.begin() as conn:
        assert conn.execute(sa.text("SELECT display_name FROM people")).scalars().all() == ["Ana"]
    again.close()


def test_sqlite_store_uses_wal(tmp_path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'w.db'}", create=True)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()

"""Alembic environment: runs on the connection Goodwill hands it."""

from __future__ import annotations

from alembic import context

from goodwill.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is run by hand
    raise SystemExit("run migrations through goodwill (Store.migrate), not the alembic command")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""The store: tables, migrations and the queries the services run.

One SQLAlchemy implementation serves SQLite (the embedded default, a file in
the workspace directory) and PostgreSQL (by URL).
"""

from __future__ import annotations

from goodwill.store.db import Store, open_store

__all__ = ["Store", "open_store"]

"""The store: tables, migrations, and one query module per aggregate
(`messages`, `threads`, `search`, `sources`, `signals`, `users`, `audit`,
`workspace`). The only package that speaks SQL.

One SQLAlchemy implementation serves SQLite (the embedded default, a file in
the workspace directory) and PostgreSQL (by URL).
"""

from __future__ import annotations

from sqlalchemy import Connection

from goodwill.store.db import Store, open_store

__all__ = ["Connection", "Store", "open_store"]

"""The operations the shells (CLI, later the web app) call.

Each takes Settings (or an open Store) and plain arguments, and returns plain
data; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from goodwill.config import DATABASE_FILE, Settings
from goodwill.domain import Workspace
from goodwill.errors import ConfigError, WorkspaceError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import ImportReport, import_file
from goodwill.store import Store, open_store, queries
from goodwill.store.workspace import has_workspace, load_workspace, save_workspace


def parse_accounts(specs: Iterable[str]) -> dict[str, list[str]]:
    """`["twitter:@acme", "mastodon:acme@social.example"]` -> {platform: [handles]}."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        platform, sep, handle = spec.partition(":")
        if not sep or not platform.strip() or not handle.strip().lstrip("@"):
            raise ConfigError(f"--account {spec!r}: write PLATFORM:HANDLE, e.g. twitter:@acme")
        out.setdefault(platform.strip().lower(), []).append(handle.strip().lstrip("@"))
    return out


def init_workspace(settings: Settings, workspace: Workspace, *, exist_ok: bool = False) -> Store:
    """Create the store (migrated) and its workspace row."""
    if settings.database_url is None:
        db = settings.workspace / DATABASE_FILE
        if db.exists() and not exist_ok:
            raise WorkspaceError(f"a workspace already exists in {settings.workspace}")
        settings.workspace.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.resolved_database_url(), create=True)
    with store.begin() as conn:
        if has_workspace(conn) and not exist_ok:
            store.close()
            raise WorkspaceError("this database already holds a workspace")
        save_workspace(conn, workspace)
    return store


def open_workspace(settings: Settings) -> Store:
    return open_store(settings.resolved_database_url())


def import_path(
    store: Store,
    settings: Settings,
    path: Path,
    options: ImportOptions,
    *,
    progress: Callable[[int], None] | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportReport:
    return import_file(
        store,
        path,
        options,
        batch_size=settings.import_batch_size,
        parallel_bytes=settings.import_parallel_bytes,
        signals=settings.import_signals,
        progress=progress,
        on_validated=on_validated,
    )


def workspace_status(store: Store) -> dict[str, Any]:
    with store.begin() as conn:
        ws = load_workspace(conn)
        data = queries.status(conn)
    data["workspace"] = {
        "name": ws.name,
        "brand_accounts": ws.brand_accounts,
        "keywords": ws.keywords,
        "competitors": ws.competitors,
    }
    return data


def search_messages(store: Store, query: str, *, limit: int = 20, newest_first: bool = False) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return queries.search(conn, query, limit=limit, newest_first=newest_first)

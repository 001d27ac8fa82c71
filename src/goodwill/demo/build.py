"""Building the demo workspace for Halcyon Bikes, a fictional e-bike maker."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.config import DATABASE_FILE, Settings
from goodwill.demo import synth
from goodwill.domain import ParsedMessage, Workspace
from goodwill.domain.team import Role
from goodwill.errors import WorkspaceError
from goodwill.ingest.readers import ImportOptions, read_messages
from goodwill.ingest.writer import ingest_messages
from goodwill.service import team
from goodwill.service.workspace import import_path, init_workspace, workspace_status
from goodwill.store import Store
from goodwill.store.db import open_store
from goodwill.store.workspace import has_workspace

CONVERSATIONS = Path(__file__).with_name("conversations.jsonl")
#: The demo's sign-in, printed by `goodwill demo` and given in the README. Local demos only.
DEMO_USER = "demo"
DEMO_PASSWORD = "halcyon-demo"

HALCYON = Workspace(
    name="Halcyon Bikes",
    brand_accounts={
        "twitter": ["halcyonbikes"],
        "mastodon": ["halcyon@bikes.example"],
        "bluesky": ["halcyonbikes.bsky.social"],
        "reddit": ["HalcyonBikes"],
        "reviews": ["HalcyonBikes"],
    },
    keywords=["halcyon", "halcyon drift", "halcyon ridge", "halcyon loop", "halcyon ride"],
    competitors=["Vantor", "Pedalwise"],
)


def hand_written(now: datetime | None = None) -> Iterator[ParsedMessage]:
    """The hand-written conversations, moved by whole days so the newest is from today."""
    items = list(read_messages(CONVERSATIONS, ImportOptions(format="jsonl")))
    newest = max(m.created_at for m in items)
    today = (now or datetime.now(UTC)).date()
    shift = timedelta(days=(today - newest.date()).days)
    for m in items:
        yield dataclasses.replace(m, created_at=m.created_at + shift)


def _remove_sqlite(workspace: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (workspace / (DATABASE_FILE + suffix)).unlink(missing_ok=True)


def build_demo(
    settings: Settings,
    *,
    messages: int | None = None,
    seed: int = 7,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Create the demo workspace: the hand-written conversations, or `messages`
    synthetic ones. An existing demo is kept unless `force` is given."""
    exists = False
    if settings.database_url is None:
        exists = (settings.workspace / DATABASE_FILE).exists()
        if exists and force:
            _remove_sqlite(settings.workspace)
            exists = False
    else:
        store = open_store(settings.resolved_database_url(), create=True)
        with store.begin() as conn:
            exists = has_workspace(conn)
        store.close()
        if exists and force:
            raise WorkspaceError("demo --force replaces SQLite workspaces only; use an empty database")
    if exists:
        store = open_store(settings.resolved_database_url())
        try:
            status = workspace_status(store)
            _add_demo_user(store)
        finally:
            store.close()
        return {"name": status["workspace"]["name"], "messages": status["messages"], "built": False}
    store = init_workspace(settings, HALCYON)
    try:
        if messages is None:
            added = ingest_messages(store, "demo: hand-written conversations", hand_written(), progress=progress)
        else:
            days = 90
            start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
            settings.workspace.mkdir(parents=True, exist_ok=True)
            path = settings.workspace / f"demo-synthetic-{messages}-{seed}.jsonl"
            synth.write_jsonl(path, messages, seed=seed, start=start, days=days)
            try:
                added = import_path(store, settings, path, ImportOptions(format="jsonl"), progress=progress).added
            finally:
                path.unlink(missing_ok=True)
        _add_demo_user(store)
    finally:
        store.close()
    return {"name": HALCYON.name, "messages": added, "built": True}


def _add_demo_user(store: Store) -> None:
    """The demo's admin, unless the workspace has users already."""
    if not team.has_users(store):
        team.add_user(store, team.cli_actor(), DEMO_USER, DEMO_PASSWORD, Role.ADMIN)

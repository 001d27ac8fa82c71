"""Building the demo workspace for Halcyon Bikes, a fictional e-bike maker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.config import DATABASE_FILE, Settings
from goodwill.demo import synth
from goodwill.demo.build import DEMO_PASSWORD, DEMO_USER, HALCYON, SAVED_REPLIES, hand_written
from goodwill.domain.team import Actor, Role
from goodwill.errors import WorkspaceError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import ingest_messages
from goodwill.service import advocacy, giving, knowledge, people, posts, saved_replies, team
from goodwill.service.cases import on_new_messages
from goodwill.service.imports import import_path
from goodwill.service.workspace import init_workspace, operator, workspace_status
from goodwill.store import Store, open_store
from goodwill.store.workspace import has_workspace

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "build_demo"]


HELP_CENTRE = Path(synth.__file__).resolve().parent / "help-centre.jsonl"


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
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Create the demo workspace: the hand-written conversations, or `messages`
    synthetic ones. An existing demo is kept unless `force` is given."""
    actor = actor or operator()
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
            status = workspace_status(store, actor)
            _add_demo_user(store, actor)
        finally:
            store.close()
        return {"name": status["workspace"]["name"], "messages": status["messages"], "built": False}
    store = init_workspace(settings, HALCYON, actor=actor)
    give_ratio = None
    try:
        if messages is None:
            written = list(hand_written())  # one clock reading: the plan below follows the same newest message
            added = ingest_messages(store, "demo: hand-written conversations", written, progress=progress,
                                    on_new=on_new_messages(actor))
            people.link(store, actor)  # Mara's verified site joins her two accounts
            people.rescore(store, actor)  # the people's scores, as the server keeps them
            knowledge.import_articles(store, actor, HELP_CENTRE)  # the help articles the brand's replies link
            for title, body, tags in SAVED_REPLIES:
                saved_replies.add_saved(store, actor, title, body, list(tags))
            advocacy.seed_demo(store, actor)  # gestures for its advocates, and what followed them
            posts.seed_demo(store, actor, max(m.created_at for m in written))  # its plan and a collaboration
            with store.begin() as conn:  # read the brand's own messages now, so the audit opens at once
                give_ratio = giving.give_ratio(conn)
        else:
            days = 90
            start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
            settings.workspace.mkdir(parents=True, exist_ok=True)
            path = settings.workspace / f"demo-synthetic-{messages}-{seed}.jsonl"
            synth.write_jsonl(path, messages, seed=seed, start=start, days=days)
            try:
                added = import_path(store, actor, settings, path, ImportOptions(format="jsonl"), progress=progress).added
            finally:
                path.unlink(missing_ok=True)
        _add_demo_user(store, actor)
    finally:
        store.close()
    return {"name": HALCYON.name, "messages": added, "built": True, "give_ratio": give_ratio}


def _add_demo_user(store: Store, actor: Actor) -> None:
    """The demo's admin, unless the workspace has users already."""
    if not team.has_users(store):
        team.add_user(store, actor, DEMO_USER, DEMO_PASSWORD, Role.ADMIN)

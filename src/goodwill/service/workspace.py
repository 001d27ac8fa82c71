"""The workspace: create and open it, who acts at the terminal, and its status.

Each function takes Settings (or an open Store) and plain arguments, and
returns plain data; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from goodwill.config import DATABASE_FILE, Settings
from goodwill.domain import Workspace
from goodwill.domain.team import Actor, Origin, Role
from goodwill.domain.timeparse import iso_utc
from goodwill.errors import ConfigError, WorkspaceError
from goodwill.service import team
from goodwill.store import Store, open_store
from goodwill.store.cases import count_by_status
from goodwill.store.signals import count_pending, signal_counts, version_counts
from goodwill.store.upkeep import jobs as upkeep_jobs
from goodwill.store.workspace import has_workspace, load_workspace, save_workspace
from goodwill.store.workspace import status as status_counts

__all__ = [
    "Session", "Store", "init_workspace", "open_workspace", "operator", "parse_accounts", "session",
    "terminal_actor", "workspace_status",
]


def parse_accounts(specs: Iterable[str]) -> dict[str, list[str]]:
    """`["twitter:@acme", "mastodon:acme@social.example"]` -> {platform: [handles]}."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        platform, sep, handle = spec.partition(":")
        if not sep or not platform.strip() or not handle.strip().lstrip("@"):
            raise ConfigError(f"--account {spec!r}: write PLATFORM:HANDLE, e.g. twitter:@acme")
        out.setdefault(platform.strip().lower(), []).append(handle.strip().lstrip("@"))
    return out


# -- who acts at the terminal ---------------------------------------------------


def operator() -> Actor:
    """The local operator: `cli:<os user>`, acting as the workspace's owner (admin)."""
    return team.cli_actor()


def terminal_actor(store: Store, as_user: str | None = None) -> Actor:
    """Who a command acts as: the operator, or with `as_user` (`--as USER`) that
    Goodwill user with that user's role, recorded as `bob (via cli:alice)`.
    An unknown or disabled user is an error."""
    op = operator()
    if not as_user:
        return op
    user = team.user_actor(store, as_user)
    return Actor(user.user_id, f"{user.name} (via {op.name})", user.role, Origin.CLI, op.address)


# -- creating and opening -------------------------------------------------------


def init_workspace(settings: Settings, workspace: Workspace, *, actor: Actor | None = None, exist_ok: bool = False) -> Store:
    """Create the store (migrated) and its workspace row; audited as `workspace.init`."""
    if settings.database_url is None:
        db = settings.workspace / DATABASE_FILE
        if db.exists() and not exist_ok:
            raise WorkspaceError(f"a workspace already exists in {settings.workspace}")
        settings.workspace.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.resolved_database_url(), create=True)
    try:
        with store.begin() as conn:
            if has_workspace(conn) and not exist_ok:
                raise WorkspaceError("this database already holds a workspace")
            save_workspace(conn, workspace)
            team.record(conn, actor or operator(), "workspace.init", workspace.name,
                        brand_accounts=workspace.brand_accounts, keywords=workspace.keywords,
                        competitors=workspace.competitors)
    except BaseException:
        store.close()
        raise
    return store


def open_workspace(settings: Settings, *, server: bool = False) -> Store:
    """Open (and migrate) the workspace's store. `server` sizes the connection
    pool for a web server, whose pages run in a thread pool."""
    url = settings.resolved_database_url()
    if not server:
        return open_store(url)
    open_store(url).close()  # checks the workspace exists and migrates it
    # Enough connections that 20 browsers do not queue on them.
    return open_store(url, pool_size=20, max_overflow=10, pool_timeout=30)


@dataclass
class Session:
    """An open workspace and who is acting in it."""

    settings: Settings
    store: Store
    actor: Actor


@contextmanager
def session(settings: Settings, as_user: str | None = None) -> Iterator[Session]:
    """Open the workspace, resolve the actor, and close the store afterwards."""
    store = open_workspace(settings)
    try:
        yield Session(settings, store, terminal_actor(store, as_user))
    finally:
        store.close()


# -- reading --------------------------------------------------------------------


def workspace_status(store: Store, actor: Actor | None = None) -> dict[str, Any]:
    """The `status` document: counts by platform and day, threads, people, unfinished imports."""
    team.require(actor or operator(), Role.AGENT)
    with store.begin() as conn:
        ws = load_workspace(conn)
        data = status_counts(conn)
        by_status = count_by_status(conn)
        data["signals"] = signal_counts(conn)
        data["signals"]["by_model_version"] = version_counts(conn)  # every message's, the brand's too
        data["signals"]["pending"] = count_pending(conn)  # not read by the accurate pass yet
        jobs = upkeep_jobs(conn)
    data["cases_by_status"] = by_status
    data["open_cases"] = sum(n for s, n in by_status.items() if s in ("new", "open", "waiting"))
    # The scheduled jobs (retention once a day, scoring people): when each last ran, what it did, when it runs next.
    data["upkeep"] = {name: {"last_run_at": iso_utc(j["last_run_at"]), "next_run_at": iso_utc(j["next_run_at"]),
                             "last_result": j["last_result"], "last_error": j["last_error"]} for name, j in jobs.items()}
    data["workspace"] = {
        "name": ws.name,
        "brand_accounts": ws.brand_accounts,
        "keywords": ws.keywords,
        "competitors": ws.competitors,
    }
    return data

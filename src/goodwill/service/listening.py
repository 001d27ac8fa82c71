"""Running the listener: every enabled source on its schedule.

Listening needs the manager role. The listener itself acts as a system
actor per source (`listener:<source>`, origin `cli`): each run of a source
that stored, edited or deleted something, or failed, leaves one audit entry
(`source.run`, with the counts or the error) on the transaction that records
the run; a quiet run leaves none, so the log does not fill with polls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from goodwill.config import Settings
from goodwill.connectors.credentials import secrets_path
from goodwill.domain.sources import SourceConfig
from goodwill.domain.team import Actor, Origin, Role
from goodwill.ingest.listen import Listener, SourceProgress, run_until_done
from goodwill.service import routing
from goodwill.service.audit import record, require
from goodwill.service.cases import on_new_messages, system_actor
from goodwill.service.sources import listen_options
from goodwill.store import Connection, Store

__all__ = ["LISTEN_ROLE", "Listener", "SourceProgress", "listener", "listener_actor", "run_until_done"]

LISTEN_ROLE = Role.MANAGER


def listener_actor(source: str) -> Actor:
    """The system actor a source's runs are recorded under."""
    return Actor(user_id=None, name=f"listener:{source}", role=Role.MANAGER, origin=Origin.CLI, address="local")


def _audit_run(conn: Connection, config: SourceConfig, counts: tuple[int, int, int, int], error: str | None) -> None:
    seen, added, edited, deleted = counts
    # Every run of a source also escalates SLA breaches not escalated yet (each once).
    routing.escalate_in(conn, listener_actor(config.name), datetime.now(UTC))
    if error is None and not (added or edited or deleted):
        return
    record(conn, listener_actor(config.name), "source.run", config.name, seen=seen, added=added, edited=edited,
           deleted=deleted, error=error)


def listener(
    store: Store,
    actor: Actor,
    settings: Settings,
    *,
    environ: Mapping[str, str],
    once: bool = False,
    names: list[str] | None = None,
    secrets: Path | None = None,
) -> Listener:
    """A listener over the workspace's enabled sources (`names` to pick some); `run()` starts it."""
    require(actor, LISTEN_ROLE)
    return Listener(
        store, environ=environ, secrets=secrets or secrets_path(settings.workspace, environ),
        options=listen_options(settings), once=once, names=names, on_run=_audit_run,
        on_new=on_new_messages(system_actor("listener")),
    )

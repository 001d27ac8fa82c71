"""Running the listener: every enabled source on its schedule.

Listening needs the manager role. The listener itself acts as a system
actor per source (`listener:<source>`, origin `cli`): each run of a source
that stored, edited or deleted something, or failed, leaves one audit entry
(`source.run`, with the counts or the error) on the transaction that records
the run; a quiet run leaves none, so the log does not fill with polls.

The listener also publishes the brand's posts whose time has come
(`PostPublisher`, as the `publisher` system actor), every PUBLISH_EVERY
seconds and once more before `--once` ends; see `service.posts`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goodwill.config import Settings
from goodwill.connectors.credentials import secrets_path
from goodwill.domain.sources import SourceConfig
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import ModelUnavailableError
from goodwill.ingest.listen import Listener, SourceProgress, run_until_done
from goodwill.service import routing, understanding
from goodwill.service.audit import record, require
from goodwill.service.cases import on_new_messages, system_actor
from goodwill.service.sources import listen_options
from goodwill.service.upkeep import UpkeepRunner
from goodwill.store import Connection, Store

__all__ = ["LISTEN_ROLE", "Listener", "PostPublisher", "SourceProgress", "listener", "listener_actor", "run_until_done"]

LISTEN_ROLE = Role.MANAGER
log = logging.getLogger("goodwill.listen")


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


class PassingListener(Listener):
    """A listener that, when it runs on (not `once`), also reads pending signals again in the
    background every `every` seconds (`understanding.read_pending`), and runs the upkeep jobs
    (`upkeep`: retention, scoring people) when they are due, stopping with it."""

    def __init__(self, *args: Any, every: float = 0.0, upkeep: UpkeepRunner | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.every = every
        self.upkeep = upkeep
        self.pass_note: str | None = None  # why the background pass stopped, if it did

    def _read_pending(self) -> None:
        while not self._stop.wait(self.every):
            try:
                understanding.read_pending(self.store, self._stop.is_set)
            except ModelUnavailableError as exc:  # said once; the signals stay provisional and say so
                self.pass_note = f"the accurate pass stops: {exc}"
                log.error(self.pass_note)
                return
            except Exception:  # noqa: BLE001 - logged; the next interval tries again, listening goes on
                log.exception("the accurate pass failed")

    def run(self) -> dict[str, SourceProgress]:
        reader = None
        if self.every > 0 and not self.once:
            reader = threading.Thread(target=self._read_pending, name="accurate-pass", daemon=True)
            reader.start()
        if self.upkeep is not None and not self.once:
            self.upkeep.start()
        try:
            return super().run()
        finally:
            if reader is not None:
                self.stop()
                reader.join(60)
            if self.upkeep is not None:
                self.upkeep.stop()


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
    return PassingListener(
        store, every=settings.accurate_pass_every,
        upkeep=UpkeepRunner(store, every=settings.upkeep_every, rescore_every=settings.rescore_every),
        environ=environ, secrets=secrets or secrets_path(settings.workspace, environ),
        options=listen_options(settings), once=once, names=names, on_run=_audit_run,
        on_new=on_new_messages(system_actor("listener")),
    )


#: Seconds between the listener's passes over the posts that are due.
PUBLISH_EVERY = 30.0


class PostPublisher:
    """Publishes due posts beside the listener: calling it (the listener's tick)
    starts a pass in a background thread when PUBLISH_EVERY seconds have passed
    since the last; `finish()` runs one last pass and waits for it. A pass that
    stops mid-way (the process killed) is finished by the next one: each post
    is claimed before it is published and carries its idempotency key."""

    def __init__(self, store: Store, settings: Settings, environ: Mapping[str, str],
                 every: float = PUBLISH_EVERY) -> None:
        self.store, self.settings, self.environ, self.every = store, settings, environ, every
        self.actor = system_actor("publisher")
        self.last: float | None = None
        self.error: str | None = None
        self.published = 0
        self._thread: threading.Thread | None = None

    def _pass(self) -> None:
        from goodwill.service import posts

        try:
            done = posts.publish_due(self.store, self.actor, environ=self.environ, settings=self.settings)
            self.published += sum(1 for d in done if d.outcome == "published")
            self.error = next((d.error for d in done if d.error), None)
        except Exception as exc:  # noqa: BLE001 - a failing pass must not stop the listener; the next one retries
            self.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]

    def __call__(self) -> None:
        now = time.monotonic()
        if (self._thread is not None and self._thread.is_alive()) or (self.last is not None and now - self.last < self.every):
            return
        self.last = now
        self._thread = threading.Thread(target=self._pass, name="publisher", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._pass()

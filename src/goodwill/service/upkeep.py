"""Upkeep: the jobs the long-running processes (the listener, the web server) run on schedule.

- **retention**, at most once a day: the workspace's retention policy
  (`privacy.apply_retention`'s work), and the rows earlier versions kept
  blanked for posts deleted on their platform. Every run is audited
  (`retention.run`, with its cutoff and counts, none deleted included).
- **rescore**, every RESCORE_EVERY seconds (`GOODWILL_RESCORE_EVERY`): the
  people's scores (`people.rescore`'s work), when anything they are worked out
  from changed since the last run; audited (`people.rescore`).

`run_due(store, now=...)` runs whichever is due at `now` (a test passes its
own clock). Each job is claimed in the transaction that does its work
(`store.upkeep.claim`), so of several processes looking at once one runs it;
`schedule` says when each last ran and when it runs next (`goodwill status`,
`GET /api/v1/upkeep`). `UpkeepRunner` calls `run_due` every `every` seconds
on a thread of its own, beside the listener.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.domain.team import Actor, Origin, Role
from goodwill.service import people
from goodwill.service.audit import iso, record, require
from goodwill.store import Store, erasure
from goodwill.store import upkeep as jobs_store

__all__ = ["RETENTION_EVERY", "UPKEEP_ACTOR", "UpkeepRunner", "run_due", "schedule"]

log = logging.getLogger("goodwill.upkeep")

#: Retention runs at most once a day.
RETENTION_EVERY = timedelta(days=1)
#: Who scheduled runs are recorded as in the audit log.
UPKEEP_ACTOR = Actor(user_id=None, name="upkeep", role=Role.ADMIN, origin=Origin.CLI, address="local")


def _retention(store: Store, now: datetime) -> dict[str, Any] | None:
    """The retention job, if due: claimed, run and audited in one transaction. None when it was not due."""
    with store.begin() as conn:
        if not jobs_store.claim(conn, "retention", now, RETENTION_EVERY):
            return None
        blanked = erasure.erase_blanked(conn)
        days = erasure.retention_days(conn)
        result: dict[str, Any] = {"retention_days": days, "cutoff": None, "deleted_posts_erased": blanked}
        if days is not None:
            cutoff = now - timedelta(days=days)
            result |= {"cutoff": iso(cutoff), **erasure.erase_older_than(conn, cutoff).to_dict()}
        jobs_store.finish(conn, "retention", result)
        record(conn, UPKEEP_ACTOR, "retention.run", "workspace", scheduled=True, **result)
    return result


def _rescore(store: Store, now: datetime, every: timedelta) -> dict[str, Any] | None:
    """The scoring job, if due and anything changed since its last run: worked out from one read, then stored,
    claimed and audited in one transaction. None when it was not due."""
    with store.begin() as conn:
        if not jobs_store.is_due(conn, "rescore", now):
            return None
        seen = jobs_store.fingerprint(conn)
        last = jobs_store.jobs(conn).get("rescore", {}).get("last_result") or {}
    if last.get("fingerprint") == seen:
        with store.begin() as conn:
            if jobs_store.claim(conn, "rescore", now, every):
                jobs_store.finish(conn, "rescore", {**last, "unchanged_at": iso(now)})
        return {"people": 0, "unchanged": True}
    judged, rows = people.compute_scores(store)
    with store.begin() as conn:
        if not jobs_store.claim(conn, "rescore", now, every):
            return None  # another process scored meanwhile
        people.write_scores(conn, rows, now)
        result = {"people": len(rows), "judged_at": iso(judged), "fingerprint": seen}
        jobs_store.finish(conn, "rescore", result)
        record(conn, UPKEEP_ACTOR, "people.rescore", "people", people=len(rows), judged_at=iso(judged), scheduled=True)
    return {"people": len(rows), "unchanged": False}


def run_due(store: Store, *, rescore_every: float, now: datetime | None = None) -> dict[str, Any]:
    """Run the jobs due at `now` (default: the clock); returns what each that ran did. A failing job is
    noted on its row (still due) and does not stop the other."""
    at = now or datetime.now(UTC)
    done: dict[str, Any] = {}
    runs: list[tuple[str, Callable[[], dict[str, Any] | None]]] = [("retention", lambda: _retention(store, at))]
    if rescore_every > 0:
        runs.append(("rescore", lambda: _rescore(store, at, timedelta(seconds=rescore_every))))
    for name, run in runs:
        try:
            result = run()
        except Exception as exc:  # noqa: BLE001 - noted and logged; the next look tries again
            log.exception("upkeep job %s failed", name)
            with store.begin() as conn:
                jobs_store.failed(conn, name, f"{type(exc).__name__}: {exc}".splitlines()[0])
            done[name] = {"error": str(exc)}
            continue
        if result is not None:
            done[name] = result
    return done


def schedule(store: Store, actor: Actor) -> dict[str, Any]:
    """When each upkeep job last ran, what it did, and when it runs next (agents and up)."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        found = jobs_store.jobs(conn)
    return {name: {"last_run_at": iso(j["last_run_at"]), "next_run_at": iso(j["next_run_at"]),
                   "last_result": j["last_result"], "last_error": j["last_error"]} for name, j in found.items()}


class UpkeepRunner:
    """Runs `run_due` every `every` seconds (the first one interval after `start()`) on a thread of its own
    until `stop()`: the listener's upkeep. `clock` gives the time each look runs at."""

    def __init__(self, store: Store, *, every: float, rescore_every: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.every, self.rescore_every, self.clock = store, every, rescore_every, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                done = run_due(self.store, rescore_every=self.rescore_every, now=self.clock())
                self.error = next((str(d["error"]) for d in done.values() if "error" in d), None)
            except Exception as exc:  # noqa: BLE001 - the store may be away for a while; the next look tries again
                log.exception("upkeep failed")
                self.error = f"{type(exc).__name__}: {exc}".splitlines()[0]

    def start(self) -> None:
        if self.every > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="upkeep", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(120)

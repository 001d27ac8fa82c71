"""Understanding for a workspace: backfilling stored messages' signals, and
training the models (classifying a file without a workspace: `service.classify`).

The models stay pure (texts in, signals out); saving their signals happens
here and in ingest. `enrich` needs the manager role and writes one audit
entry (`signals.enrich`, with the count) on the transaction of its last batch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from goodwill.domain.team import Actor, Role
from goodwill.errors import ConfigError
from goodwill.ingest.prepare import signal_rows
from goodwill.service.audit import record, require
from goodwill.service.cases import sync_messages, system_actor
from goodwill.service.classify import BATCH
from goodwill.store import Store
from goodwill.store.signals import (
    count_missing,
    count_pending,
    missing,
    newest_message_id,
    pass_state,
    rewind_passes,
    save_pass,
    write_signals,
)
from goodwill.understand.enrich import Mode, enrich, model_version

__all__ = ["ENRICH_ROLE", "TRAIN_TASKS", "Mode", "backfill", "count_to_enrich", "count_to_read_again", "read_pending", "model_version", "train"]

ENRICH_ROLE = Role.MANAGER
TRAIN_TASKS = ("intent", "sentiment", "all", "give-take")


def _better(mode: Mode) -> list[str]:
    """Model versions as good as `mode`'s or better, whose signals a run of `mode` keeps."""
    if mode == "fast":
        return []  # and every signal the encoder read: see store.signals._lacking
    return [model_version("accurate")] if mode == "cascade" else []


def count_to_enrich(store: Store, actor: Actor, mode: Mode = "cascade", *, force: bool = False) -> int:
    """Messages a run of `backfill` in `mode` would read."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return count_missing(conn, model_version(mode), keep=_better(mode), force=force)


def count_to_read_again(store: Store) -> int:
    """Messages the accurate pass has still to read (no signals, or the fast models' only)."""
    with store.begin() as conn:
        return count_pending(conn)


#: A finished pass reads on after its checkpoint; once in this long it starts again from the first message
#: (on PostgreSQL, concurrent writers may commit a lower id after a higher one was read).
FULL_SCAN_EVERY = timedelta(hours=1)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def backfill(
    store: Store,
    actor: Actor | None = None,
    *,
    sentiment: Mode = "cascade",
    batch_size: int = 5000,
    force: bool = False,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute and store signals for messages that lack them or whose signals
    came from other models, a batch per transaction. Returns how many.

    Signals are never replaced by a weaker model's: the fast models
    (`sentiment="fast"`) fill in only what has no signals or older fast ones;
    the cascade (the default, the accurate pass that follows import and
    listening) keeps what the accurate mode read. `force` reads every message
    again. Each batch is committed with its cases (`sync_messages`: signals
    that change can open a case) and with the pass's checkpoint
    (`signal_passes`), so a run that stops resumes after its last batch.

    :param limit: stop after about this many messages (the listener and the
        server take the pass in slices); the pass resumes where it stopped.
    :raises ModelUnavailableError: the mode needs the encoder and it is not installed.
    """
    if actor is not None:
        require(actor, ENRICH_ROLE)
    if sentiment != "fast":
        from goodwill.understand import encoder

        encoder.require()
    version = model_version(sentiment)
    keep = _better(sentiment)
    name = f"{sentiment}{'-force' if force else ''}"
    now = datetime.now(UTC)
    with store.begin() as conn:
        state = pass_state(conn, name)
    finished = state is not None and state["finished_at"] is not None
    if (state is None or state["model_version"] != version or (finished and force)
            or (finished and now - _aware(state["started_at"]) > FULL_SCAN_EVERY)):
        state = {"model_version": version, "last_message_id": 0, "done": 0, "started_at": now, "updated_at": now,
                 "finished_at": None}
    elif finished:  # read on after the checkpoint: new messages (edits rewind it, see `rewind_passes`)
        state = {**state, "updated_at": now, "finished_at": None}
    done = 0
    while True:
        size = batch_size if limit is None else max(0, min(batch_size, limit - done))
        with store.begin() as conn:
            found = missing(conn, version, after=state["last_message_id"], limit=size, keep=keep, force=force) if size else []
            if found:
                batch = enrich([r[1] for r in found], sentiment=sentiment, is_brand=[r[2] for r in found])
                write_signals(conn, [[r[0], *row] for r, row in zip(found, signal_rows(batch), strict=True)])
                if sentiment == "fast":  # provisional again: the accurate pass must read them again
                    rewind_passes(conn, found[0][0])
                sync_messages(conn, [r[0] for r in found], actor or system_actor("enrich"))
                done += len(found)
                state.update(last_message_id=found[-1][0], done=state["done"] + len(found), updated_at=datetime.now(UTC))
            last = size > 0 and len(found) < size  # nothing more after this batch: the run is finished
            if last:  # nothing provisional up to the newest message
                state.update(finished_at=datetime.now(UTC),
                             last_message_id=max(state["last_message_id"], newest_message_id(conn)))
            if found or last:
                save_pass(conn, name, state)
            if (last or not size) and done:  # the run's audit entry (the background pass's too), on its last batch
                record(conn, actor or system_actor("accurate-pass"), "signals.enrich", "messages", messages=done,
                       model_version=version, force=force)
        if progress and found:
            progress(len(found))
        if last or not size:
            return done


#: Messages the background pass reads per slice (a transaction per `BATCH`), so that a stop waits for one slice at most.
SLICE = 2 * BATCH


def read_pending(store: Store, stop: Callable[[], bool] = lambda: False) -> int:
    """The background accurate pass (the listener's and the web server's): slices of `backfill`
    in the cascade until nothing is pending or `stop()` says so. Returns how many it read.

    :raises ModelUnavailableError: the encoder is not installed (nothing is read in silence
        with weaker models: the signals stay provisional and say so)."""
    done = 0
    while not stop():
        n = backfill(store, None, batch_size=BATCH, limit=SLICE)
        done += n
        if n < SLICE:
            break
    return done


def train(task: str, data: Path | None = None, out: Path | None = None, *, fast_only: bool = False) -> None:
    """Train the understanding models from the shared data folder (seeded, reproducible)."""
    if task not in TRAIN_TASKS:
        raise ConfigError(f"--task {task!r}: choose one of {', '.join(TRAIN_TASKS)}")
    if task == "give-take":  # the give-or-take heads of the brand's own posts (service.giving)
        from goodwill.service.giving import train_model

        train_model(data, None if out is None else out / "give_take.npz")
        return
    from goodwill.understand.training import train as trainer
    from goodwill.understand.training.corpus import data_dir

    try:
        if task in ("intent", "all"):
            data_dir(data)  # fail with one line before any work when the data is missing
        args = ["--task", task] + (["--data", str(data)] if data else []) + (["--out", str(out)] if out else [])
        trainer.main(args + (["--fast-only"] if fast_only else []))
    except FileNotFoundError as exc:
        raise ConfigError(f"training data: {exc}") from None

"""Listening: run every source on its schedule, each in its own thread.

For each source: open its connector, then repeatedly fetch a batch and write
it through the shared ingest path (`StreamWriter`) together with the
checkpoint that covers it, in one transaction. Server errors and rate limits
are retried with backoff; a source that still fails is recorded (its error
scrubbed of credentials) and the others carry on.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from goodwill.connectors.base import Backoff, Connector, with_backoff
from goodwill.connectors.credentials import known_secrets, redact, resolve_token
from goodwill.domain.sources import Batch, Checkpoint, SourceConfig
from goodwill.errors import ConnectorError, GoodwillError
from goodwill.ingest.writer import NewMessagesHook, StreamResult, StreamWriter
from goodwill.store import Connection, Store
from goodwill.store.sources import list_sources, load_checkpoint, record_run, save_checkpoint
from goodwill.store.workspace import load_workspace

ConnectorFactory = Callable[[SourceConfig, "str | None", "ListenOptions"], Connector]
#: Called on the transaction that records a source's run: the source, what the
#: run stored (seen, added, edited, deleted) and its error, if it failed.
RunHook = Callable[[Connection, SourceConfig, "tuple[int, int, int, int]", "str | None"], None]


@dataclass(frozen=True)
class ListenOptions:
    """How listening behaves; tests shorten the waits."""

    backoff: Backoff = field(default_factory=Backoff)
    timeout: float = 30.0  # seconds for one HTTP request or websocket read
    stream_batch_events: int = 5000  # a stream's batch ends after this many events...
    stream_batch_seconds: float = 1.0  # ...or this long
    user_agent: str = "goodwill (+https://github.com/goodwill-social/goodwill)"
    brand_keywords: tuple[str, ...] = ()
    brand_handles: tuple[str, ...] = ()
    once: bool = False  # streams without a backlog end when quiet


@dataclass
class SourceProgress:
    """What one source has done in this run (read by the live view)."""

    name: str
    platform: str
    state: str = "waiting"
    batches: int = 0
    seen: int = 0
    added: int = 0
    edited: int = 0
    deleted: int = 0
    error: str | None = None
    note: str = ""
    started: float = field(default_factory=time.monotonic)


def make_connector(config: SourceConfig, token: str | None, options: ListenOptions) -> Connector:
    """The connector for `config.platform` (client libraries load only when used)."""
    if config.platform == "mastodon":
        from goodwill.connectors.mastodon import MastodonConnector

        return MastodonConnector(config, token, options)
    if config.platform == "bluesky":
        from goodwill.connectors.bluesky import BlueskyConnector

        return BlueskyConnector(config, token, options)
    if config.platform == "jetstream":
        from goodwill.connectors.jetstream import JetstreamConnector

        return JetstreamConnector(config, token, options)
    if config.platform == "reddit":
        from goodwill.connectors.reddit import RedditConnector

        return RedditConnector(config, token, options)
    if config.platform == "rss":
        from goodwill.connectors.rss import RssConnector

        return RssConnector(config, token, options)
    raise ConnectorError(f"source {config.name!r}: unknown platform {config.platform!r}")


def describe_failure(exc: BaseException) -> str:
    """A failure in one line: our own errors as they are; anything else (a
    bug, an unexpected payload) with the place it happened, not the data."""
    if isinstance(exc, GoodwillError):
        return str(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}: {exc}"


@contextmanager
def secrets_masked(config: SourceConfig, environ: Mapping[str, str], secrets: Path) -> Iterator[None]:
    """Any failure inside the block, ours or a client library's, leaves it as
    a `ConnectorError` in one line with every known secret masked (the
    source's credential and every value in the secrets file)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - every failure is shown, and shown without secrets
        raise ConnectorError(redact(describe_failure(exc), known_secrets(config, environ, secrets))) from None


def try_source(
    config: SourceConfig,
    checkpoint: Checkpoint | None,
    *,
    environ: Mapping[str, str],
    secrets: Path,
    options: ListenOptions,
    factory: ConnectorFactory = make_connector,
) -> Batch:
    """Fetch one batch from `config`, storing nothing (`goodwill sources test`);
    failures come back through `secrets_masked`."""
    with secrets_masked(config, environ, secrets):
        connector = factory(config, resolve_token(config, environ, secrets), options)
        try:
            return connector.fetch(checkpoint)
        finally:
            connector.close()


class Listener:
    """Runs sources until they have caught up (`once`) or until `stop()`."""

    def __init__(
        self,
        store: Store,
        *,
        environ: Mapping[str, str],
        secrets: Path,
        options: ListenOptions | None = None,
        once: bool = False,
        names: list[str] | None = None,
        factory: ConnectorFactory = make_connector,
        on_run: RunHook | None = None,
        on_new: NewMessagesHook | None = None,
    ) -> None:
        self.store = store
        self.on_run = on_run
        self.on_new = on_new
        self.environ = environ
        self.secrets = secrets
        self.once = once
        self.factory = factory
        self._stop = threading.Event()
        with store.begin() as conn:
            ws = load_workspace(conn)
            configured = list_sources(conn, enabled_only=True)
        if names:
            unknown = set(names) - {c.name for _, c in configured}
            if unknown:
                raise ConnectorError(f"no enabled source named {', '.join(sorted(unknown))}")
            configured = [(i, c) for i, c in configured if c.name in names]
        base = options or ListenOptions()
        self.options = ListenOptions(
            backoff=base.backoff, timeout=base.timeout, stream_batch_events=base.stream_batch_events,
            stream_batch_seconds=base.stream_batch_seconds, user_agent=base.user_agent,
            brand_keywords=base.brand_keywords or tuple(ws.keywords),
            brand_handles=base.brand_handles or tuple(h for hs in ws.brand_accounts.values() for h in hs),
            once=once,
        )
        self.sources = configured
        self.progress = {c.name: SourceProgress(c.name, c.platform) for _, c in configured}

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> dict[str, SourceProgress]:
        """Run every source in its own thread; returns when all have finished."""
        threads = [
            threading.Thread(target=self._run_source, args=(sid, cfg), name=f"source-{cfg.name}", daemon=True)
            for sid, cfg in self.sources
        ]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:
            self.stop()
            for t in threads:
                t.join(10)
        return self.progress

    # -- one source ----------------------------------------------------------

    def _run_source(self, source_id: int, config: SourceConfig) -> None:
        progress = self.progress[config.name]
        token: str | None = None
        while not self._stop.is_set():
            error: str | None = None
            before = (progress.seen, progress.added, progress.edited, progress.deleted)
            try:
                token = resolve_token(config, self.environ, self.secrets)
                self._listen(source_id, config, token, progress)
            except Exception as exc:  # noqa: BLE001 - one failing source must not stop the others
                error = redact(describe_failure(exc), [token, *known_secrets(config, self.environ, self.secrets)])
                progress.error = error
                progress.state = "failed"
            try:
                with self.store.begin() as conn:
                    record_run(conn, source_id, error)
                    if self.on_run is not None:
                        after = (progress.seen, progress.added, progress.edited, progress.deleted)
                        stored = (after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3])
                        self.on_run(conn, config, stored, error)
            except Exception as exc:  # noqa: BLE001 - the store may be gone; the error is already shown
                progress.note = redact(f"could not record the run: {exc}", [token])
            if self.once:
                break
            progress.state = "failed, will retry" if error else "waiting"
            self._stop.wait(config.schedule_seconds)

    def _listen(self, source_id: int, config: SourceConfig, token: str | None, progress: SourceProgress) -> None:
        connector = self.factory(config, token, self.options)
        progress.state = "running"
        progress.error = None
        try:
            with self.store.begin() as conn:
                checkpoint = load_checkpoint(conn, source_id)
            with StreamWriter(
                self.store, f"source:{config.name}", kind="source", fmt=config.platform, on_new=self.on_new
            ) as writer:
                while not self._stop.is_set():
                    def waiting(wait: float, exc: ConnectorError) -> None:
                        progress.state = f"backing off {wait:.1f}s"
                        progress.note = redact(str(exc), [token])

                    batch = with_backoff(
                        partial(connector.fetch, checkpoint), self.options.backoff, sleep=self._stop.wait,
                        on_wait=waiting,
                    )
                    progress.state = "running"
                    self._write(writer, source_id, batch, progress)
                    limits = connector.rate_limit_state()
                    if limits.remaining is not None:
                        progress.note = f"rate limit: {limits.remaining:,} requests left" + (
                            f" until {limits.reset_at:%H:%M:%S}" if limits.reset_at else ""
                        )
                    checkpoint = batch.checkpoint
                    if batch.done:
                        progress.state = "caught up"
                        break
        finally:
            connector.close()

    def _write(self, writer: StreamWriter, source_id: int, batch: Batch, progress: SourceProgress) -> None:
        def checkpoint(conn: Connection, result: StreamResult) -> None:
            save_checkpoint(
                conn, source_id, batch.checkpoint, seen=batch.seen or result.records, added=result.added,
                edits=result.edited, deletions=result.deleted,
            )

        result = writer.write(batch.items, edits=batch.edits, deletions=batch.deletions, also=checkpoint)
        progress.batches += 1
        progress.seen += batch.seen or result.records
        progress.added += result.added
        progress.edited += result.edited
        progress.deleted += result.deleted


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_until_done(listener: Listener, *, tick: Callable[[], None] = lambda: None, grace: float = 15.0) -> None:
    """Run `listener` in a background thread until its sources are done (or
    forever, without `once`), calling `tick` four times a second.

    SIGINT (Ctrl+C) and SIGTERM ask it to stop: each source finishes the batch
    in hand, commits it with its checkpoint and ends; after `grace` seconds
    this returns anyway. A second signal stops at once (KeyboardInterrupt).
    The handlers are installed here rather than relying on Python's default
    one, which Python does not install when the process starts with SIGINT
    ignored (as a script's background jobs do): such a listener would
    otherwise never hear a SIGINT at all.
    """
    asked: list[float] = []

    def request_stop(signum: int, frame: object) -> None:
        if asked:
            raise KeyboardInterrupt  # asked twice: stop now
        asked.append(time.monotonic())
        listener.stop()

    in_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, request_stop) for s in STOP_SIGNALS} if in_main else {}
    try:
        runner = threading.Thread(target=listener.run, name="listener", daemon=True)
        runner.start()
        while runner.is_alive():
            runner.join(0.25)
            tick()
            if asked and time.monotonic() - asked[0] > grace:
                break  # a source stuck in a request; its last committed batch is safe
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


"""The Connector protocol every live source implements, and what they share:
batches, reply targets, rate-limit state, backoff and header parsing.

A connector turns a platform's API into `ParsedMessage`s and never touches
the store. `fetch(checkpoint)` returns the next `Batch` of items since the
checkpoint together with the checkpoint that covers them; the caller stores
the items and the new checkpoint in one transaction, so a crash between two
batches loses nothing and repeats nothing that was committed.
"""

from __future__ import annotations

import random
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from goodwill.domain.messages import ParsedMessage
from goodwill.domain.sources import SOURCE_PLATFORMS, Batch, Checkpoint, Deletion, Edit, ReplyTarget, SourceConfig
from goodwill.errors import ConnectorError, RateLimitedError, TransientError

__all__ = ["SOURCE_PLATFORMS", "Batch", "Checkpoint", "Deletion", "Edit", "ReplyTarget", "SourceConfig"]

T = TypeVar("T")


@dataclass(slots=True)
class RateLimitState:
    """What the platform last said about its limits."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    waiting_until: datetime | None = None


class Connector(Protocol):
    """One source on one platform."""

    config: SourceConfig

    def fetch(self, checkpoint: Checkpoint | None) -> Batch:
        """The next batch of items since `checkpoint` (None: the first run)."""
        ...

    def publish_reply(self, target: ReplyTarget, text: str) -> ParsedMessage:
        """Publish `text` as a reply to `target`; returns the published message."""
        ...

    def rate_limit_state(self) -> RateLimitState:
        """The platform's limits as last reported."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


# -- rate limits and backoff -------------------------------------------------

_INT = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def wait_from_headers(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait before the next request, from the response's headers.

    Reads `Retry-After` (seconds or an HTTP date) and the platforms' reset
    headers: `X-RateLimit-Reset` (Mastodon: an ISO 8601 time), `ratelimit-reset`
    (Bluesky: Unix seconds) and `x-ratelimit-reset` (Reddit: seconds from
    now). Header names are matched without regard to case.
    """
    now = time.time() if now is None else now
    lower = {k.lower(): v for k, v in headers.items()}
    retry_after = lower.get("retry-after")
    if retry_after:
        if _INT.match(retry_after):
            return max(0.0, float(retry_after))
        try:
            return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = lower.get("x-ratelimit-reset") or lower.get("ratelimit-reset")
    if reset:
        if _INT.match(reset):
            value = float(reset)
            return max(0.0, value - now) if value > 1e9 else value  # Unix time, or seconds from now
        try:
            return max(0.0, datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp() - now)
        except ValueError:
            return None
    return None


def state_from_headers(headers: Mapping[str, str], state: RateLimitState) -> RateLimitState:
    """Update `state` from `x-ratelimit-*` / `ratelimit-*` headers."""
    lower = {k.lower(): v for k, v in headers.items()}

    def number(*names: str) -> int | None:
        for name in names:
            value = lower.get(name)
            if value is not None and _INT.match(value):
                return int(float(value))
        return None

    state.limit = number("x-ratelimit-limit", "ratelimit-limit") or state.limit
    remaining = number("x-ratelimit-remaining", "ratelimit-remaining")
    if remaining is not None:
        state.remaining = remaining
    wait = None
    if "x-ratelimit-reset" in lower or "ratelimit-reset" in lower:
        wait = wait_from_headers({k: v for k, v in lower.items() if k != "retry-after"})
    if wait is not None:
        state.reset_at = datetime.fromtimestamp(time.time() + wait, UTC)
    return state


@dataclass(frozen=True, slots=True)
class Backoff:
    """How to retry: exponential with jitter for server errors, the server's
    own wait for rate limits; no single wait longer than `max_wait`."""

    base: float = 1.0
    factor: float = 2.0
    max_wait: float = 300.0
    attempts: int = 6
    jitter: float = 0.5

    def delay(self, attempt: int) -> float:
        """Wait before retry number `attempt` (1-based) after a server error."""
        raw = self.base * self.factor ** (attempt - 1)
        return min(self.max_wait, raw * (1 + random.uniform(-self.jitter, self.jitter)))


def with_backoff(
    call: Callable[[], T],
    policy: Backoff,
    *,
    sleep: Callable[[float], Any] = time.sleep,
    on_wait: Callable[[float, ConnectorError], None] | None = None,
) -> T:
    """Run `call`, retrying `TransientError`s as `policy` says; the last error propagates."""
    attempt = 0
    while True:
        try:
            return call()
        except TransientError as exc:
            attempt += 1
            if attempt >= policy.attempts:
                raise
            if isinstance(exc, RateLimitedError) and exc.wait is not None:
                wait = min(policy.max_wait, exc.wait)
            else:
                wait = policy.delay(attempt)
            if on_wait:
                on_wait(wait, exc)
            sleep(wait)


def http_error(status: int, host: str, what: str, headers: Mapping[str, str] | None = None) -> ConnectorError:
    """The error for an HTTP failure status from `host` while doing `what`: retried (429, 5xx) or not."""
    wait = wait_from_headers(headers) if headers else None
    if status == 429:
        return RateLimitedError(say(host, "rate limited (HTTP 429)", what), wait=wait)
    if status >= 500:
        return TransientError(say(host, f"server error (HTTP {status})", what), wait=wait)
    if status in (401, 403):
        return ConnectorError(say(host, f"the server refused the credential (HTTP {status})", what))
    if status == 404:
        return ConnectorError(say(host, "not found (HTTP 404)", what))
    return ConnectorError(say(host, f"the server refused the request (HTTP {status})", what))


# -- errors in words ---------------------------------------------------------


def host_of(url: str | None, default: str = "") -> str:
    """The host (and port) of `url`, as error messages name it."""
    return urlsplit(url).netloc or default if url else default


def network_cause(exc: BaseException) -> str:
    """Why a request got no answer, in words, found along the exception's
    chain (client libraries wrap the socket's error in several layers).
    Never the exception's text, which may hold URLs or headers."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror) or "NameResolution" in name:
            return "host not found"
        if isinstance(current, ConnectionResetError) or name in ("RemoteProtocolError", "ProtocolError"):
            return "the connection was dropped"
        if isinstance(current, ssl.SSLCertVerificationError):
            return "the server's TLS certificate was not accepted"
        if isinstance(current, ssl.SSLError):
            return "the TLS handshake failed"
        if isinstance(current, TimeoutError) or "Timeout" in name:
            return "no answer in time (timed out)"
        if isinstance(current, (ConnectionAbortedError, BrokenPipeError)):
            return "the connection was dropped"
        current = current.__cause__ or current.__context__
    return "network error"


def say(host: str, cause: str, what: str = "") -> str:
    """A source error in words: `host: cause, what was being done`, e.g.
    `mastodon.example: connection refused, reading #halcyon`."""
    return f"{host}: {cause}, {what}" if what else f"{host}: {cause}"


def matches_any(text: str, needles: tuple[str, ...]) -> bool:
    """True when `text` contains any of the (already case-folded) `needles`."""
    folded = text.casefold()
    return any(n in folded for n in needles)


class ResponseTap:
    """Keeps the status and headers of the last response a `requests` session
    received, so rate-limit headers can be read after a client library raised."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.status = response.status_code
        self.headers = dict(response.headers)
        return response

    def attach(self, session: Any) -> Any:
        session.hooks["response"].append(self.hook)
        return session

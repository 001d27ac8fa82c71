"""Session helpers, CSRF tokens and the sign-in rate limit."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from starlette.requests import Request

from goodwill.errors import GoodwillError

CSRF_FIELD = "csrf_token"


class CsrfError(GoodwillError):
    """A form arrived without the CSRF token of the session that was shown it."""


class RateLimitedError(GoodwillError):
    """Too many failed sign-ins for one username from one address."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; every form carries it."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: object) -> None:
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not isinstance(submitted, str) or not hmac.compare_digest(expected, submitted):
        raise CsrfError("the form's security token is missing or out of date: reload the page and try again")


class LoginLimiter:
    """At most `attempts` failed sign-ins per (username, address) in `window` seconds.

    Kept in memory: it protects one server process, and forgets on restart.
    """

    def __init__(self, attempts: int = 5, window: float = 60.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and now - found[0] > self.window:
            found.popleft()
        return found

    def check(self, username: str, address: str) -> None:
        key = (username.strip().lower(), address)
        now = time.monotonic()
        with self._lock:
            found = self._recent(key, now)
            if len(found) >= self.attempts:
                raise RateLimitedError(max(1, int(self.window - (now - found[0])) + 1))

    def failed(self, username: str, address: str) -> None:
        key = (username.strip().lower(), address)
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._failures.items() if not v or now - v[-1] > self.window]:
                    del self._failures[stale]

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.strip().lower(), address), None)

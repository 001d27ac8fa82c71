"""CSRF tokens, the sign-in limit and the bound on concurrent password checks."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from starlette.requests import Request

from goodwill.errors import CsrfError, TooManyRequestsError

CSRF_FIELD = "csrf_token"
T = TypeVar("T")


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
    """At most `attempts` sign-in attempts per (username, address) in `window` seconds, and at
    most `per_address` attempts from one address whatever the names, counting every attempt
    that is under way or failed.

    An attempt is reserved (`reserve`) before its password is checked, so many
    attempts sent at once cannot all be checked: the ones past a limit are
    refused without running argon2. A success gives the reservations of its
    username back (`succeeded`). Kept in memory: it protects one server process
    and forgets on restart.
    """

    def __init__(self, attempts: int = 5, window: float = 60.0, per_address: int = 30) -> None:
        self.attempts = attempts
        self.window = window
        self.per_address = per_address
        self._attempts: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        found = self._attempts.setdefault(key, deque())
        while found and now - found[0] > self.window:
            found.popleft()
        return found

    def reserve(self, username: str, address: str) -> None:
        """Count one attempt, or raise TooManyRequestsError when a limit is reached."""
        now = time.monotonic()
        # The address-wide count uses a key no username can have (usernames never start with a space).
        keys = ((username.strip().lower(), address, self.attempts), (" any", address, self.per_address))
        with self._lock:
            counts = [(self._recent((name, addr), now), limit) for name, addr, limit in keys]
            for found, limit in counts:
                if len(found) >= limit:
                    wait = int(self.window - (now - found[0])) + 1
                    raise TooManyRequestsError(
                        f"too many failed sign-ins; try again in {max(1, wait)} seconds", retry_after=wait
                    )
            for found, _limit in counts:
                found.append(now)
            if len(self._attempts) > 10_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._attempts.items() if not v or now - v[-1] > self.window]:
                    del self._attempts[stale]

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._attempts.pop((username.strip().lower(), address), None)


class PasswordChecks:
    """Runs password checks (argon2, slow on purpose) in a small thread pool of their own,
    at most `per_address` at once for one client address and `total` at once in all.

    A check past either bound is refused at once with TooManyRequestsError
    (429 with Retry-After), so a flood of sign-ins cannot fill the server's
    threads or its cores, and API calls with a token stay fast.
    """

    def __init__(self, total: int = 4, per_address: int = 2, retry_after: int = 2) -> None:
        self.total = total
        self.per_address = per_address
        self.retry_after = retry_after
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(total, 4)), thread_name_prefix="password-check")
        self._lock = threading.Lock()
        self._running = 0
        self._by_address: dict[str, int] = {}

    def _enter(self, address: str) -> None:
        with self._lock:
            if self._running >= self.total or self._by_address.get(address, 0) >= self.per_address:
                raise TooManyRequestsError(
                    "the server is busy checking passwords; try again in a moment", retry_after=self.retry_after
                )
            self._running += 1
            self._by_address[address] = self._by_address.get(address, 0) + 1

    def _leave(self, address: str) -> None:
        with self._lock:
            self._running -= 1
            left = self._by_address[address] - 1
            if left:
                self._by_address[address] = left
            else:
                del self._by_address[address]

    async def run(self, address: str, check: Callable[[], T]) -> T:
        """Run `check` in the pool, within the bounds."""
        self._enter(address)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, check)
        finally:
            self._leave(address)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

"""Settings: one object, built at the edge (CLI, web) and passed in.

Every setting has a default and help text; core code never reads the
environment itself. docs/settings.md lists them all (a test keeps it true).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from goodwill.errors import ConfigError

DATABASE_FILE = "goodwill.db"
ENV_PREFIX = "GOODWILL_"


class Settings(BaseSettings):
    """Goodwill's settings, from arguments or `GOODWILL_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    workspace: Path = Field(
        default=Path("goodwill-workspace"),
        description="Workspace directory; holds the SQLite store when no database URL is given.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL database (postgresql+psycopg://...) to use instead of SQLite.",
    )
    import_batch_size: int = Field(
        default=5000, ge=1, description="Messages written per transaction while importing."
    )
    import_parallel_bytes: int = Field(
        default=4 << 20,
        ge=0,
        description="Files at least this big are read by a second process while the first writes.",
    )

    listen_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a live source waits for one HTTP response or stream message."
    )
    listen_max_wait: float = Field(
        default=300.0, ge=0, description="Longest single wait before retrying a rate-limited or failing source."
    )
    listen_backoff_base: float = Field(
        default=1.0, ge=0, description="First wait after a server error; doubled (with jitter) on each retry."
    )
    listen_attempts: int = Field(
        default=6, ge=1, description="Tries per request before a source's run is recorded as failed."
    )
    import_signals: bool = Field(
        default=True,
        description="Compute and store each imported message's signals (language, sentiment, intent, ...) while importing.",
    )

    web_secure_cookies: bool = Field(
        default=False,
        description="Mark the session cookie Secure on every response (set it when browsers reach the server over HTTPS); "
        "it is Secure anyway on a request that arrived over HTTPS.",
    )
    web_trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For "
        "headers are believed (e.g. 127.0.0.1); empty believes nobody's.",
    )
    web_password_checks: int = Field(
        default=2, ge=1, le=64,
        description="Password checks (argon2) the web server runs at once; more sign-ins at once answer 429.",
    )
    web_threads: int = Field(
        default=2, ge=1, le=1000,
        description="Requests each web server process works on at once, in threads (the rest wait their turn in "
        "order). Python runs one thread of a process at a time, so threads beyond two add switching, not speed, "
        "and make a busy server's slowest answers slower; more help when requests wait on something slow, such as "
        "a database across a network. Replies sent to a platform have threads of their own (`send_threads`).",
    )
    send_threads: int = Field(
        default=8, ge=1, le=1000,
        description="Requests that send a reply to a platform's server (and wait for its answer) each web server "
        "process works on at once, in threads of their own, apart from `web_threads`: a slow platform holds "
        "up other sends, never the pages.",
    )
    escalate_every: float = Field(
        default=60.0, ge=0,
        description="Seconds between the web server's runs of SLA escalation; 0 leaves it to `goodwill cases escalate`.",
    )
    reprioritise_every: float = Field(
        default=30.0, ge=0,
        description="Seconds between the web server's runs that work out again the priorities of cases that "
        "waiting longer has raised; its case lists then read the priorities as stored (at most this old; the "
        "waiting time in words is always current) and never write. 0: every case list works them out first.",
    )

    accurate_pass_every: float = Field(
        default=60.0, ge=0,
        description="Seconds between the background runs of the accurate pass (the web server's and the listener's); "
        "0 leaves it to `goodwill enrich`.",
    )
    upkeep_every: float = Field(
        default=60.0, ge=0,
        description="Seconds between the web server's and the listener's looks at the upkeep jobs (retention, at "
        "most once a day; scoring people, every GOODWILL_RESCORE_EVERY seconds); 0 leaves them to `goodwill "
        "retention run` and `goodwill people rescore`.",
    )
    rescore_every: float = Field(
        default=900.0, ge=0,
        description="Seconds between the scheduled runs that score people again (stage, trust, reciprocity, "
        "influence, outreach), when anything changed since the last; 0 scores only on import and on demand.",
    )

    def resolved_database_url(self) -> str:
        """The URL the store opens: the configured one, else the workspace's SQLite file."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.workspace / DATABASE_FILE).resolve()}"


def load_settings(**values: Any) -> Settings:
    """Settings from `values` (command-line options), else `GOODWILL_*` variables, else defaults.

    A value that does not fit raises `ConfigError` naming the setting and its variable, without the value.
    """
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            name = ".".join(str(part) for part in error["loc"])
            problems.append(f"setting {name} ({ENV_PREFIX}{name.upper()}): {error['msg']}")
        raise ConfigError("; ".join(problems)) from exc

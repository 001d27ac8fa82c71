"""Every error Goodwill raises on purpose.

GoodwillError
├── ConfigError (ValueError)          bad settings, unknown workspace, bad --map
│   └── FieldError                    one named input field has a bad value (API: 422)
├── WorkspaceError                    no workspace here / one exists already
├── ImportFileError (ValueError)      a file that cannot be imported: names file, line, field
├── NotFoundError (LookupError)       an id that is not in the store
├── ConflictError                     the change clashes with what is stored (a taken username)
├── AuthenticationError               unknown user, wrong password, bad or revoked token
├── PermissionDeniedError (PermissionError)  the actor's role does not allow this
└── ConnectorError                    a live source failed (never carries a credential)
    ├── TransientError                a server error or dropped connection: retried with backoff
    │   └── RateLimitedError          HTTP 429 or a platform's limit: retried after the wait it names
    └── CredentialsError (ValueError) a missing token, or a secrets file others can read

The CLI turns any GoodwillError into a one-line message and exit code 1;
nothing else is caught, so a bug still shows its traceback.
"""

from __future__ import annotations


class GoodwillError(Exception):
    """Base of every error Goodwill raises on purpose."""


class ConfigError(GoodwillError, ValueError):
    """A setting or option has a value Goodwill cannot use."""


class WorkspaceError(GoodwillError):
    """The workspace is missing, or already exists where a new one was asked for."""


class NotFoundError(GoodwillError, LookupError):
    """The thing asked for is not in the store."""


class FieldError(ConfigError):
    """One input field has a value Goodwill cannot use; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def __reduce__(self) -> tuple[type[FieldError], tuple[str, str]]:
        return (type(self), (self.field, self.problem))


class ConflictError(GoodwillError):
    """The change clashes with what is stored, e.g. a username that is taken."""


class AuthenticationError(GoodwillError):
    """Sign-in failed, or an API token is unknown or revoked."""


class PermissionDeniedError(GoodwillError, PermissionError):
    """The actor's role does not allow the operation."""


class ImportFileError(GoodwillError, ValueError):
    """A file cannot be imported. The message names the file, the line and the field."""

    def __init__(self, path: str, line: int | None, field: str | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        where = path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type[ImportFileError], tuple[str, int | None, str | None, str]]:
        return (type(self), (self.path, self.line, self.field, self.problem))


class ConnectorError(GoodwillError):
    """A live source failed. Messages never include a credential."""


class TransientError(ConnectorError):
    """A failure worth retrying: a server error, a dropped connection, a timeout."""

    def __init__(self, message: str, *, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # seconds the server asked for, when it named a time


class RateLimitedError(TransientError):
    """The platform said to slow down (HTTP 429 or an exhausted limit)."""


class CredentialsError(ConnectorError, ValueError):
    """A credential is missing, or kept where others can read it."""

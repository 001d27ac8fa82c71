"""Every error Goodwill raises on purpose.

GoodwillError                         400 bad_request, exit 1
├── ConfigError (ValueError)          422 validation_error: bad settings, unknown workspace, bad --map
│   └── FieldError                    422 validation_error: one named input field has a bad value
├── WorkspaceError                    409 conflict: no workspace here / one exists already
├── ImportFileError (ValueError)      422 validation_error: a file that cannot be imported (file, line, field)
├── NotFoundError (LookupError)       404 not_found: an id that is not in the store
├── ConflictError                     409 conflict: the change clashes with what is stored (a taken username)
│   └── CrossedReplyError             409 reply_crossed: another reply or status change landed in a case since it was read
├── AuthenticationError               401 unauthenticated, exit 77: unknown user, wrong password, bad token
├── PermissionDeniedError (PermissionError)  403 forbidden, exit 77: the actor's role does not allow this
├── CsrfError                         403 csrf_failed: a form without its session's CSRF token
├── TooManyRequestsError              429 rate_limited, exit 75: too many sign-ins, or the server is busy
├── ModelFileError (RuntimeError)     500 internal_error: a packaged model file is missing or malformed
├── ModelUnavailableError             503 model_unavailable, exit 69: a model asked for is not installed
├── StoreError                        503 store_unavailable, exit 69: the database cannot be opened (missing,
│                                     unreachable, a bad URL or scheme, a file that is not a database)
└── ConnectorError                    502 upstream_error: a live source failed (never carries a credential)
    ├── TransientError                503 upstream_unavailable: a server error or dropped connection
    │   └── RateLimitedError          503 upstream_rate_limited: HTTP 429 or a platform's limit
    └── CredentialsError (ValueError) 422 validation_error: a missing token, or a secrets file others can read

Each class carries its HTTP status (`status`), the `code` of the API's error
body, and the CLI's exit code (`exit_code`, from BSD's sysexits where one
fits): the web app maps every GoodwillError with one handler, and the CLI
prints one line and exits with the class's code. Nothing else is caught, so
a bug still shows its traceback (and answers 500).
"""

from __future__ import annotations

from typing import ClassVar


class GoodwillError(Exception):
    """Base of every error Goodwill raises on purpose."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    exit_code: ClassVar[int] = 1
    #: the input field to blame, when one is
    field: str | None = None

    def headers(self) -> dict[str, str]:
        """Extra HTTP response headers this error calls for."""
        return {}


class ConfigError(GoodwillError, ValueError):
    """A setting or option has a value Goodwill cannot use."""

    status = 422
    code = "validation_error"


class WorkspaceError(GoodwillError):
    """The workspace is missing, or already exists where a new one was asked for."""

    status = 409
    code = "conflict"


class NotFoundError(GoodwillError, LookupError):
    """The thing asked for is not in the store."""

    status = 404
    code = "not_found"


class FieldError(ConfigError):
    """One input field has a value Goodwill cannot use; `field` names it."""

    field: str

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def __reduce__(self) -> tuple[type[FieldError], tuple[str, str]]:
        return (type(self), (self.field, self.problem))


class ConflictError(GoodwillError):
    """The change clashes with what is stored, e.g. a username that is taken."""

    status = 409
    code = "conflict"


class CrossedReplyError(ConflictError):
    """A reply would cross another: someone replied in the case, or moved it, after the agent read it."""

    code = "reply_crossed"


class AuthenticationError(GoodwillError):
    """Sign-in failed, or an API token is unknown or revoked."""

    status = 401
    code = "unauthenticated"
    exit_code = 77  # EX_NOPERM

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(GoodwillError, PermissionError):
    """The actor's role does not allow the operation."""

    status = 403
    code = "forbidden"
    exit_code = 77  # EX_NOPERM


class CsrfError(GoodwillError):
    """A form arrived without the CSRF token of the session that was shown it."""

    status = 403
    code = "csrf_failed"


class TooManyRequestsError(GoodwillError):
    """Too many failed sign-ins from one address, or too many password checks at once."""

    status = 429
    code = "rate_limited"
    exit_code = 75  # EX_TEMPFAIL

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)

    def __reduce__(self) -> tuple[type[TooManyRequestsError], tuple[str], dict[str, int]]:
        return (type(self), (str(self),), {"retry_after": self.retry_after})

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ModelFileError(GoodwillError, RuntimeError):
    """A packaged model artifact is missing or malformed: a fault of the installation."""

    status = 500
    code = "internal_error"


class ModelUnavailableError(GoodwillError):
    """A model that was asked for is not installed: its files or its runtime (onnxruntime) are missing."""

    status = 503
    code = "model_unavailable"
    exit_code = 69  # EX_UNAVAILABLE


class StoreError(GoodwillError):
    """The database cannot be opened or used. The message names the database
    (never its password) and the cause in words."""

    status = 503
    code = "store_unavailable"
    exit_code = 69  # EX_UNAVAILABLE


class ImportFileError(GoodwillError, ValueError):
    """A file cannot be imported. The message names the file, the line and the field."""

    status = 422
    code = "validation_error"

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

    status = 502
    code = "upstream_error"


class TransientError(ConnectorError):
    """A failure worth retrying: a server error, a dropped connection, a timeout."""

    status = 503
    code = "upstream_unavailable"

    def __init__(self, message: str, *, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # seconds the server asked for, when it named a time

    def headers(self) -> dict[str, str]:
        return {} if self.wait is None else {"Retry-After": str(max(1, round(self.wait)))}


class RateLimitedError(TransientError):
    """The platform said to slow down (HTTP 429 or an exhausted limit)."""

    code = "upstream_rate_limited"


class CredentialsError(ConnectorError, ValueError):
    """A credential is missing, or kept where others can read it."""

    status = 422
    code = "validation_error"

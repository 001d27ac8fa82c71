"""The web application: pages and the JSON API over the same services as the CLI.

    app = create_app(Settings(workspace=Path("demo-ws")))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goodwill import __version__
from goodwill.config import Settings
from goodwill.domain.team import Role
from goodwill.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    FieldError,
    GoodwillError,
    NotFoundError,
    PermissionDeniedError,
    WorkspaceError,
)
from goodwill.service import team
from goodwill.service.workspace import open_workspace
from goodwill.store import Store
from goodwill.web.deps import LoginRequired
from goodwill.web.security import CsrfError, LoginLimiter, RateLimitedError, csrf_token

HERE = Path(__file__).parent
SESSION_COOKIE = "goodwill_session"
SESSION_DAYS = 14

_STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
                 429: "rate_limited", 500: "internal_error"}


def _when(value: str | None, with_time: bool = True) -> str:
    """An ISO timestamp as `2026-11-22 14:03` (UTC)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.globals["version"] = __version__
    return Jinja2Templates(env=env)


def _pool_options() -> dict[str, Any]:
    # Pages run in a thread pool; give it enough connections that 20 browsers do not queue on them.
    return {"pool_size": 20, "max_overflow": 10, "pool_timeout": 30}


def create_app(settings: Settings, *, store: Store | None = None, limiter: LoginLimiter | None = None) -> FastAPI:
    """The application for one workspace. `store` lets a caller share an open store."""
    own_store = store is None
    if store is None:
        store = _open(settings)
    secret = team.session_secret(store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_store:
            store.close()

    app = FastAPI(
        title="Goodwill",
        version=__version__,
        description="The Goodwill API: conversations, threads, people, settings, users, tokens and the audit log. "
        "Authenticate with `Authorization: Bearer gw_...` (create a token on the Tokens page or with "
        "`goodwill users token create`).",
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = _templates()
    app.state.limiter = limiter or LoginLimiter()
    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=SESSION_DAYS * 86400,
        same_site="lax", https_only=False,
    )

    app.add_middleware(SecurityHeaders)

    _add_error_handlers(app)
    from goodwill.web.api import routes as api
    from goodwill.web.pages import routes as pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
# No inline scripts anywhere, so a script smuggled into a page could not run even if escaping failed.
_PAGE_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds security headers to every response (a plain ASGI middleware: no extra task per request).
    The interactive API docs load their script from a CDN, so they go without the page policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _HEADERS if scope["path"].startswith("/api/v1/docs") else _HEADERS + _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app_from_environment() -> FastAPI:
    """The app for the workspace named by `GOODWILL_*` variables: the factory each
    worker process calls when `goodwill serve --workers N` runs several."""
    return create_app(Settings())


def _open(settings: Settings) -> Store:
    from goodwill.store.db import open_store

    url = settings.resolved_database_url()
    open_workspace(settings).close()  # checks the workspace exists and migrates it
    return open_store(url, **_pool_options())


def error_response(request: Request, status: int, message: str, *, field: str | None = None,
                   code: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """One error shape: JSON under /api/, an error page elsewhere."""
    code = code or _STATUS_CODES.get(status, "error")
    if request.url.path.startswith("/api/"):
        body: dict[str, Any] = {"status": status, "code": code, "message": message}
        if field is not None:
            body["field"] = field
        return JSONResponse(body, status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html",
        {"status": status, "code": code, "message": message, "field": field,
         "actor": getattr(request.state, "actor", None), "csrf": csrf_token(request), "Role": Role},
        status_code=status, headers=headers,
    )


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else _STATUS_CODES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path", "header", "form")]
        field = ".".join(loc) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg", "invalid request"))
        return error_response(request, 422, message, field=field)

    @app.exception_handler(GoodwillError)
    async def goodwill_error(request: Request, exc: GoodwillError) -> Response:
        headers = None
        if isinstance(exc, FieldError):
            return error_response(request, 422, str(exc), field=exc.field)
        if isinstance(exc, RateLimitedError):
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        elif isinstance(exc, CsrfError):
            return error_response(request, 403, str(exc), code="csrf_failed")
        elif isinstance(exc, AuthenticationError):
            status, headers = 401, {"WWW-Authenticate": "Bearer"}
        elif isinstance(exc, PermissionDeniedError):
            status = 403
        elif isinstance(exc, NotFoundError):
            status = 404
        elif isinstance(exc, ConflictError | WorkspaceError):
            status = 409
        elif isinstance(exc, ConfigError):
            status = 422
        else:
            status = 400
        return error_response(request, status, str(exc), headers=headers)

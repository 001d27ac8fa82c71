"""The web application: pages and the JSON API over the same services as the CLI.

    app = create_app(Settings(workspace=Path("demo-ws")))
"""

from __future__ import annotations

import asyncio
import logging
import operator
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from goodwill import __version__
from goodwill.config import Settings, load_settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import GoodwillError, ModelUnavailableError
from goodwill.service import cases, routing, team, understanding, upkeep
from goodwill.service.workspace import Store, open_workspace
from goodwill.web.deps import LoginRequired
from goodwill.web.fragments import Fragments
from goodwill.web.security import LoginLimiter, PasswordChecks, csrf_token

HERE = Path(__file__).parent
# Swagger UI's script and styles, shipped by the fastapi-offline package: the docs page needs no CDN.
SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_URL = "/api/v1/docs"
SESSION_COOKIE = "goodwill_session"
SESSION_DAYS = 14

_STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
                 429: "rate_limited", 500: "internal_error"}


def _when(value: str | None, with_time: bool = True) -> str:
    """An ISO timestamp as `2026-11-22 14:03` (UTC)."""
    if not value:
        return ""
    if len(value) == 20 and value[-1] == "Z" and value[10] == "T":  # iso_utc's own form: no parsing needed
        return value[:10] + " " + value[11:16] if with_time else value[:10]
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


#: What a case list row shows of a case (`case_row` in _macros.html): the key its HTML is kept under.
CASE_ROW_SHOWS = ("id", "sla_breached", "sla_near", "band", "priority", "reason", "status", "awaiting_approval", "platform",
                  "author", "text", "sla_due_at", "first_response_at", "assignee", "team")


_case_row_shows = operator.itemgetter(*CASE_ROW_SHOWS)


def _templates() -> Jinja2Templates:
    # The templates ship inside the package: loaded once, never checked again for changes on disk.
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    env.filters["when"] = _when
    env.globals["version"] = __version__
    env.globals["thread_row_html"] = Fragments(env, "_macros.html", "thread_row")
    env.globals["case_row_html"] = Fragments(env, "_macros.html", "case_row", shown=_case_row_shows)
    return Jinja2Templates(env=env)


#: Who the server's periodic SLA escalation acts as.
ESCALATION_ACTOR = Actor(user_id=None, name="server:escalation", role=Role.MANAGER, origin=Origin.WEB, address="local")
log = logging.getLogger("goodwill.web")


async def _escalate_every(store: Store, every: float) -> None:
    """SLA escalation in the background, every `every` seconds (the first run after one interval)."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(routing.escalate, store, ESCALATION_ACTOR)
        except Exception:  # noqa: BLE001 - a failed run is logged and the next one tried; the server goes on
            log.exception("SLA escalation failed")


async def _reprioritise_every(store: Store, every: float) -> None:
    """The priorities waiting longer has raised, worked out again in the background every `every` seconds (the
    first run at once), so the case lists read without writing."""
    while True:
        try:
            await asyncio.to_thread(cases.reprioritise, store)
        except Exception:  # noqa: BLE001 - a failed run is logged and the next one tried; the server goes on
            log.exception("working out priorities again failed")
        await asyncio.sleep(every)


async def _read_pending_every(store: Store, every: float) -> None:
    """The accurate pass in the background, every `every` seconds (the first run after one interval):
    the provisional signals import and listening stored are read again with the encoder."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(understanding.read_pending, store)
        except ModelUnavailableError as exc:  # not installed: said once, and the signals stay provisional
            log.error("the accurate pass stops: %s", exc)
            return
        except Exception:  # noqa: BLE001 - a failed run is logged and the next one tried; the server goes on
            log.exception("the accurate pass failed")


async def _upkeep_every(store: Store, every: float, rescore_every: float) -> None:
    """The upkeep jobs (retention once a day, scoring people) in the background: a look every `every` seconds
    (the first after one interval) runs whichever is due and not claimed by another process."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(upkeep.run_due, store, rescore_every=rescore_every)
        except Exception:  # noqa: BLE001 - a failed look is logged and the next one tried; the server goes on
            log.exception("upkeep failed")


def create_app(
    settings: Settings, *, store: Store | None = None, limiter: LoginLimiter | None = None,
    checks: PasswordChecks | None = None,
) -> FastAPI:
    """The application for one workspace. `store` lets a caller share an open store."""
    own_store = store is None
    if store is None:
        store = _open(settings)
    secret = team.session_secret(store)
    password_checks = checks or PasswordChecks(total=settings.web_password_checks,
                                               per_address=max(1, settings.web_password_checks // 2))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        escalating = asyncio.create_task(_escalate_every(store, settings.escalate_every)) \
            if settings.escalate_every > 0 else None
        reprioritising = asyncio.create_task(_reprioritise_every(store, settings.reprioritise_every)) \
            if settings.reprioritise_every > 0 else None
        reading = asyncio.create_task(_read_pending_every(store, settings.accurate_pass_every)) \
            if settings.accurate_pass_every > 0 else None
        upkeeping = asyncio.create_task(_upkeep_every(store, settings.upkeep_every, settings.rescore_every)) \
            if settings.upkeep_every > 0 else None
        yield
        for task in (escalating, reprioritising, reading, upkeeping):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        password_checks.close()
        if own_store:
            store.close()

    app = FastAPI(
        title="Goodwill",
        version=__version__,
        description="The Goodwill API: conversations, threads, people, settings, users, tokens and the audit log. "
        "Authenticate with `Authorization: Bearer gw_...` (create a token on the Tokens page or with "
        "`goodwill users token create`).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = _templates()
    app.state.limiter = limiter or LoginLimiter()
    app.state.password_checks = password_checks
    app.add_middleware(Sessions, secret_key=secret, always_secure=settings.web_secure_cookies)
    app.add_middleware(SecurityHeaders)
    proxies = [p.strip() for p in settings.web_trusted_proxies.split(",") if p.strip()]
    if proxies:  # the outermost layer: the scheme and client address are the proxy's word from here on
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)

    _add_error_handlers(app)
    from goodwill.web.api import advocacy as api_advocacy
    from goodwill.web.api import cases as api_cases
    from goodwill.web.api import giving as api_giving
    from goodwill.web.api import knowledge as api_knowledge
    from goodwill.web.api import posts as api_posts
    from goodwill.web.api import replies as api_replies
    from goodwill.web.api import report as api_report
    from goodwill.web.api import routes as api
    from goodwill.web.pages import advocacy as pages_advocacy
    from goodwill.web.pages import cases as pages_cases
    from goodwill.web.pages import dashboard as dashboard_pages
    from goodwill.web.pages import giving as giving_pages
    from goodwill.web.pages import knowledge as kb_pages
    from goodwill.web.pages import posts as posts_pages
    from goodwill.web.pages import replies as page_replies
    from goodwill.web.pages import routes as pages

    # Pages first, then the API: a request is matched against each router's routes in turn, and no page path
    # can match an /api/v1 path or the reverse, so the order only decides how many routes a request passes.
    for router in (pages.router, pages_cases.router, pages_advocacy.router, kb_pages.router, giving_pages.router,
                   page_replies.router, dashboard_pages.router, posts_pages.router,
                   api.router, api_cases.router, api_replies.router, api_advocacy.router, api_knowledge.router,
                   api_giving.router, api_report.router, api_posts.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.mount(f"{DOCS_URL}/assets", StaticFiles(directory=SWAGGER_ASSETS), name="api-docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        """Swagger UI, its assets and its start-up script all served from this origin."""
        return HTMLResponse(_DOCS_PAGE)

    return app


_DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Goodwill API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{DOCS_URL}/assets/swagger-ui.css">
<link rel="icon" href="{DOCS_URL}/assets/favicon.png"></head>
<body><div id="swagger-ui" data-openapi="/api/v1/openapi.json"></div>
<script src="{DOCS_URL}/assets/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body></html>
"""


class Sessions:
    """Signed session cookies (HttpOnly, SameSite=Lax), marked Secure when the request came
    over HTTPS (directly, or through a trusted proxy) or when the settings say so always."""

    def __init__(self, app: ASGIApp, *, secret_key: str, always_secure: bool) -> None:
        options: dict[str, Any] = {"secret_key": secret_key, "session_cookie": SESSION_COOKIE,
                                   "max_age": SESSION_DAYS * 86400, "same_site": "lax"}
        self.secure = SessionMiddleware(app, https_only=True, **options)
        self.plain = self.secure if always_secure else SessionMiddleware(app, https_only=False, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await chosen(scope, receive, send)


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
    The API docs page runs under the same policy: its scripts come from this origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _HEADERS + _PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app_from_environment() -> FastAPI:
    """The app for the workspace named by `GOODWILL_*` variables: the factory each
    worker process calls when `goodwill serve --workers N` runs several."""
    return create_app(load_settings())


def _open(settings: Settings) -> Store:
    return open_workspace(settings, server=True)


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
        field, message = validation_message(exc.errors())
        return error_response(request, 422, message, field=field)

    @app.exception_handler(GoodwillError)
    async def goodwill_error(request: Request, exc: GoodwillError) -> Response:
        return error_response(request, exc.status, str(exc), field=exc.field, code=exc.code,
                              headers=exc.headers() or None)


_PLACES = ("query", "body", "path", "header", "form", "cookie")


def validation_message(errors: Sequence[Any]) -> tuple[str | None, str]:
    """The field to blame and a one-line message for the first of FastAPI's validation errors.

    Body that is not JSON names the body and the problem, not a character position."""
    first: dict[str, Any] = dict(errors[0]) if errors else {"loc": (), "msg": "invalid request"}
    loc = list(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        problem = str(first.get("ctx", {}).get("error", "")) or "unreadable"
        return "body", f"body: not valid JSON ({problem})"
    where = loc[0] if loc and loc[0] in _PLACES else None
    names = [str(p) for p in (loc[1:] if where else loc)]
    field = ".".join(names) or (str(where) if where == "body" else None)
    msg = str(first.get("msg", "invalid"))
    return field, f"{field}: {msg}" if field else msg

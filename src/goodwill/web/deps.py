"""Dependencies shared by the pages and the API: the store, the signed-in actor and input checks."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar

import anyio
from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from goodwill.domain.signals import SignalFilter
from goodwill.domain.team import Actor, Origin
from goodwill.errors import AuthenticationError, FieldError
from goodwill.service import team
from goodwill.service.workspace import Store

#: the largest id the store holds (a signed 64-bit integer)
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


class LoginRequired(Exception):
    """A page was asked for without a live session: the browser is sent to sign in."""


def refreshes_priorities(request: Request) -> bool:
    """Whether a case list works out first the priorities waiting longer has raised (a write): only when the
    server does not do so in the background (GOODWILL_REPRIORITISE_EVERY 0)."""
    return bool(request.app.state.settings.reprioritise_every <= 0)


P = ParamSpec("P")
R = TypeVar("R")


def sends_to_a_platform(endpoint: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """An endpoint that may wait on a platform's server (sending a reply), run on the send threads
    (`GOODWILL_SEND_THREADS`) instead of the page threads (`GOODWILL_WEB_THREADS`), so a slow platform holds
    up other sends, never the pages. The endpoint takes `request`; its signature is FastAPI's to read as before."""

    @functools.wraps(endpoint)
    async def on_send_threads(*args: P.args, **kwargs: P.kwargs) -> R:
        request = kwargs["request"]
        assert isinstance(request, Request)
        return await anyio.to_thread.run_sync(functools.partial(endpoint, *args, **kwargs),
                                              limiter=_send_limiter(request))

    return on_send_threads


def _send_limiter(request: Request) -> anyio.CapacityLimiter:
    """The process's send threads, made on first use (in the server's event loop)."""
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "send_limiter", None)
    if limiter is None:
        limiter = state.send_limiter = anyio.CapacityLimiter(state.settings.send_threads)
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_store(request: Request) -> Store:  # async: no thread-pool hop for a lookup
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]

_allowed: dict[int, frozenset[str]] = {}


def _walk_query_names(dependant: Dependant) -> set[str]:
    names = {str(p.alias) for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _walk_query_names(sub)
    return names


def _query_names(route: APIRoute) -> frozenset[str]:
    names = _allowed.get(id(route))
    if names is None:
        names = frozenset(_walk_query_names(route.dependant))
        _allowed[id(route)] = names
    return names


async def no_nul(request: Request) -> None:
    """Refuse a NUL character in the path or a query value: the store cannot hold one."""
    for name, value in list(request.path_params.items()) + list(request.query_params.multi_items()):
        if isinstance(value, str) and "\x00" in value:
            raise FieldError(name, "contains a NUL character")


async def known_query(request: Request) -> None:
    """Refuse query parameters the operation does not take (a misspelt filter would otherwise
    be ignored and return everything), and NUL characters anywhere in the path or query."""
    await no_nul(request)
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _query_names(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) if allowed else "no query parameters"
        raise FieldError(unknown[0], f"unknown query parameter; this operation takes {takes}")


def page_actor(request: Request, store: StoreDep) -> Actor:
    uid = request.session.get("uid")
    version = request.session.get("sv")
    if not isinstance(uid, int) or not isinstance(version, int):
        raise LoginRequired
    actor = team.session_actor(store, uid, version, origin=Origin.WEB, address=client_address(request))
    if actor is None:  # disabled, password reset, or signed out
        request.session.clear()
        raise LoginRequired
    request.state.actor = actor  # an error page can still show the signed-in navigation
    return actor


def api_actor(request: Request, store: StoreDep) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send an API token: Authorization: Bearer gw_...")
    return team.token_actor(store, token.strip(), origin=Origin.API, address=client_address(request))


PageActor = Annotated[Actor, Depends(page_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]


async def signal_filter(  # async: pure checks, no thread-pool hop
    sentiment: Annotated[str | None, Query(max_length=20, description="negative, neutral or positive")] = None,
    intent: Annotated[str | None, Query(max_length=20, description="question, complaint, praise, suggestion, purchase_intent or other")] = None,
    needs_response: Annotated[str | None, Query(max_length=3, description="yes or no")] = None,
    urgency: Annotated[str | None, Query(max_length=10, description="low, normal or high")] = None,
    aspect: Annotated[str | None, Query(max_length=80, description="an aspect word: battery, delivery, ...")] = None,
) -> SignalFilter:
    """The signal filters of a list, page or API alike (empty values mean any)."""
    if needs_response not in (None, "", "yes", "no"):
        raise FieldError("needs_response", "choose yes, no or leave it empty")
    return SignalFilter(
        sentiment=sentiment or None, intent=intent or None, urgency=urgency or None, aspect=aspect or None,
        needs_response=None if not needs_response else needs_response == "yes",
    )

"""Dependencies shared by the pages and the API: the store and the signed-in actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from goodwill.domain.team import Actor, Origin
from goodwill.errors import AuthenticationError
from goodwill.service import team
from goodwill.store import Store


class LoginRequired(Exception):
    """A page was asked for without a live session: the browser is sent to sign in."""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def get_store(request: Request) -> Store:  # async: no thread-pool hop for a lookup
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def page_actor(request: Request, store: StoreDep) -> Actor:
    uid = request.session.get("uid")
    version = request.session.get("sv")
    if not isinstance(uid, int) or not isinstance(version, int):
        raise LoginRequired
    actor = team.session_actor(store, uid, version, origin=Origin.WEB, address=client_address(request))
    if actor is None:  # disabled, password reset, or signed out elsewhere
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

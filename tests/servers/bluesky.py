"""A Bluesky (atproto XRPC) server on loopback: sessions, post search,
notifications and creating a post record, paged with cursors newest first."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.servers.http import HttpServer, Request, Response

BRAND_DID = "did:plc:halcyonbrand0000000000"


def _jwt(sub: str, scope: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    exp = int(time.time()) + 3600
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part({'scope': scope, 'sub': sub, 'iat': int(time.time()), 'exp': exp})}.c2ln"


def author(i: int) -> dict[str, Any]:
    return {"did": f"did:plc:author{i:020d}", "handle": f"rider{i}.bsky.social", "displayName": f"Rider {i} 🌊", "labels": []}


def post(i: int, text: str, *, who: dict[str, Any] | None = None, reply: dict[str, Any] | None = None) -> dict[str, Any]:
    when = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=i)
    who = who or author(i % 5)
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": when.isoformat().replace("+00:00", ".000Z"), "langs": ["en"]}
    if reply:
        record["reply"] = reply
    return {
        "uri": f"at://{who['did']}/app.bsky.feed.post/3k{i:011d}", "cid": f"bafyreicid{i:020d}", "author": who,
        "record": record, "replyCount": 0, "repostCount": 1, "likeCount": 2, "quoteCount": 0,
        "indexedAt": (when + timedelta(seconds=2)).isoformat().replace("+00:00", ".000Z"), "labels": [],
    }


@dataclass
class BlueskyState:
    handle: str = "halcyon.bsky.social"
    password: str = "app-pass-abcd-efgh-ijkl"
    posts: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    sessions: int = 0
    access: str = ""

    def _page(self, items: list[dict[str, Any]], req: Request) -> tuple[list[dict[str, Any]], str | None]:
        ordered = sorted(items, key=lambda p: p["indexedAt"], reverse=True)
        since = req.arg("since")
        if since:
            ordered = [p for p in ordered if p["indexedAt"] >= since.replace("+00:00", ".000Z")[:24]]
        start = int(req.arg("cursor") or 0)
        limit = int(req.arg("limit") or 25)
        chunk = ordered[start:start + limit]
        return chunk, str(start + limit) if start + limit < len(ordered) else None

    def handle_request(self, req: Request) -> Response:
        nsid = req.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            body = req.form()
            if body.get("identifier") != self.handle or body.get("password") != self.password:
                return Response(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            self.sessions += 1
            self.access = _jwt(BRAND_DID, "com.atproto.access")
            return Response(200, {"accessJwt": self.access, "refreshJwt": _jwt(BRAND_DID, "com.atproto.refresh"),
                                  "handle": self.handle, "did": BRAND_DID, "active": True})
        if req.headers.get("authorization") != f"Bearer {self.access}" or not self.access:
            return Response(401, {"error": "AuthenticationRequired", "message": "Authentication Required"})
        rate = {"ratelimit-limit": "3000", "ratelimit-remaining": "2999", "ratelimit-reset": str(int(time.time()) + 300)}
        if nsid == "app.bsky.actor.getProfile":
            return Response(200, {"did": BRAND_DID, "handle": self.handle, "displayName": "Halcyon Bikes"})
        if nsid == "app.bsky.feed.searchPosts":
            q = (req.arg("q") or "").casefold()
            chunk, cursor = self._page([p for p in self.posts if q in json.dumps(p["record"], ensure_ascii=False).casefold()], req)
            return Response(200, {"posts": chunk, **({"cursor": cursor} if cursor else {})}, rate)
        if nsid == "app.bsky.notification.listNotifications":
            chunk, cursor = self._page(self.notifications, req)
            return Response(200, {"notifications": chunk, **({"cursor": cursor} if cursor else {})}, rate)
        if nsid == "com.atproto.repo.createRecord":
            body = req.form()
            rkey = f"3zz{len(self.created):010d}"
            self.created.append(body)
            return Response(200, {"uri": f"at://{BRAND_DID}/app.bsky.feed.post/{rkey}", "cid": f"bafyreinew{rkey}",
                                  "validationStatus": "valid"}, rate)
        return Response(400, {"error": "MethodNotImplemented", "message": f"Method Not Implemented: {nsid}"})


def notification(p: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"uri": p["uri"], "cid": p["cid"], "author": p["author"], "reason": reason, "record": p["record"],
            "isRead": False, "indexedAt": p["indexedAt"], "labels": []}


def server(state: BlueskyState) -> HttpServer:
    return HttpServer(state.handle_request)

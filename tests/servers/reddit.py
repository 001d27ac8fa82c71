"""A Reddit API server on loopback: OAuth tokens, subreddit listings (new,
comments, search) paged with `after`, and posting a comment."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from tests.servers.http import HttpServer, Request, Response

START = 1_790_000_000  # 2026-09


def submission(i: int, title: str, body: str = "", *, author: str | None = None, sub: str = "ebikes",
               edited: float | bool = False) -> dict[str, Any]:
    return {"kind": "t3", "data": {
        "id": f"p{i}", "name": f"t3_p{i}", "title": title, "selftext": body, "author": author or f"rider_{i % 9}",
        "author_fullname": f"t2_u{i % 9}", "created_utc": float(START + i * 60), "permalink": f"/r/{sub}/comments/p{i}/x/",
        "subreddit": sub, "num_comments": 1, "score": 5, "edited": edited, "is_self": True, "url": f"https://www.reddit.com/r/{sub}/comments/p{i}/x/",
    }}


def comment(i: int, body: str, parent: str, link: str, *, author: str | None = None, sub: str = "ebikes",
            edited: float | bool = False) -> dict[str, Any]:
    return {"kind": "t1", "data": {
        "id": f"c{i}", "name": f"t1_c{i}", "body": body, "author": author or f"rider_{i % 9}", "author_fullname": f"t2_u{i % 9}",
        "created_utc": float(START + i * 60), "parent_id": parent, "link_id": link, "permalink": f"/r/{sub}/comments/{link[3:]}/x/c{i}/",
        "subreddit": sub, "score": 2, "edited": edited, "replies": "",
    }}


@dataclass
class RedditState:
    client_id: str = "app-id-123"
    client_secret: str = "reddit-app-secret-456"
    refresh_token: str = "refresh-789"
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subreddit -> things
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    posted: list[dict[str, Any]] = field(default_factory=list)
    token: str = "reddit-access-token"

    def listing(self, things: list[dict[str, Any]], req: Request) -> dict[str, Any]:
        ordered = sorted(things, key=lambda t: t["data"]["created_utc"], reverse=True)
        after = req.arg("after")
        if after:
            names = [t["data"]["name"] for t in ordered]
            ordered = ordered[names.index(after) + 1:] if after in names else []
        limit = min(int(req.arg("limit") or 25), 100)  # Reddit's pages hold at most 100
        chunk = ordered[:limit]
        more = len(ordered) > limit
        return {"kind": "Listing", "data": {"after": chunk[-1]["data"]["name"] if more and chunk else None,
                                            "before": None, "dist": len(chunk), "children": chunk}}

    def handle(self, req: Request) -> Response:
        if req.path == "/api/v1/access_token":
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if req.headers.get("authorization") != f"Basic {expected}":
                return Response(401, {"message": "Unauthorized", "error": 401})
            return Response(200, {"access_token": self.token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})
        if req.headers.get("authorization") != f"bearer {self.token}":
            return Response(401, {"message": "Unauthorized", "error": 401})
        limits = {"x-ratelimit-remaining": "995.0", "x-ratelimit-used": "5", "x-ratelimit-reset": "300"}
        parts = req.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "r":
            sub, what = parts[1], parts[2]
            if what == "new":
                return Response(200, self.listing(self.posts.get(sub, []), req), limits)
            if what == "comments":
                return Response(200, self.listing(self.comments.get(sub, []), req), limits)
            if what == "search":
                q = (req.arg("q") or "").casefold()
                pool = [t for s, ts in self.posts.items() if sub in ("all", s) for t in ts]
                hits = [t for t in pool if q in (t["data"]["title"] + " " + t["data"]["selftext"]).casefold()]
                return Response(200, self.listing(hits, req), limits)
        if req.method == "POST" and req.path == "/api/comment":
            form = req.form()
            self.posted.append(form)
            parent = form["thing_id"]
            link = parent if parent.startswith("t3_") else "t3_p0"
            new = comment(90000 + len(self.posted), form["text"], parent, link, author="HalcyonBikes")
            new["data"]["created_utc"] = time.time()
            return Response(200, {"json": {"errors": [], "data": {"things": [new]}}}, limits)
        return Response(404, {"message": "Not Found", "error": 404})


def server(state: RedditState) -> HttpServer:
    return HttpServer(state.handle)

"""A Mastodon API server on loopback: hashtag timelines, search, mention
notifications and posting, paged with min_id/max_id as the real one is."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.servers.http import HttpServer, Request, Response

HOST_ACCOUNT = {"id": "1", "username": "halcyon", "acct": "halcyon", "display_name": "Halcyon Bikes", "url": "https://bikes.example/@halcyon"}


def account(i: int, domain: str = "toot.example") -> dict[str, Any]:
    return {"id": str(1000 + i), "username": f"rider{i}", "acct": f"rider{i}@{domain}", "display_name": f"Rider {i} 🚲", "url": f"https://{domain}/@rider{i}"}


def status(sid: int, text: str, *, who: dict[str, Any] | None = None, tags: list[str] = (), reply_to: int | None = None,
           edited: bool = False, mentions: list[dict[str, Any]] = ()) -> dict[str, Any]:
    created = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(minutes=sid % 100000)
    who = who or account(sid % 7)
    return {
        "id": str(sid), "uri": f"https://bikes.example/users/x/statuses/{sid}", "url": f"https://bikes.example/@x/{sid}",
        "created_at": created.isoformat().replace("+00:00", ".000Z"), "account": who,
        "content": f"<p>{text}</p>", "spoiler_text": "", "visibility": "public", "language": "en",
        "in_reply_to_id": str(reply_to) if reply_to else None, "in_reply_to_account_id": None, "reblog": None,
        "mentions": list(mentions), "tags": [{"name": t, "url": f"https://bikes.example/tags/{t}"} for t in tags],
        "replies_count": 1, "reblogs_count": 2, "favourites_count": 3,
        "edited_at": (created + timedelta(minutes=5)).isoformat().replace("+00:00", ".000Z") if edited else None,
    }


@dataclass
class MastodonState:
    token: str = "mastodon-secret-token-123"
    tags: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    stream_events: list[tuple[str, Any]] = field(default_factory=list)  # (event name, payload) for the streaming API
    next_id: int = 900000
    # ids the server also repeats at the edge of the next page, as servers
    # racing new posts do
    overlap: int = 0
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)  # statuses made, by Idempotency-Key
    post_delay: float = 0.0  # seconds to wait before answering a new status
    post_gate: threading.Event | None = None  # when set up: a new status waits for it (at most 20 s)
    post_arrived: threading.Event = field(default_factory=threading.Event)  # a new status was asked for

    def page(self, items: list[dict[str, Any]], req: Request) -> list[dict[str, Any]]:
        """A page newest first, as Mastodon pages: `max_id` keeps what is older
        than it, `min_id` the page just newer than it, else the newest page."""
        limit = min(int(req.arg("limit", "20") or 20), 40)
        ordered = sorted(items, key=lambda s: int(s["id"]))
        min_id, max_id = req.arg("min_id"), req.arg("max_id")
        if max_id is not None:
            ordered = [s for s in ordered if int(s["id"]) < int(max_id)]
        if min_id is not None:
            newer = [s for s in ordered if int(s["id"]) > int(min_id)]
            if self.overlap:
                older = [s for s in ordered if int(s["id"]) <= int(min_id)][-self.overlap:]
                newer = older + newer
            chosen = newer[:limit]
        else:
            chosen = ordered[-limit:]
        return list(reversed(chosen))  # newest first

    def handle(self, req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Response(401, {"error": "The access token is invalid"})
        limit_headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
                         "X-RateLimit-Reset": (datetime.now(UTC) + timedelta(minutes=5)).isoformat()}
        if req.method == "GET" and req.path in ("/api/v1/instance", "/api/v2/instance"):
            return Response(200, {"uri": "bikes.example", "domain": "bikes.example", "title": "Bikes", "version": "4.3.2",
                                  "languages": ["en"], "registrations": False,
                                  "api_versions": {"mastodon": 2}})
        if req.method == "GET" and req.path.startswith("/api/v1/timelines/tag/"):
            tag = req.path.rsplit("/", 1)[1]
            return Response(200, self.page(self.tags.get(tag, []), req), limit_headers)
        if req.method == "GET" and req.path == "/api/v2/search":
            found = self.page(self.search.get(req.arg("q") or "", []), req)
            return Response(200, {"accounts": [], "hashtags": [], "statuses": found}, limit_headers)
        if req.method == "GET" and req.path == "/api/v1/notifications":
            return Response(200, self.page(self.notifications, req), limit_headers)
        if req.method == "GET" and req.path.startswith("/api/v1/streaming/"):
            pieces = [b":thump\n\n"]
            events, self.stream_events = self.stream_events, []  # live events reach one connection only
            for name, payload in events:
                data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
                pieces.append(f"event: {name}\ndata: {data}\n\n".encode())
            return Response(200, stream=pieces, delay=0.01)
        if req.method == "POST" and req.path == "/api/v1/statuses":
            self.post_arrived.set()
            if self.post_gate is not None:
                self.post_gate.wait(20)
            form = req.form()
            key = req.headers.get("idempotency-key")
            if key and key in self.by_key:  # as Mastodon does: the same key returns the status it made
                return Response(200, self.by_key[key], limit_headers)
            self.next_id += 1
            reply_to = int(form["in_reply_to_id"]) if form.get("in_reply_to_id") else None
            posted = status(self.next_id, form["status"], who=HOST_ACCOUNT, reply_to=reply_to)
            posted["created_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            self.posted.append(form)
            if key:
                self.by_key[key] = posted
            if self.post_delay:  # a slow answer: the status exists before the client hears of it
                time.sleep(self.post_delay)
            return Response(200, posted, limit_headers)
        return Response(404, {"error": "Record not found"})


def server(state: MastodonState) -> HttpServer:
    return HttpServer(state.handle)

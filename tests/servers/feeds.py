"""Feeds on loopback: an RSS 2.0 and an Atom feed with ETag and
Last-Modified, answering conditional GETs with 304."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.servers.http import HttpServer, Request, Response


@dataclass
class FeedEntry:
    id: str
    title: str
    body: str
    when: datetime
    updated: datetime | None = None
    author: str | None = None


@dataclass
class FeedState:
    rss: list[FeedEntry] = field(default_factory=list)
    atom: list[FeedEntry] = field(default_factory=list)
    changed: datetime = datetime(2026, 10, 1, tzinfo=UTC)
    broken: bool = False

    def touch(self) -> None:
        self.changed += timedelta(minutes=1)

    def _rss(self) -> bytes:
        items = "".join(
            f"<item><guid isPermaLink=\"false\">{escape(e.id)}</guid><title>{escape(e.title)}</title>"
            f"<link>https://reviews.example/{escape(e.id)}</link><description>{escape(e.body)}</description>"
            f"<pubDate>{format_datetime(e.when)}</pubDate>"
            + (f"<author>{escape(e.author)}</author>" if e.author else "") + "</item>"
            for e in self.rss
        )
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bike Reviews Weekly</title>"
                f"<link>https://reviews.example/</link><description>Reviews</description>{items}</channel></rss>").encode()

    def _atom(self) -> bytes:
        entries = "".join(
            f"<entry><id>{escape(e.id)}</id><title>{escape(e.title)}</title>"
            f"<link href=\"https://blog.example/{escape(e.id)}\"/><published>{e.when.isoformat()}</published>"
            f"<updated>{(e.updated or e.when).isoformat()}</updated>"
            f"<author><name>{escape(e.author or 'Ana')}</name></author>"
            f"<content type=\"html\">{escape(e.body)}</content></entry>"
            for e in self.atom
        )
        return ("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
                f"<title>Ana rides</title><id>urn:ana</id><updated>{self.changed.isoformat()}</updated>{entries}</feed>").encode()

    def handle(self, req: Request) -> Response:
        if req.path not in ("/reviews.rss", "/blog.atom"):
            return Response(404, raw=b"not found")
        body = self._rss() if req.path == "/reviews.rss" else self._atom()
        if self.broken:
            body = b"<html><body>Oops, this is not a feed"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = format_datetime(self.changed, usegmt=True)
        if req.headers.get("if-none-match") == etag:
            return Response(304, raw=b"", headers={"ETag": etag, "Last-Modified": modified})
        kind = "application/rss+xml" if req.path.endswith(".rss") else "application/atom+xml"
        return Response(200, raw=body, headers={"Content-Type": f"{kind}; charset=utf-8", "ETag": etag, "Last-Modified": modified})


def server(state: FeedState) -> HttpServer:
    return HttpServer(state.handle)

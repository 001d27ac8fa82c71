"""A Jetstream server on loopback: `/subscribe` over a real websocket.

It replays its events in order from the `cursor` asked for (events with
`time_us` >= cursor), checks `wantedCollections`, and can be told to serve
slowly, to drop the connection once after N events, or to send junk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

BASE_US = 1_760_000_000_000_000  # 2025-10-09


@dataclass
class JetstreamServer:
    events: list[bytes] = field(default_factory=list)
    delay: float = 0.0  # seconds between events
    drop_after: int | None = None  # close abnormally once, after this many events in one connection
    keep_open: bool = False  # do not close after the last event (a live stream)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    url: str = ""

    def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query) if ws.request else {}
        self.requests.append(query)
        if ws.request is None or urlsplit(ws.request.path).path != "/subscribe":
            ws.close(1008, "unknown path")
            return
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        sent = 0
        for raw in self.events:
            if cursor is not None and _time_us(raw) is not None and _time_us(raw) < cursor:
                continue
            if self.drop_after is not None and sent >= self.drop_after:
                self.drop_after = None
                ws.close(1011, "internal error")  # an abnormal close: the client must resume
                return
            ws.send(raw.decode())
            sent += 1
            if self.delay:
                time.sleep(self.delay)
        if self.keep_open:  # a live stream: stay open until the client leaves
            try:
                for _ in ws:
                    pass
            except ConnectionClosed:
                pass
            return
        ws.close(1000, "end of replay")


def _time_us(raw: bytes) -> int | None:
    try:
        return int(orjson.loads(raw)["time_us"])
    except Exception:  # noqa: BLE001 - junk events have no time
        return None


@contextmanager
def running(server: JetstreamServer) -> Iterator[JetstreamServer]:
    with serve(server.handler, "127.0.0.1", 0) as ws_server:
        port = ws_server.socket.getsockname()[1]
        server.url = f"ws://127.0.0.1:{port}/subscribe"
        thread = threading.Thread(target=ws_server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            ws_server.shutdown()
            thread.join(5)


def post_event(i: int, text: str, *, did: str | None = None, op: str = "create", reply_to: str | None = None,
               facets: list[dict[str, Any]] | None = None, time_us: int | None = None) -> bytes:
    """One Jetstream commit event shaped like the real ones."""
    did = did or f"did:plc:user{i % 97:04d}"
    rkey = f"3l{i:011d}"
    event: dict[str, Any] = {
        "did": did,
        "time_us": time_us if time_us is not None else BASE_US + i * 1000,
        "kind": "commit",
        "commit": {"rev": f"3l{i:011d}rev", "operation": op, "collection": "app.bsky.feed.post", "rkey": rkey},
    }
    if op != "delete":
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime((BASE_US + i * 1000) / 1e6)),
            "langs": ["en"],
            "text": text,
        }
        if facets:
            record["facets"] = facets
        if reply_to:
            record["reply"] = {"parent": {"uri": reply_to, "cid": "bafyparent"}, "root": {"uri": reply_to, "cid": "bafyroot"}}
        event["commit"]["record"] = record
        event["commit"]["cid"] = f"bafyrei{i:020d}"
    return orjson.dumps(event)

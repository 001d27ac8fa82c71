"""A small threaded HTTP server on loopback for the platform test servers."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, Any]:
        kind = self.headers.get("content-type", "")
        if "json" in kind:
            return json.loads(self.body or b"{}")
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.body.decode()).items()}

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name) or self.query.get(name + "[]")
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (malformed payloads)
    stream: list[bytes] | None = None  # sent piece by piece, then the connection closes (server-sent events)
    delay: float = 0.0  # seconds between stream pieces


Handler = Callable[[Request], Response]


@dataclass
class HttpServer:
    """Routes requests to `handle`; records every request; `failures` maps a
    path prefix to responses to send instead, once each, before the real one."""

    handle: Handler
    requests: list[Request] = field(default_factory=list)
    failures: dict[str, list[Response]] = field(default_factory=dict)
    url: str = ""

    def respond(self, request: Request) -> Response:
        self.requests.append(request)
        for prefix, queue in self.failures.items():
            if request.path.startswith(prefix) and queue:
                return queue.pop(0)
        return self.handle(request)


@contextmanager
def serving(server: HttpServer) -> Iterator[HttpServer]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            request = Request(
                self.command, parts.path.rstrip("/") or "/", parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length) if length else b"",
            )
            response = server.respond(request)
            if response.stream is not None:
                self.send_response(response.status)
                for k, v in {"Content-Type": "text/event-stream", **response.headers}.items():
                    self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in response.stream:
                    self.wfile.write(piece)
                    self.wfile.flush()
                    if response.delay:
                        time.sleep(response.delay)
                self.close_connection = True
                return
            data = response.raw if response.raw is not None else (
                b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode()
            )
            self.send_response(response.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **response.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client that went away (a killed process) is expected here; anything else is printed."""
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    httpd = Server(("127.0.0.1", 0), RequestHandler)
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def down_after(server: HttpServer, path: str, pages: int, failure: Response) -> Handler:
    """Make `server` answer `failure` to every request for `path` after the
    first `pages` (a server going away mid-run); returns the real handler, to
    put back with `server.handle = real`."""
    real = server.handle
    served = {"n": 0}

    def handle(request: Request) -> Response:
        if request.path == path:
            served["n"] += 1
            if served["n"] > pages:
                return failure
        return real(request)

    server.handle = handle
    return real

"""Shared set-up for the web tests: a demo workspace with one user per role and hostile messages."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.config import Settings
from goodwill.ingest.readers import ImportOptions
from goodwill.service import team
from goodwill.service.demo import build_demo
from goodwill.service.imports import import_path
from goodwill.service.workspace import open_workspace

PASSWORD = "correct horse battery"
XSS_SCRIPT = '<script>window.__pwned = 1</script> is my battery ok?'
XSS_IMG = '<img src=x onerror="window.__pwned = 2"> zebrafish charger question & "quotes"'


#: Built SQLite workspaces, by the function that built them: (directory, tokens, when built).
_BUILT: dict[str, tuple[Path, dict[str, str], float]] = {}
#: A built workspace is copied for this long; after it, the next test builds a fresh one, so the demo's
#: times (waiting since, SLA due) stay close to those of a workspace built by the test itself.
FRESH_FOR = 300.0


def _copied(settings: Settings, tmp_path: Path, name: str, build: Any) -> dict[str, str]:
    """The workspace `build(settings, tmp_path)` makes, built once and copied while fresh when the store is
    the workspace's SQLite file (the web tests' set-up costs seconds of classifying, scoring and hashing
    passwords); built each time on PostgreSQL."""
    if settings.database_url:
        tokens: dict[str, str] = build(settings, tmp_path)
        return tokens
    found = _BUILT.get(name)
    if found is None or time.monotonic() - found[2] > FRESH_FOR:
        if found is not None:
            shutil.rmtree(found[0], ignore_errors=True)
        template = Path(tempfile.mkdtemp(prefix="goodwill-built-"))
        atexit.register(shutil.rmtree, template, True)
        source = tmp_path / "built"
        source.mkdir()
        tokens = build(settings.model_copy(update={"workspace": template / "ws"}), source)
        found = _BUILT[name] = (template / "ws", tokens, time.monotonic())
    shutil.copytree(found[0], settings.workspace, dirs_exist_ok=True)
    return dict(found[1])


def build_workspace(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The hand-written demo plus a hostile thread; users admin/manager/agent. Returns API tokens by role."""
    return _copied(settings, tmp_path, "demo", _build_workspace)


def _build_workspace(settings: Settings, tmp_path: Path) -> dict[str, str]:
    build_demo(settings)
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        {"platform": "twitter", "id": "evil-1", "author": "mallory", "text": XSS_SCRIPT,
         "created_at": (now - timedelta(minutes=5)).isoformat()},
        {"platform": "twitter", "id": "evil-2", "author": "mallory", "text": XSS_IMG, "reply_to": "evil-1",
         "created_at": (now - timedelta(minutes=4)).isoformat()},
    ]
    path = tmp_path / "evil.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    store = open_workspace(settings)
    tokens: dict[str, str] = {}
    try:
        import_path(store, team.cli_actor(), settings, path, ImportOptions(format="jsonl"))
        admin = team.cli_actor()
        for role in ("admin", "manager", "agent"):
            team.add_user(store, admin, f"{role}1", PASSWORD, role)
            tokens[role] = team.create_token(store, team.user_actor(store, f"{role}1"), f"{role} tests")[0]
    finally:
        store.close()
    return tokens


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with a real Uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def build_workspace_with_topics(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """`build_workspace`, then topics, alerts and share of voice computed as `goodwill topics refresh` does."""
    return _copied(settings, tmp_path, "topics", _build_workspace_with_topics)


def _build_workspace_with_topics(settings: Settings, tmp_path: Path) -> dict[str, str]:
    from goodwill.service import topics as topic_service

    tokens = _build_workspace(settings, tmp_path)
    store = open_workspace(settings)
    try:
        topic_service.refresh(store, team.cli_actor(), seed=0)
    finally:
        store.close()
    return tokens

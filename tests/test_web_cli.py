"""`goodwill users`, `goodwill audit` and `goodwill serve`, through the CLI."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from goodwill.config import Settings
from goodwill.domain import Workspace
from goodwill.service.demo import DEMO_PASSWORD, DEMO_USER, build_demo
from goodwill.service.workspace import init_workspace
from tests.test_cli import invoke


@pytest.mark.parametrize("command", [["serve"], ["users", "add"], ["users", "list"], ["users", "disable"],
                                     ["users", "reset-password"], ["users", "token", "create"],
                                     ["users", "token", "revoke"], ["users", "token", "list"], ["audit", "export"]])
def test_every_web_command_has_help_with_an_example(command: list[str], tmp_path: Path) -> None:
    code, out, _ = invoke(Settings(workspace=tmp_path), *command, "--help")
    assert code == 0 and "Example:" in out and "goodwill " + " ".join(command) in out


def test_users_tokens_and_audit(settings: Settings) -> None:
    assert invoke(settings, "init", "--name", "Acme")[0] == 0
    code, out, _ = invoke(settings, "users", "add", "alice", "--role", "manager", "--password-stdin", input="a long password\n")
    assert code == 0 and "alice" in out and "manager" in out
    code, _, err = invoke(settings, "users", "add", "Alice", "--password-stdin", input="another password\n")
    assert code == 1 and "taken" in err
    code, _, err = invoke(settings, "users", "add", "bob", "--role", "boss", "--password-stdin", input="long enough\n")
    assert code == 1 and "role" in err and "agent, manager, admin" in err
    code, _, err = invoke(settings, "users", "add", "bob", "--password-stdin", input="short\n")
    assert code == 1 and "password" in err and "8" in err
    # No terminal to prompt on and no --password-stdin: say what to do instead of waiting or crashing.
    code, _, err = invoke(settings, "users", "add", "bob", input="")
    assert code == 1 and "--password-stdin" in err and "Traceback" not in err
    assert invoke(settings, "users", "add", "bob", "--password-stdin", input="bobs password\n")[0] == 0
    code, out, _ = invoke(settings, "users", "list")
    assert code == 0 and "alice" in out and "bob" in out and "agent" in out
    code, out, _ = invoke(settings, "users", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("alice", "manager", False), ("bob", "agent", False)]
    code, token, _ = invoke(settings, "users", "token", "create", "alice", "--name", "crm")
    assert code == 0 and re.fullmatch(r"gw_[\w-]+\n", token)
    code, out, _ = invoke(settings, "users", "token", "list", "--json")
    tokens = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(t["id"], t["owner"], t["name"], t["revoked_at"]) for t in tokens] == [(1, "alice", "crm", None)]
    assert token.strip() not in out and tokens[0]["prefix"] == token[:10]
    code, out, _ = invoke(settings, "users", "token", "list", "--user", "alice")
    assert code == 0 and "crm" in out and "alice" in out
    assert invoke(settings, "users", "token", "revoke", "1")[0] == 0
    assert invoke(settings, "users", "reset-password", "bob", "--password-stdin", input="brand new pw\n")[0] == 0
    assert invoke(settings, "users", "disable", "bob")[0] == 0
    code, _, err = invoke(settings, "users", "disable", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    code, out, _ = invoke(settings, "audit", "export")
    entries = [json.loads(line) for line in out.splitlines()]
    actions = [e["action"] for e in entries]
    assert actions == ["workspace.init", "user.add", "user.add", "token.create", "token.revoke",
                       "user.reset_password", "user.disable", "audit.export"]
    assert {e["origin"] for e in entries} == {"cli"}
    operator = f"cli:{getpass.getuser()}"
    assert entries[1]["actor"] == operator and entries[1]["details"] == {"role": "manager"}
    # The operator made alice's token: the entry names the operator as actor and alice as owner.
    assert entries[3]["actor"] == operator and entries[3]["actor_id"] is None
    assert entries[3]["details"]["owner"] == "alice" and entries[3]["details"]["name"] == "crm"
    code, out, _ = invoke(settings, "audit", "export", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][4] == "action" and [r[4] for r in rows[1:]] == [*actions, "audit.export"]


def test_demo_makes_a_demo_admin(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_demo(settings)
    code, out, _ = invoke(settings, "users", "list")
    assert code == 0 and DEMO_USER in out and "admin" in out


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_loopback(tmp_path: Path, workers: int) -> None:
    ws = tmp_path / "ws"
    build_demo(Settings(workspace=ws))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "goodwill", "--workspace", str(ws), "serve", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.1)
        with httpx.Client(base_url=base, follow_redirects=True) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            r = client.post("/login", data={"username": DEMO_USER, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
            assert r.status_code == 200 and "Halcyon Bikes" in r.text and str(r.url) == base + "/"
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_on_a_busy_port_fails_in_one_line_before_claiming_to_serve(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert invoke(Settings(workspace=ws), "init", "--name", "Acme")[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "goodwill", "--workspace", str(ws), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
        )
    assert done.returncode == 1 and "Serving on" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip() and "No users yet" not in line]
    assert lines == [f"Error: cannot serve on 127.0.0.1:{port}: the port is in use (pick another with --port)"]


def test_users_add_asks_for_the_password_twice_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import select

    ws = tmp_path / "ws"
    assert invoke(Settings(workspace=ws), "init", "--name", "Acme")[0] == 0
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "goodwill", "--workspace", str(ws), "users", "add", "bob"])
    seen = b""
    answered = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.3)
        if not ready:
            # Quiet after a prompt: answer it (the prompt turned echo off and flushed input first).
            if seen.rstrip().endswith(b":") and seen.count(b":") > answered:
                answered += 1
                os.write(fd, b"prompted password\n")
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the command finished and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert answered == 2 and b"bob" in seen and b"(agent)" in seen and b"prompted password" not in seen, seen  # no echo


def test_the_server_works_on_as_many_requests_at_once_as_set(tmp_path: Path) -> None:
    """`web_threads` is the number of requests a server process works on at once (its thread pool's size)."""
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from goodwill.web.app import create_app

    settings = Settings(workspace=tmp_path / "ws", web_threads=3, escalate_every=0, accurate_pass_every=0,
                        upkeep_every=0, reprioritise_every=0)
    init_workspace(settings, Workspace(name="Threads")).close()
    with TestClient(create_app(settings)) as client:
        assert client.portal is not None
        assert client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 3
        assert client.get("/api/v1/health").status_code == 200

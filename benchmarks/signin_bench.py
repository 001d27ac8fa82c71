"""API latency while the server is flooded with sign-in attempts (issue 9, finding 3).

    python benchmarks/signin_bench.py                   # 40 attempts at once, 5 rounds
    python benchmarks/signin_bench.py --flood 80 --rounds 10

Builds the hand-written demo workspace with an agent and an API token, serves it
with `goodwill serve` in a subprocess on 127.0.0.1, and measures
`GET /api/v1/conversations?limit=20` with the token: first on a quiet server,
then while `--flood` sign-ins with made-up usernames and wrong passwords arrive
at once (each round waits for the whole flood to be answered). It prints the
median and the worst API latency in each state and how the flood was answered
(401 checked and refused, 429 turned away before argon2 ran).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from web_bench import free_port, wait_until_up

PASSWORD = "benchmark-password"


def build(workdir: Path) -> tuple[Path, str]:
    from goodwill.config import Settings
    from goodwill.service import team
    from goodwill.service.demo import build_demo
    from goodwill.service.workspace import open_workspace

    ws = workdir / "ws-signin"
    settings = Settings(workspace=ws)
    build_demo(settings)
    store = open_workspace(settings)
    try:
        team.add_user(store, team.cli_actor(), "bench", PASSWORD, "agent")
        token = team.create_token(store, team.cli_actor(), "signin_bench", owner="bench")[0]
    finally:
        store.close()
    return ws, token


async def api_call(client: httpx.AsyncClient, token: str) -> float:
    started = time.perf_counter()
    r = await client.get("/api/v1/conversations", params={"limit": 20}, headers={"Authorization": f"Bearer {token}"})
    took = (time.perf_counter() - started) * 1000
    if r.status_code != 200:
        raise SystemExit(f"API call: HTTP {r.status_code}: {r.text[:200]}")
    return took


async def flood(base: str, count: int, round_no: int) -> list[int]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/login")).text)
        assert csrf is not None

        async def attempt(i: int) -> int:
            data = {"username": f"nobody{round_no}-{i}", "password": "wrong password", "csrf_token": csrf.group(1)}
            return (await client.post("/login", data=data)).status_code

        return list(await asyncio.gather(*(attempt(i) for i in range(count))))


async def measure(base: str, token: str, count: int, rounds: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for _ in range(5):  # warm the server's caches and connections
            await api_call(client, token)
        quiet = [await api_call(client, token) for _ in range(40)]
        busy: list[float] = []
        answers: Counter[int] = Counter()
        flood_seconds: list[float] = []
        for n in range(rounds):
            started = time.perf_counter()
            task = asyncio.create_task(flood(base, count, n))
            await asyncio.sleep(0.02)
            while not task.done():
                busy.append(await api_call(client, token))
            answers.update(await task)
            flood_seconds.append(time.perf_counter() - started)
    print(f"quiet: API median {statistics.median(quiet):.1f} ms, worst {max(quiet):.1f} ms ({len(quiet)} calls)")
    print(f"flood of {count} sign-ins x {rounds}: API median {statistics.median(busy):.1f} ms, "
          f"worst {max(busy):.1f} ms ({len(busy)} calls); flood answered in median "
          f"{statistics.median(flood_seconds):.2f} s; answers {dict(sorted(answers.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=40, help="sign-in attempts sent at once")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws, token = build(args.workdir or Path(tmp))
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "goodwill", "--workspace", str(ws), "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server)
            asyncio.run(measure(base, token, args.flood, args.rounds))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()

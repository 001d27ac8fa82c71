"""Sign-in under load, against a real Uvicorn on loopback: the limit holds for attempts sent
at once, and a flood of password checks does not stall API calls made with a token."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from goodwill.config import Settings
from goodwill.service import audit, team
from goodwill.service.workspace import open_workspace
from goodwill.web.app import create_app
from tests.web_helpers import build_workspace, csrf_of, serving


async def _attempts(base: str, names: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        token = csrf_of((await client.get("/login")).text)

        async def attempt(name: str) -> int:
            r = await client.post("/login", data={"username": name, "password": "wrong password", "csrf_token": token})
            return r.status_code

        return list(await asyncio.gather(*(attempt(n) for n in names)))


def test_forty_simultaneous_wrong_passwords_are_not_all_checked(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    build_workspace(settings, tmp_path)
    with serving(create_app(settings)) as base:
        codes = asyncio.run(_attempts(base, ["agent1"] * 40))
    assert set(codes) <= {401, 429} and codes.count(401) <= 5, codes
    store = open_workspace(settings)
    failed = audit.read_audit(store, team.cli_actor(), action="user.login_failed", limit=100)["items"]
    store.close()
    assert len(failed) == codes.count(401) <= 5


async def _api_call_during_flood(base: str, token: str, flood: int) -> tuple[float, list[int]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        flood_task = asyncio.create_task(_attempts(base, [f"nobody{i}" for i in range(flood)]))
        await asyncio.sleep(0.05)  # the flood is under way
        started = time.perf_counter()
        r = await api.get("/api/v1/conversations", params={"limit": 20}, headers={"Authorization": f"Bearer {token}"})
        took = time.perf_counter() - started
        assert r.status_code == 200 and r.json()["items"]
        return took, await flood_task


def test_a_flood_of_unknown_user_sign_ins_does_not_stall_the_api(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    tokens = build_workspace(settings, tmp_path)
    with serving(create_app(settings)) as base:
        took, codes = asyncio.run(_api_call_during_flood(base, tokens["agent"], 40))
    # At most `web_password_checks` run at once; the rest answer 429 with Retry-After straight away.
    assert set(codes) <= {401, 429} and codes.count(429) >= 30, codes
    assert took < 5.0, f"an API call took {took:.2f}s during the flood"

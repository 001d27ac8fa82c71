"""The scheduled upkeep on a real store (SQLite and PostgreSQL): retention at most once a day, scoring people,
rows earlier versions kept for deleted posts; run by the real loop with a controlled clock; shown by status and
the API."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.service import people, privacy, upkeep
from goodwill.service.workspace import workspace_status
from goodwill.store import Store
from goodwill.web.app import create_app
from tests.privacy_scan import assert_gone
from tests.test_people_store import MARA_TEXTS, loaded  # noqa: F401 - the fixture
from tests.web_helpers import build_workspace

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
AGENT = Actor(2, "agent", Role.AGENT, Origin.API, "127.0.0.1")
T0 = datetime(2026, 11, 3, 12, tzinfo=UTC)


def _audit(store: Store, action: str) -> list[dict]:
    with store.begin() as conn:
        found = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT actor_name, details FROM audit_log WHERE action = :a ORDER BY id"), {"a": action})]
    return [{**f, "details": json.loads(f["details"]) if isinstance(f["details"], str) else f["details"]} for f in found]


def _count(store: Store, sql: str) -> int:
    with store.begin() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_retention_runs_at_most_once_a_day_and_is_audited(loaded: Store) -> None:  # noqa: F811
    privacy.set_retention(loaded, ADMIN, 30)
    assert privacy.retention(loaded, AGENT)["last_run_at"] is None  # never ran: due at the first look
    done = upkeep.run_due(loaded, rescore_every=7200, now=T0)
    # Cutoff 2026-10-04 12:00: the Twitter and Mastodon messages by others go, the brand's reply stays.
    assert done["retention"]["messages"] == 6 and done["retention"]["cutoff"] == "2026-10-04T12:00:00Z"
    assert done["rescore"]["people"] == 2  # scored after retention: the two left (kit's two accounts, the brand not)
    assert _count(loaded, "SELECT count(*) FROM messages") == 3
    entries = _audit(loaded, "retention.run")
    assert len(entries) == 1 and entries[0]["actor_name"] == "upkeep"
    # An hour later nothing is due; a day later it runs again (its cutoff a day later: kit's two posts go), is
    # audited again, and the people are scored again (nobody left to score).
    assert upkeep.run_due(loaded, rescore_every=7200, now=T0 + timedelta(hours=1)) == {}
    again = upkeep.run_due(loaded, rescore_every=7200, now=T0 + timedelta(hours=25))
    assert again["retention"]["messages"] == 2 and again["rescore"] == {"people": 0, "unchanged": False}
    assert len(_audit(loaded, "retention.run")) == 2
    assert _count(loaded, "SELECT count(*) FROM person_scores") == 0
    policy = privacy.retention(loaded, AGENT)
    assert policy["last_run_at"] == "2026-11-04T13:00:00Z" and policy["next_run_at"] == "2026-11-05T13:00:00Z"
    status = workspace_status(loaded, AGENT)["upkeep"]
    assert status["retention"]["next_run_at"] == "2026-11-05T13:00:00Z"
    assert status["rescore"]["last_run_at"] == "2026-11-04T13:00:00Z"
    assert status["rescore"]["next_run_at"] == "2026-11-04T15:00:00Z"


def test_processes_looking_at_once_run_it_once(loaded: Store) -> None:  # noqa: F811
    privacy.set_retention(loaded, ADMIN, 30)
    results: list[dict] = []
    start = threading.Barrier(4)

    def look() -> None:
        start.wait()
        results.append(upkeep.run_due(loaded, rescore_every=0, now=T0))

    threads = [threading.Thread(target=look) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum("retention" in r for r in results) == 1
    assert len(_audit(loaded, "retention.run")) == 1


def test_the_loop_applies_retention_on_schedule(loaded: Store) -> None:  # noqa: F811
    """The listener's upkeep thread, with a clock that moves 6 hours a look: over 10 looks (54 hours) retention
    runs three times (at 0, 24 and 48 hours) and scoring whenever it is due and something changed."""
    privacy.set_retention(loaded, ADMIN, 30)
    looks: list[datetime] = []

    def clock() -> datetime:
        looks.append(T0 + timedelta(hours=6 * min(len(looks), 9)))
        return looks[-1]

    runner = upkeep.UpkeepRunner(loaded, every=0.02, rescore_every=3600, clock=clock)
    runner.start()
    deadline = time.monotonic() + 60
    while len(looks) < 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    runner.stop()
    assert len(looks) >= 12 and runner.error is None
    runs = _audit(loaded, "retention.run")
    assert len(runs) == 3, runs
    # Cutoffs a day apart: kit's post of 10-04 goes at 24 hours, the one of 10-05 at 48.
    assert [r["details"]["messages"] for r in runs] == [6, 1, 1]
    # Scored on the first look (after retention) and after each retention run that changed something, only.
    assert [r["details"]["people"] for r in _audit(loaded, "people.rescore")] == [2, 1, 0]
    assert _count(loaded, "SELECT count(*) FROM person_scores") == 0


def test_rescoring_follows_changes_and_retention_deletes_scores(loaded: Store) -> None:  # noqa: F811
    assert upkeep.run_due(loaded, rescore_every=600, now=T0)["rescore"]["people"] == 5
    mara = people.list_people(loaded, AGENT)["items"]
    assert {p["id"] for p in mara} and all(p["reason"] for p in mara)
    assert upkeep.run_due(loaded, rescore_every=600, now=T0 + timedelta(minutes=5)) == {}  # not due yet
    assert upkeep.run_due(loaded, rescore_every=600, now=T0 + timedelta(minutes=11))["rescore"]["unchanged"]
    with loaded.begin() as conn:  # the accurate pass changing a signal is a change
        conn.execute(sa.text("UPDATE message_signals SET model_version = 'newer' WHERE message_id = 1"))
    assert upkeep.run_due(loaded, rescore_every=600, now=T0 + timedelta(minutes=22))["rescore"]["people"] == 5
    privacy.set_retention(loaded, ADMIN, 30)
    privacy.apply_retention(loaded, ADMIN, now=T0)
    with loaded.begin() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM person_scores WHERE person_id NOT IN (SELECT id FROM people)")).scalar_one()
        scored = conn.execute(sa.text("SELECT count(*) FROM person_scores")).scalar_one()
    assert left == 0 and scored == 2


def test_rows_kept_blanked_by_earlier_versions_are_deleted(loaded: Store) -> None:  # noqa: F811
    with loaded.begin() as conn:  # what an earlier version did with a deleted post: the row kept, blanked
        conn.execute(sa.text("UPDATE messages SET text = '', raw = '{}', deleted_at = :at WHERE platform_id = 'mara-003'"),
                     {"at": T0.replace(tzinfo=None)})
    done = upkeep.run_due(loaded, rescore_every=0, now=T0)
    assert done["retention"]["deleted_posts_erased"] == 1 and done["retention"]["retention_days"] is None
    with loaded.begin() as conn:
        reply_to = conn.execute(sa.text("SELECT reply_to_id FROM messages WHERE platform_id = 'mara-003'")).first()
    assert reply_to is None
    assert_gone(loaded, ["mara-003", MARA_TEXTS[1]], ["wonderful"])


def test_api_shows_the_schedule_and_the_scores_freshness(settings: Settings, tmp_path: Path) -> None:
    tokens = build_workspace(settings, tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/upkeep").status_code == 401
        assert client.get("/api/v1/people").status_code == 401
        h = {"Authorization": f"Bearer {tokens['agent']}"}
        jobs = client.get("/api/v1/upkeep", headers=h).json()
        assert set(jobs) == {"retention", "rescore"} and jobs["retention"]["next_run_at"] is None
        listed = client.get("/api/v1/people", headers=h).json()
        assert listed["scores_as_of"] and listed["items"]
        person = client.get(f"/api/v1/people/{listed['items'][0]['id']}", headers=h).json()
        assert person["scores_as_of"] == listed["scores_as_of"]
        top = client.get("/api/v1/influencers", headers=h).json()
        assert top["scores_as_of"] == listed["scores_as_of"] and top["items"]
        assert all(r["influence_reasons"] for r in top["items"])
        assert client.post("/api/v1/people/rescore", headers=h).status_code == 403
        m = {"Authorization": f"Bearer {tokens['manager']}"}
        again = client.post("/api/v1/people/rescore", headers=m).json()
        assert again["people"] == len(client.get("/api/v1/people", headers=h, params={"limit": 200}).json()["items"])
        assert client.get("/api/v1/people", headers=h).json()["scores_as_of"] == again["computed_at"]
        assert client.get("/api/v1/retention", headers=h).json()["next_run_at"] is None


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_the_web_server_looks_on_its_own(settings: Settings, tmp_path: Path) -> None:
    """The server's lifespan starts the upkeep loop: with a look every 0.1 s, retention and scoring run."""
    build_workspace(settings, tmp_path)
    fast = settings.model_copy(update={"upkeep_every": 0.1})
    with TestClient(create_app(fast)) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with client.app.state.store.begin() as conn:
                ran = conn.execute(sa.text("SELECT count(*) FROM upkeep_jobs WHERE last_run_at IS NOT NULL")).scalar_one()
            if ran == 2:
                break
            time.sleep(0.1)
    assert ran == 2

"""Topics, alerts, share of voice, influencers and communities of a stored
workspace, through the service and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.domain import ParsedMessage
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import NotFoundError, PermissionDeniedError
from goodwill.ingest.writer import ingest_messages
from goodwill.service import audience
from goodwill.service import topics as topic_service
from goodwill.service.audit import read_audit
from goodwill.store import Store

from .test_topics_core import FILLER, VOCAB

MANAGER = Actor(1, "maria", Role.MANAGER, Origin.CLI, "local")
AGENT = Actor(2, "alex", Role.AGENT, Origin.CLI, "local")
START = datetime(2026, 9, 1, 12, tzinfo=UTC)
DAYS = 40


def fill(store: Store) -> None:
    """Three subjects over 40 days from 30 accounts, replies among neighbours;
    on the last day the battery subject bursts, most of it angry."""
    rng = np.random.default_rng(4)
    items: list[ParsedMessage] = []
    n = 0
    for day in range(DAYS):
        for g, (subject, words) in enumerate(VOCAB.items()):
            count = 14 if (subject == "battery" and day == DAYS - 1) else int(rng.poisson(2)) + 1
            for _ in range(count):
                n += 1
                picked = [*rng.choice(words, 4, replace=False), *rng.choice(FILLER, 2, replace=False)]
                if subject == "battery" and day == DAYS - 1:
                    picked += ["terrible", "awful", "angry", "broken"]
                if n % 5 == 0:
                    picked.append("Vantor")
                elif n % 3 == 0:
                    picked.append("Halcyon Bikes")
                author = f"user{g * 10 + n % 10}"
                reply_to = f"m{n - 1}" if n > 1 and n % 2 == 0 else None
                items.append(ParsedMessage(
                    platform="twitter", platform_id=f"m{n}", author=author, text=" ".join(picked),
                    created_at=START + timedelta(days=day, minutes=n % 600), reply_to_id=reply_to,
                    mentions=[f"user{g * 10 + (n + 3) % 10}"],
                ))
    items.append(ParsedMessage(platform="twitter", platform_id="b1", author="halcyonbikes",
                               text="Halcyon Bikes here: battery help at halcyon.example", created_at=START))
    ingest_messages(store, "test", items)


@pytest.fixture
def filled(store: Store) -> Store:
    from goodwill.service import people

    fill(store)
    people.rescore(store, MANAGER)  # the influencers of the whole audience are read from the people's scores
    return store


def test_refresh_finds_the_subjects_the_burst_and_share_of_voice(filled: Store) -> None:
    done = topic_service.refresh(filled, MANAGER, k=3)
    assert done.topics == 3 and done.assigned > 0.9 * done.messages
    found = topic_service.topics(filled, AGENT)
    labels = {t["label"] for t in found}
    assert any("battery" in " ".join(t["keyphrases"]) or "charge" in " ".join(t["keyphrases"]) for t in found), labels
    battery = next(t for t in found if set(t["keyphrases"][:3]) & set(VOCAB["battery"]))
    trend = topic_service.topic_trend(filled, AGENT, battery["id"])[0]
    assert trend["days"][-1]["messages"] >= 14 and sum(d["messages"] for d in trend["days"]) == battery["messages"]

    alerts = topic_service.alerts(filled, AGENT)
    last_day = (START + timedelta(days=DAYS - 1)).date()
    assert {(a["topic_id"], a["day"], a["kind"]) for a in alerts} >= {(battery["id"], last_day, "volume")}
    assert all(a["day"] == last_day and a["topic_id"] == battery["id"] for a in alerts)  # no alert on noise
    volume = next(a for a in alerts if a["kind"] == "volume")
    assert volume["observed"] >= 14 and volume["expected"] < 5 and volume["p_value"] < 1e-4
    assert len(volume["examples"]) == 3 and all("terrible" in e["text"] for e in volume["examples"])

    voice = topic_service.voice(filled, AGENT)
    brand = sum(v["mentions"] for v in voice if v["is_brand"])
    vantor = sum(v["mentions"] for v in voice if v["name"] == "Vantor")
    with filled.begin() as conn:
        from sqlalchemy import text

        texts = [r[0] for r in conn.execute(text("SELECT text FROM messages WHERE NOT is_brand"))]
    assert vantor == sum("Vantor" in t for t in texts)
    assert brand == sum("Halcyon Bikes" in t for t in texts)
    assert all(abs(sum(v["share"] for v in voice if v["period"] == p) - 1) < 1e-3 for p in {v["period"] for v in voice})

    entries = read_audit(filled, Actor(None, "root", Role.ADMIN, Origin.CLI), limit=10)["items"]
    assert entries[0]["action"] == "topics.refresh" and entries[0]["details"]["topics"] == 3


def test_refresh_needs_a_manager_and_replaces_the_old_topics(filled: Store) -> None:
    with pytest.raises(PermissionDeniedError):
        topic_service.refresh(filled, AGENT)
    topic_service.refresh(filled, MANAGER, k=3)
    topic_service.refresh(filled, MANAGER, k=4)
    assert len(topic_service.topics(filled, AGENT)) == 4
    with pytest.raises(NotFoundError):
        topic_service.topic_trend(filled, AGENT, 99)


def test_influencers_and_communities_from_the_workspace(filled: Store) -> None:
    assert topic_service.topics(filled, AGENT) == []
    top = audience.influencers(filled, AGENT, top=5)
    assert len(top) == 5 and [r["rank"] for r in top] == [1, 2, 3, 4, 5]
    assert all(r["handle"] != "halcyonbikes" for r in top)
    assert top[0]["influence"] >= top[-1]["influence"] and top[0]["influence_reasons"]
    topic_service.refresh(filled, MANAGER, k=3)
    battery = next(t for t in topic_service.topics(filled, AGENT) if set(t["keyphrases"][:3]) & set(VOCAB["battery"]))
    within = audience.influencers(filled, AGENT, topic=battery["label"])
    assert within and within != top
    with pytest.raises(NotFoundError, match="no topic"):
        audience.influencers(filled, AGENT, topic="no such topic")
    found = audience.communities(filled, AGENT)
    assert found and sum(c["size"] for c in found) <= 31
    assert all(c["topics"] and c["central"] for c in found)
    assert {t["topic"] for c in found for t in c["topics"]} <= {t["label"] for t in topic_service.topics(filled, AGENT)}


def test_the_commands(settings: Settings, filled: Store) -> None:
    runner = CliRunner()
    base = ["--workspace", str(settings.workspace)] + (["--database-url", settings.database_url] if settings.database_url else [])

    def run(*args: str) -> str:
        result = runner.invoke(app, [*base, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "No topics yet" in run("topics")
    assert "3 topics over" in run("topics", "refresh", "--k", "3")
    rows = [json.loads(line) for line in run("topics", "--json").splitlines()]
    assert len(rows) == 3 and {"label", "keyphrases", "messages", "negative_share"} <= set(rows[0])
    alerts = [json.loads(line) for line in run("alerts", "--json").splitlines()]
    assert alerts and alerts[0]["kind"] in {"volume", "negative"} and alerts[0]["examples"]
    assert "volume rise" in run("alerts")
    assert run("alerts", "--since", "2030-01-01").strip() == "No alerts."
    influencers = [json.loads(line) for line in run("influencers", "--top", "3", "--json").splitlines()]
    assert len(influencers) == 3
    communities = [json.loads(line) for line in run("communities", "--json").splitlines()]
    assert communities and communities[0]["topics"]
    assert "Vantor" in run("topics", "voice")
    bad = runner.invoke(app, [*base, "alerts", "--since", "soon"])
    assert bad.exit_code != 0 and "--since" in bad.output
    missing = runner.invoke(app, [*base, "influencers", "--topic", "nothing like it"])
    assert missing.exit_code != 0 and "no topic 'nothing like it'" in missing.output


def test_the_installed_command_reads_the_workspace_without_edges(tmp_path) -> None:
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from goodwill.service.workspace import init_workspace
    from tests.conftest import BRAND

    settings = Settings(workspace=tmp_path / "ws")
    store = init_workspace(settings, BRAND)
    try:
        fill(store)
    finally:
        store.close()
    goodwill = shutil.which("goodwill", path=str(Path(sys.executable).parent))
    assert goodwill is not None
    env = {**os.environ, "GOODWILL_WORKSPACE": str(settings.workspace)}
    env.pop("GOODWILL_DATABASE_URL", None)
    done = subprocess.run([goodwill, "communities", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows and rows[0]["size"] >= 3


def test_the_demo_has_topics_an_alert_and_influencers(tmp_path) -> None:
    runner = CliRunner()
    base = ["--workspace", str(tmp_path / "demo")]
    built = runner.invoke(app, [*base, "demo", "--no-serve"], catch_exceptions=False)
    assert built.exit_code == 0 and "Topics: " in built.output
    topics = runner.invoke(app, [*base, "topics", "--json"]).output.splitlines()
    alerts = [json.loads(line) for line in runner.invoke(app, [*base, "alerts", "--json"]).output.splitlines()]
    influencers = runner.invoke(app, [*base, "influencers", "--json"]).output.splitlines()
    assert len(topics) >= 5 and influencers
    # the demo's stem-recall day: people asking about the home kit, from no such talk before
    assert any("home kit" in a["topic"] and a["kind"] == "volume" for a in alerts), alerts

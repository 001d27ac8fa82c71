"""The demo's relationship health: figures that follow from its hand-written conversations, recounted here in plain SQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.service import health
from goodwill.service.team import cli_actor
from goodwill.service.workspace import open_workspace

ASKS = """
SELECT m.id, m.platform, m.created_at,
       (SELECT MIN(b.created_at) FROM messages b WHERE b.platform = m.platform AND b.thread_root_id = m.thread_root_id
          AND b.is_brand AND b.deleted_at IS NULL AND b.created_at > m.created_at) AS answered_at,
       s.intent
FROM messages m JOIN message_signals s ON s.message_id = m.id
WHERE NOT m.is_brand AND m.deleted_at IS NULL AND m.created_at >= :start AND m.created_at < :end
  AND (s.intent IN ('question', 'complaint') OR s.needs_response)
"""


def test_demo_report_follows_from_its_data(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    result = CliRunner().invoke(app, ["--workspace", str(settings.workspace), "demo", "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0 and "Health, " in result.output and "questions and complaints answered" in result.output
    store = open_workspace(settings)
    try:
        f = health.report(store, cli_actor())
        with store.begin() as conn:
            latest = conn.execute(sa.text("SELECT MAX(created_at) FROM messages WHERE deleted_at IS NULL")).scalar_one()
            rows = conn.execute(sa.text(ASKS), {"start": f"{f['from']} 00:00:00", "end": f"{f['to']} 23:59:59.999999"}).all()
    finally:
        store.close()
    # The period: the 30 days ending with the day of the demo's latest message.
    assert f["to"] == str(latest)[:10] and f["days_in_period"] == 30
    # The recount: asks, answered ones, per channel, the same as the report's.
    answered = [r for r in rows if r.answered_at is not None]
    assert (f["asks"], f["answered"]) == (len(rows), len(answered)) and f["asks"] > 20
    assert f["response_rate"] == round(len(answered) / len(rows), 3)
    for name, c in f["channels"].items():
        mine = [r for r in rows if r.platform == name]
        assert c["asks"] == len(mine) and c["answered"] == sum(1 for r in mine if r.answered_at is not None)
    assert f["complaints"] == sum(1 for r in rows if r.intent == "complaint")
    # The demo answers some asks and not others, some complaints come back and people warm up after replies:
    # every figure is defined, between its bounds, the uplift inside its interval.
    assert 0 < f["response_rate"] < 1 and 0 < f["resolved_publicly_rate"] < 1
    assert 0 < f["first_response_minutes_p50"] <= f["first_response_minutes_p90"]
    low, high = f["sentiment_uplift_ci"]
    assert low <= f["sentiment_uplift"] <= high and f["uplift_people"] >= 2
    assert f["advocates"] >= 1 and f["give_ratio"] is not None and 0 <= f["give_ratio"] <= 1
    # The advocates listed are the ones counted, each with at least two acts; the gestures are the period's.
    assert len(f["advocate_people"]) == min(f["advocates"], health.LISTED)
    assert all(sum(p["acts"].values()) >= 2 and p["evidence"] for p in f["advocate_people"])
    assert all(f["from"] <= g["logged_at"][:10] <= f["to"] for g in f["gestures"])
    assert f["previous"]["asks"] > 0  # the demo spans two periods, so the comparison has numbers on both sides

"""Advocates on a small hand-built workspace (SQLite and PostgreSQL), with the signals set by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from goodwill.advocacy.advocates import Brand, act_of, reason
from goodwill.config import Settings
from goodwill.domain.people import Said
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import ConflictError, FieldError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service import advocacy, privacy
from goodwill.store import Store

MANAGER = Actor(1, "maya", Role.MANAGER, Origin.CLI, "local")
AGENT = Actor(2, "agent", Role.AGENT, Origin.API, "127.0.0.1")
ADMIN = Actor(None, "root", Role.ADMIN, Origin.CLI)
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)

#: id, author, text, time, replies to, intent, sentiment
MESSAGES: list[tuple[str, str, str, str, str | None, str, str]] = [
    ("q1", "sam_k", "Does anyone know if the Halcyon Drift folds small enough for the train?", "2026-11-02T10:00:00Z",
     None, "question", "neutral"),
    ("a1", "mara_rides", "@sam_k Yes it folds in ten seconds, I take mine every day", "2026-11-02T10:20:00Z",
     "q1", "other", "neutral"),
    ("r1", "mara_rides", "@jo_p get the Halcyon Drift, best bike I have owned", "2026-11-03T09:00:00Z",
     None, "praise", "positive"),
    ("c1", "lee_v", "Halcyon support is useless, my battery died again", "2026-11-04T08:00:00Z",
     None, "complaint", "negative"),
    ("d1", "mara_rides", "@lee_v Their support fixed mine in a day, give them a call", "2026-11-04T09:00:00Z",
     "c1", "other", "positive"),
    ("p1", "mara_rides", "@halcyonbikes love the new lights", "2026-11-05T09:00:00Z", None, "praise", "positive"),
    ("k1", "kit_b", "The Halcyon lights look great on my commute", "2026-11-06T12:00:00Z", None, "praise", "positive"),
    ("k2", "kit_b", "Halcyon ride this morning, lovely", "2026-11-07T12:00:00Z", None, "other", "positive"),
    ("t1", "sam_k", "@mara_rides thanks, that settles it", "2026-11-02T11:00:00Z", "a1", "praise", "positive"),
    ("x1", "pat_q", "Halcyon rocks", "2026-11-08T12:00:00Z", None, "praise", "positive"),
    ("x2", "pat_q", "@halcyonbikes my order is late", "2026-11-09T12:00:00Z", None, "complaint", "negative"),
    ("x3", "pat_q", "still late, awful", "2026-11-10T12:00:00Z", None, "other", "negative"),
    # Before the period: not counted in November.
    ("o1", "kit_b", "Halcyon is the best", "2026-10-06T12:00:00Z", None, "praise", "positive"),
]


def load(store: Store, tmp_path: Path, rows: list[tuple[str, str, str, str, str | None, str, str]] = MESSAGES) -> None:
    path = tmp_path / "advocacy.jsonl"
    path.write_text("".join(json.dumps({"id": i, "platform": "twitter", "author": a, "text": t, "created_at": at,
                                        "reply_to": r}) + "\n" for i, a, t, at, r, _, _ in rows))
    import_file(store, path, ImportOptions())
    with store.begin() as conn:
        for i, _, _, _, _, intent, sentiment in rows:
            conn.execute(sa.text("UPDATE message_signals SET intent = :i, sentiment = :s WHERE message_id = "
                                 "(SELECT id FROM messages WHERE platform = 'twitter' AND platform_id = :p)"),
                         {"i": intent, "s": sentiment, "p": i})


def person_of(store: Store, handle: str) -> int:
    with store.begin() as conn:
        return int(conn.execute(sa.text("SELECT person_id FROM accounts WHERE handle = :h"), {"h": handle}).scalar_one())


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    load(store, tmp_path)
    return store


def test_advocates_with_evidence(loaded: Store) -> None:
    with loaded.begin() as conn:
        found = advocacy.advocates(conn, START, END)
    mara, kit = person_of(loaded, "mara_rides"), person_of(loaded, "kit_b")
    assert [a.person_id for a in found] == [mara, kit]
    first = found[0]
    assert first.counts == {"recommended": 1, "defended": 1, "answered": 1, "praised": 1}
    assert first.score == 3 + 3 + 2 + 1
    whys = {e.act.value: e.why for e in first.evidence}
    assert whys["recommended"] == "recommended the brand to @jo_p without tagging it (found by a listening keyword)"
    assert whys["defended"] == "answered @lee_v's complaint “Halcyon support is useless, my battery died again”"
    assert whys["answered"] == "answered @sam_k's question “Does anyone know if the Halcyon Drift folds…”"
    assert whys["praised"] == "praised the brand"
    assert not first.untagged
    # Kit never tagged the brand: found through the keyword alone; October's praise is outside the period.
    assert found[1].untagged and found[1].counts["praised"] == 2
    # Pat praised once and complained twice; Sam thanked Mara without naming the brand.
    listed = advocacy.list_advocates(loaded, AGENT, start=START, end=END)
    assert listed["total"] == 2 and listed["untagged"] == 1
    top = listed["items"][0]
    assert top["reason"] == ("recommended the brand to another person, defended it against a complaint, "
                             "answered a customer's question, praised it once this month")
    assert top["accounts"][0]["handle"] == "mara_rides"
    assert [e["act"] for e in top["evidence"]] == ["praised", "defended", "recommended", "answered"]
    assert top["evidence"][0]["at"] == "2026-11-05T09:00:00Z"


def test_default_period_and_checks(loaded: Store) -> None:
    # The 30 days up to the newest message (10 November): the same two people.
    listed = advocacy.list_advocates(loaded, AGENT)
    assert listed["to"] == "2026-11-10T12:00:01Z" and listed["total"] == 2
    assert "this month" in listed["items"][0]["reason"]
    with pytest.raises(FieldError, match="from"):
        advocacy.list_advocates(loaded, AGENT, start=END, end=START)
    with pytest.raises(FieldError, match="limit"):
        advocacy.list_advocates(loaded, AGENT, limit=0)


def _said(**kw: Any) -> Said:
    base: dict[str, Any] = {"id": 1, "at": START, "platform": "twitter"}
    return Said(**{**base, **kw})


def test_act_rules() -> None:
    brand = Brand({"twitter": ["HalcyonBikes"]}, ["halcyon", "halcyon drift"])
    # A question or a negative message is never advocacy, even when it names the brand to someone.
    assert act_of(_said(text="@jo is the Halcyon any good?", mentions=("jo",), intent="question"), brand) is None
    assert act_of(_said(text="@jo avoid Halcyon", mentions=("jo",), sentiment="negative"), brand) is None
    # Mentioning only the brand's own account is not recommending it to someone.
    tagged = act_of(_said(text="@halcyonbikes great bike", mentions=("halcyonbikes",), intent="praise"), brand)
    assert tagged is not None and tagged.act == "praised" and not tagged.untagged
    # Keywords match whole words only.
    assert act_of(_said(text="halcyonic days", intent="praise"), brand) is None
    assert not brand.named("@halcyon is a person here")
    assert reason({"answered": 4}, period="this month") == "answered 4 customers' questions this month"
    assert reason({"praised": 2}, 1) == "praised it twice (negative once)"


AFTER = [
    ("m5", "mara_rides", "@ava_n the Halcyon Loop is great for kids", "2026-11-07T09:00:00Z", None, "praise", "positive"),
    ("v1", "ava_n", "@mara_rides thanks, ordering one for my son!", "2026-11-08T09:00:00Z", "m5", "praise", "positive"),
]
GIVEN_AT = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def _actions(store: Store) -> list[str]:
    with store.begin() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id")) if r[0] != "workspace.init"]


def _count(store: Store, table: str) -> int:
    with store.begin() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_budget_and_approval_rules(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, MESSAGES + AFTER)
    mara, kit = person_of(store, "mara_rides"), person_of(store, "kit_b")
    at = GIVEN_AT
    # Costing nothing needs no budget; costing something does, and a refusal writes nothing.
    thanks = advocacy.log_gesture(store, AGENT, mara, kind="Thank you", reason="answered questions", at=at)
    assert (thanks["status"], thanks["note"], thanks["kind"]) == ("approved", "costs nothing", "thank-you")
    with pytest.raises(ConflictError, match="no budget for 2026-11"):
        advocacy.log_gesture(store, AGENT, kit, kind="gift", reason="lights", cost="10", currency="EUR", at=at)
    assert _count(store, "gestures") == 1
    with pytest.raises(PermissionDeniedError):
        advocacy.set_budget(store, AGENT, period="2026-11", amount="100", agent_limit="25", currency="EUR")
    with pytest.raises(FieldError, match="agent_limit"):
        advocacy.set_budget(store, MANAGER, period="2026-11", amount="100", agent_limit="250", currency="EUR")
    with pytest.raises(FieldError, match="period"):
        advocacy.set_budget(store, MANAGER, period="2026-13", amount="100", agent_limit="25", currency="EUR")
    advocacy.set_budget(store, MANAGER, period="2026-11", amount="100", agent_limit="25", currency="eur")
    # Up to the agent limit: approved; above it: waits for a manager; another currency: refused.
    small = advocacy.log_gesture(store, AGENT, kit, kind="offer", reason="lights", cost="20.00", at=at)
    assert (small["status"], small["currency"], small["note"]) == ("approved", "EUR", "within the agent limit of EUR 25.00")
    big = advocacy.log_gesture(store, AGENT, mara, kind="gift", reason="helmet", cost="40", at=at)
    assert big["status"] == "pending" and big["decided_by"] is None and "manager's approval" in big["note"]
    with pytest.raises(ConflictError, match="in EUR, not USD"):
        advocacy.log_gesture(store, AGENT, kit, kind="gift", reason="x", cost="5", currency="USD", at=at)
    for bad, field in (("-1", "cost"), ("1.234", "cost"), ("ten", "cost")):
        with pytest.raises(FieldError, match=field):
            advocacy.log_gesture(store, AGENT, kit, kind="gift", reason="x", cost=bad, at=at)
    with pytest.raises(FieldError, match="kind"):
        advocacy.log_gesture(store, AGENT, kit, kind="hug", reason="x", at=at)
    with pytest.raises(FieldError, match="reason"):
        advocacy.log_gesture(store, AGENT, kit, kind="gift", reason="  ", at=at)
    with pytest.raises(PermissionDeniedError):
        advocacy.approve_gesture(store, AGENT, big["id"])
    # A manager's own gesture is approved as logged; then the pending one no longer fits the budget.
    assert advocacy.log_gesture(store, MANAGER, kit, kind="early access", reason="beta", cost="50", at=at)["status"] == "approved"
    with pytest.raises(ConflictError, match="EUR 40.00 is more than the EUR 30.00 left"):
        advocacy.approve_gesture(store, MANAGER, big["id"])
    with pytest.raises(ConflictError, match="EUR 35.00 is more than the EUR 30.00 left"):
        advocacy.log_gesture(store, MANAGER, kit, kind="gift", reason="x", cost="35", at=at)
    shown = advocacy.show_budget(store, AGENT, period="2026-11")
    assert (shown["approved_cents"], shown["pending_cents"], shown["remaining_cents"]) == (7000, 4000, 3000)
    assert shown["words"].startswith("EUR 70.00 of EUR 100.00 spent, EUR 30.00 left; 1 waiting for approval")
    declined = advocacy.decline_gesture(store, MANAGER, big["id"], note="too much this month")
    assert (declined["status"], declined["decided_by"], declined["note"]) == ("declined", "maya", "too much this month")
    with pytest.raises(ConflictError, match="is declined"):
        advocacy.approve_gesture(store, MANAGER, big["id"])
    # Raising the budget lets a new pending gesture through on approval.
    advocacy.set_budget(store, MANAGER, period="2026-11", amount="200", agent_limit="25", currency="EUR")
    again = advocacy.log_gesture(store, AGENT, mara, kind="gift", reason="helmet", cost="40", at=at)
    assert advocacy.approve_gesture(store, MANAGER, again["id"])["status"] == "approved"
    assert advocacy.show_budget(store, AGENT, period="2026-11")["remaining_cents"] == 200_00 - 110_00
    assert advocacy.show_budget(store, AGENT, period="2027-01")["budget"] is None
    assert _actions(store) == ["gesture.log", "budget.set", "gesture.log", "gesture.log", "gesture.log",
                               "gesture.decline", "budget.set", "gesture.log", "gesture.approve"]
    listed = advocacy.list_gestures(store, AGENT, person_id=mara)
    assert [g["status"] for g in listed["items"]] == ["approved", "declined", "approved"]
    assert advocacy.list_gestures(store, AGENT, status="declined")["items"][0]["id"] == big["id"]
    with pytest.raises(FieldError, match="status"):
        advocacy.list_gestures(store, AGENT, status="lost")


def test_outcome_and_suggestions(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, MESSAGES + AFTER)
    mara, kit = person_of(store, "mara_rides"), person_of(store, "kit_b")
    # Before any gesture both advocates are suggested, Mara first, with the reason.
    before = advocacy.suggestions(store, AGENT, start=START, end=END)
    assert [(s["person_id"], s["suggested_kind"]) for s in before["items"]] == [(mara, "thank-you"), (kit, "thank-you")]
    gesture = advocacy.log_gesture(store, AGENT, mara, kind="thank-you", reason="helps other riders", at=GIVEN_AT)
    # Followed to the newest message (10 November): 5 days after, against the 5 days before.
    out = gesture["outcome"]
    assert out["days_followed"] == 5
    assert (out["messages_before"], out["messages_after"]) == (4, 1)
    assert (out["acts_before"], out["acts_after"]) == (4, 1)
    assert out["newcomer_handles"] == ["ava_n"] and not out["kept_engaging"]
    assert out["words"] == ("1 message in the 5 days after, 4 in as long before; spoke up for the brand 1 time after "
                            "(4 before); 1 new person replied to them or mentioned them")
    # Thanked within 30 days: not suggested again.
    after = advocacy.suggestions(store, AGENT, start=START, end=END)
    assert [s["person_id"] for s in after["items"]] == [kit]
    assert after["items"][0]["reason"] == "praised it twice this month"
    # Forgetting the person deletes their gestures.
    privacy.forget(store, ADMIN, mara)
    assert _count(store, "gestures") == 0


def test_outcome_counts_shares_and_windows() -> None:
    from goodwill.advocacy.gestures import outcome, parse_kind, parse_money

    brand = Brand({"twitter": ["halcyonbikes"]}, ["halcyon"])
    at = datetime(2026, 11, 10, tzinfo=UTC)
    said = [_said(id=i, at=at.replace(day=d), text="Halcyon is great", intent="praise") for i, d in ((1, 1), (2, 12), (3, 14))]
    shares = [at.replace(day=2), at.replace(day=11), at.replace(day=12)]
    out = outcome(said, brand, at, datetime(2026, 11, 30, tzinfo=UTC), shares=shares)
    # 20 days followed, against the 20 days before (from 21 October): 1 message and 1 share before, 2 and 2 after.
    assert (out.days, out.messages_before, out.messages_after, out.shares_before, out.shares_after) == (20, 1, 2, 1, 2)
    assert out.kept_engaging and "shared its posts 2 times after (1 before)" in out.words
    assert outcome(said, brand, at, at).words.startswith("nothing to compare yet")
    assert parse_kind("early_access") == "early access" and parse_money("12.5") == 1250


def test_cli(settings: Settings, store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from goodwill.cli.main import app
    from goodwill.service import team

    load(store, tmp_path, MESSAGES + AFTER)
    team.add_user(store, ADMIN, "ann", "a-long-password-1", "agent")
    base = ["--workspace", str(settings.workspace)] + (["--database-url", settings.database_url] if settings.database_url else [])

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, [*base, *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    mara = person_of(store, "mara_rides")
    code, out, _ = run("advocates", "--from", "2026-11-01", "--to", "2026-12-01", "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 2 and data["items"][0]["person_id"] == mara
    code, out, _ = run("advocates", "--from", "2026-11-01", "--to", "2026-12-01")
    assert "recommended the brand to @ava_n without tagging it" in out and "[never tagged the brand]" in out
    code, _, err = run("advocates", "--from", "soon")
    assert code != 0 and "from:" in err
    code, out, _ = run("gestures", "suggest", "--from", "2026-11-01", "--to", "2026-12-01", "--json")
    assert [s["suggested_kind"] for s in json.loads(out)["items"]] == ["thank-you", "thank-you"]
    month = datetime.now(UTC).strftime("%Y-%m")
    code, _, err = run("--as", "ann", "budget", "set", "100", "--agent-limit", "25", "--currency", "EUR")
    assert code != 0 and "manager" in err
    code, out, _ = run("budget", "set", "100", "--agent-limit", "25", "--currency", "EUR", "--period", month)
    assert code == 0 and "EUR 0.00 of EUR 100.00 spent" in out
    code, out, _ = run("--as", "ann", "gestures", "log", str(mara), "--kind", "gift", "--cost", "40",
                       "--reason", "answered 4 customers' questions", "--json")
    pending = json.loads(out)
    assert code == 0 and pending["status"] == "pending" and pending["logged_by"].startswith("ann")
    code, _, err = run("--as", "ann", "gestures", "approve", str(pending["id"]))
    assert code != 0 and "manager" in err
    code, out, _ = run("gestures", "approve", str(pending["id"]), "--note", "she earned it")
    assert code == 0 and "approved" in out and "she earned it" in out
    code, _, err = run("gestures", "log", str(mara), "--kind", "gift", "--cost", "70", "--reason", "x")
    assert code != 0 and "more than the EUR 60.00 left" in err
    code, out, _ = run("gestures", "list", "--json")
    assert [g["id"] for g in json.loads(out)["items"]] == [pending["id"]]
    code, out, _ = run("budget", "show", "--period", month, "--json")
    assert json.loads(out)["remaining_cents"] == 6000


def test_demo_gestures_follow_from_its_data(tmp_path: Path) -> None:
    from datetime import timedelta

    from goodwill.service.demo import build_demo
    from goodwill.service.team import cli_actor
    from goodwill.service.workspace import open_workspace

    settings = Settings(workspace=tmp_path / "ws")
    build_demo(settings)
    store = open_workspace(settings)
    try:
        actor = cli_actor()
        gestures = advocacy.list_gestures(store, actor)["items"]
        assert [(g["kind"], g["status"]) for g in gestures] == [("gift", "pending"), ("gift", "approved"),
                                                                ("thank-you", "approved")]
        assert gestures[0]["logged_by"] == "demo agent" and "waits for a manager" in gestures[0]["note"]
        with store.begin() as conn:
            newest = conn.execute(sa.text("SELECT max(created_at) FROM messages")).scalar_one()
        for g in gestures[1:]:
            # Given 30 days before the newest message: each outcome counts the person's own messages around it.
            at = datetime.fromisoformat(g["logged_at"].replace("Z", "+00:00"))
            with store.begin() as conn:
                times = [datetime.fromisoformat(str(t)).replace(tzinfo=UTC) for (t,) in conn.execute(sa.text(
                    "SELECT m.created_at FROM messages m JOIN accounts a ON a.id = m.account_id "
                    "WHERE a.person_id = :p AND m.deleted_at IS NULL"), {"p": g["person_id"]})]
            out = g["outcome"]
            assert out["days_followed"] == 30
            assert out["messages_after"] == sum(1 for t in times if at <= t <= at + timedelta(days=30))
            assert out["messages_before"] == sum(1 for t in times if at - timedelta(days=30) <= t < at)
            assert g["reason"].endswith("in the 30 days before the gesture") or "(negative" in g["reason"]
        assert str(newest)[:10] == gestures[0]["logged_at"][:10]
        # The advocates of the last 30 days, with evidence; the pending gift went to the best one not yet thanked.
        listed = advocacy.list_advocates(store, actor)
        assert listed["total"] >= 2 and all(a["evidence"] for a in listed["items"])
        assert gestures[0]["person_id"] in [a["person_id"] for a in listed["items"]]
    finally:
        store.close()

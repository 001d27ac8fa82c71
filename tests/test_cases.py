"""Cases on a real store (SQLite and PostgreSQL): opening from the signals on import, listening and backfill,
joining, re-opening, the brand's replies, priorities with emergencies first, the CLI's JSON contract, changes by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import ConflictError, FieldError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.service import cases, team
from goodwill.service.imports import import_path
from goodwill.service.understanding import backfill
from goodwill.store import Store
from tests.listening import cli, rows, scalar
from tests.servers.http import serving
from tests.servers.mastodon import MastodonState, account, server, status

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)  # "waiting 27 h" holds for the hour after import


def at(hours: float) -> str:
    """T0 plus `hours`, as the import reads it."""
    return (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _r(i: str, author: str, text: str, hours: float, reply_to: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"id": i, "platform": "twitter", "author": author, "text": text, "created_at": at(hours), "reply_to": reply_to, **kw}


FIRST = [
    # Answered by the brand: no case.
    _r("q1", "mara_rides", "@halcyonbikes My Drift battery died after 10 km, how do I reset it?", 0),
    _r("a1", "halcyonbikes", "@mara_rides Hold the power button for 10 seconds.", 0.5, "q1"),
    # An emergency.
    _r("e1", "sam_k", "@halcyonbikes my charger caught fire last night and burned my hand", 20),
    # A complaint, and a question.
    _r("c1", "lee", "@halcyonbikes where is my order? two weeks late, this is ridiculous", 3),
    _r("k1", "kit", "@halcyonbikes does the Drift fit a child seat?", 27),
    # Praise: no case.
    _r("p1", "robin", "Lovely sunny ride today on my Halcyon, what a bike", 4),
]


def _import(store: Store, settings: Settings, tmp_path: Path, name: str, records: list[dict[str, Any]]) -> None:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    import_path(store, ADMIN, settings, path, ImportOptions())


def _by_first(store: Store) -> dict[str, dict[str, Any]]:
    return {c["platform_id"]: c for c in cases.list_cases(store, ADMIN, status="all")}


def test_import_opens_cases_emergency_first_and_skips_answered_threads(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    listed = cases.list_cases(store, ADMIN)
    assert {c["platform_id"] for c in listed} == {"e1", "c1", "k1"}
    emergency, *rest = listed
    assert emergency["platform_id"] == "e1" and emergency["band"] == "emergency"
    assert emergency["reason"].startswith("emergency: safety ('caught fire'")
    assert emergency["sla_due_at"] == at(20.5)  # the emergency band's 30 minutes
    assert [c["priority"] for c in listed] == sorted((c["priority"] for c in listed), reverse=True)
    complaint = next(c for c in listed if c["platform_id"] == "c1")
    assert complaint["reason"].startswith("complaint, negative") and complaint["reason"].endswith("waiting 27 h")
    assert complaint["status"] == "new" and complaint["author"] == "lee" and complaint["sla_breached"]
    # The complaint has waited a day longer than the question: it comes first.
    assert [c["platform_id"] for c in listed] == ["e1", "c1", "k1"]
    # Re-importing the same file, or a file holding the same messages, adds no case.
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    _import(store, settings, tmp_path, "again.jsonl", list(reversed(FIRST)))
    assert scalar(store, "SELECT count(*) FROM cases") == 3
    assert scalar(store, "SELECT count(*) FROM case_messages") == 3


def test_replies_follow_ups_resolution_and_reopening(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    # The brand answers the complaint; the customer follows up; another customer chimes in.
    _import(store, settings, tmp_path, "second.jsonl", [
        _r("c2", "halcyonbikes", "@lee Sorry Lee, it left our depot today: https://halcyon.example/track", 5, "c1"),
        _r("c3", "lee", "@halcyonbikes the tracking link says not found, still no bike", 6, "c2"),
        _r("c4", "jo", "@lee same here, mine is late too", 6.5, "c1"),
    ])
    case = _by_first(store)["c1"]
    assert case["status"] == "open" and case["first_response_at"] == at(5) and case["first_response_minutes"] == 120
    assert case["waiting_since"] == at(6) and case["reason"].endswith("waiting 24 h")
    detail = cases.get_case(store, ADMIN, case["id"])
    assert [m["platform_id"] for m in detail["messages"]] == ["c1", "c2", "c3", "c4"]
    assert [e["kind"] for e in detail["events"]] == ["opened", "reply", "joined", "joined"]
    # Answered again: waiting on the customer. Resolved: public, since the brand answered in the thread.
    _import(store, settings, tmp_path, "third.jsonl", [
        _r("c5", "halcyonbikes", "@lee Fixed link: https://halcyon.example/track/81", 7, "c3")])
    assert _by_first(store)["c1"]["status"] == "waiting"
    resolved = cases.set_status(store, ADMIN, case["id"], "resolved")
    assert resolved["resolved_public"] is True and resolved["status"] == "resolved"
    assert "c1" not in {c["platform_id"] for c in cases.list_cases(store, ADMIN)}
    # A thank-you does not re-open it; a new problem does.
    thanks = datetime.now(UTC) + timedelta(minutes=1)
    _import(store, settings, tmp_path, "fourth.jsonl", [
        {**_r("c6", "lee", "@halcyonbikes got it, thanks", 0, "c5"), "created_at": thanks.isoformat()}])
    assert _by_first(store)["c1"]["status"] == "resolved"
    _import(store, settings, tmp_path, "fifth.jsonl", [
        {**_r("c7", "lee", "@halcyonbikes the bike arrived with a broken brake lever, what now?", 0, "c6"),
         "created_at": (thanks + timedelta(minutes=1)).isoformat()}])
    again = _by_first(store)["c1"]
    assert again["status"] == "open" and again["reopened"] == 1 and again["resolved_at"] is None
    assert again["first_response_at"] == at(5)  # the first response stays the first
    assert scalar(store, "SELECT count(*) FROM cases WHERE thread_root_id = 'c1'") == 1
    kinds = [e["kind"] for e in cases.get_case(store, ADMIN, again["id"])["events"]]
    assert kinds[-3:] == ["status", "joined", "reopened"]


def test_a_follow_up_after_the_brand_answered_opens_a_case(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    assert "q1" not in _by_first(store)
    _import(store, settings, tmp_path, "second.jsonl", [
        _r("q2", "mara_rides", "@halcyonbikes that did not work, it still will not turn on. What else can I try?", 1, "a1")])
    case = _by_first(store)["q2"]
    assert case["thread_root_id"] == "q1" and case["status"] == "new" and case["first_response_at"] is None


def test_emergency_outranks_everything_else(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", [
        # Waiting long, complaining, negative, urgent (threatening to leave) and answered once before.
        _r("x1", "vic", "@halcyonbikes third week without my bike, worst service ever, I am switching to Vantor", 0),
        # Just now, calm, but hurt.
        _r("x2", "ana", "@halcyonbikes the stem came loose and I was injured, please advise", 29.9),
    ])
    first, second = cases.list_cases(store, ADMIN)
    assert first["platform_id"] == "x2" and first["band"] == "emergency"
    assert second["band"] != "emergency" and "urgent" in second["reason"]


def test_signals_backfill_opens_cases(settings: Settings, tmp_path: Path) -> None:
    from goodwill.service.workspace import init_workspace
    from tests.conftest import BRAND

    quiet = settings.model_copy(update={"import_signals": False})
    store = init_workspace(quiet, BRAND)
    try:
        _import(store, quiet, tmp_path, "first.jsonl", FIRST)
        assert scalar(store, "SELECT count(*) FROM cases") == 0
        backfill(store, ADMIN)
        assert {c["platform_id"] for c in cases.list_cases(store, ADMIN)} == {"e1", "c1", "k1"}
        backfill(store, ADMIN, sentiment="fast")  # nothing new to read: nothing changes
        assert scalar(store, "SELECT count(*) FROM cases") == 3
    finally:
        store.close()


def test_by_hand_open_assign_note_and_status_rules(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    team.add_user(store, ADMIN, "alice", "correct horse battery", Role.AGENT)
    team.add_user(store, ADMIN, "bob", "correct horse battery", Role.AGENT)
    alice = team.user_actor(store, "alice")
    praise = scalar(store, "SELECT id FROM messages WHERE platform_id = 'p1'")
    opened = cases.open_case(store, alice, praise)
    assert opened["platform_id"] == "p1" and opened["status"] == "new"
    assert opened["events"][0]["kind"] == "opened" and opened["events"][0]["actor"] == "alice"
    with pytest.raises(ConflictError, match="in case"):
        cases.open_case(store, alice, praise)
    with pytest.raises(ConflictError, match="brand's own"):
        cases.open_case(store, alice, scalar(store, "SELECT id FROM messages WHERE platform_id = 'a1'"))
    # An agent takes a case; giving it to someone else needs a manager.
    taken = cases.assign(store, alice, opened["id"], assignee="alice", team="support", tags=["praise", " "])
    assert taken["assignee"] == "alice" and taken["team"] == "support" and taken["tags"] == ["praise"]
    assert taken["status"] == "open"
    with pytest.raises(PermissionDeniedError):
        cases.assign(store, alice, opened["id"], assignee="bob")
    assert cases.assign(store, ADMIN, opened["id"], assignee="bob")["assignee"] == "bob"
    assert [c["id"] for c in cases.list_cases(store, alice, assignee="bob")] == [opened["id"]]
    assert opened["id"] not in [c["id"] for c in cases.list_cases(store, alice, assignee="none")]
    with pytest.raises(FieldError, match="assignee"):
        cases.assign(store, ADMIN, opened["id"], assignee="nobody-here")
    note = cases.add_note(store, alice, opened["id"], "Thank them with a sticker pack")
    assert cases.get_case(store, alice, opened["id"])["notes"][0]["text"] == note["text"]
    # Statuses move by the rules; resolving without a reply in public is private.
    with pytest.raises(ConflictError, match="open already"):
        cases.set_status(store, alice, opened["id"], "open")
    done = cases.set_status(store, alice, opened["id"], "resolved")
    assert done["resolved_public"] is False
    with pytest.raises(ConflictError, match="not waiting"):
        cases.set_status(store, alice, opened["id"], "waiting")
    with pytest.raises(FieldError, match="not a case status"):
        cases.set_status(store, alice, opened["id"], "snoozed")
    assert cases.set_status(store, alice, opened["id"], "open")["reopened"] == 1
    actions = [r.action for r in rows(store, "SELECT action FROM audit_log ORDER BY id")]
    for action in ("case.open", "case.assigned", "case.note", "case.status", "case.reopened", "case.sync"):
        assert action in actions


def test_cli_list_json_contract_and_status(store: Store, settings: Settings, tmp_path: Path) -> None:
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    result = cli(settings, "cases", "list", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert isinstance(items, list) and len(items) == 3
    for item in items:
        assert {"id", "status", "priority", "reason", "platform_id", "platform", "author", "text", "opened_at",
                "sla_due_at", "assignee", "team", "tags"} <= item.keys()
        assert isinstance(item["priority"], int) and isinstance(item["reason"], str) and item["reason"]
    assert [i["platform_id"] for i in items][0] == "e1"
    assert json.loads(cli(settings, "cases", "list", "--status", "resolved", "--json").output) == []
    shown = cli(settings, "cases", "show", str(items[0]["id"]))
    assert shown.exit_code == 0 and "emergency" in shown.output and "caught fire" in shown.output
    bad = cli(settings, "cases", "list", "--status", "snoozed")
    assert bad.exit_code != 0 and "not a case status" in bad.output
    status = json.loads(cli(settings, "status", "--json").output)
    assert status["open_cases"] == 3 and status["cases_by_status"] == {"new": 3}
    note = cli(settings, "cases", "note", str(items[1]["id"]), "--text", "checking with the depot")
    assert note.exit_code == 0, note.output
    resolved = cli(settings, "cases", "resolve", str(items[1]["id"]), "--private", "--json")
    assert json.loads(resolved.output)["resolved_public"] is False


def test_listening_opens_a_case_and_a_reply_records_the_first_response(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app with my Drift?", who=account(3), tags=["halcyon"])]
    env = {"GW_TEST_MASTODON": "mastodon-secret-token-123"}
    with serving(server(state)) as srv:
        added = cli(settings, "sources", "add", "fedi", "--platform", "mastodon", "--url", srv.url, "--query", "#halcyon",
                    "--token-env", "GW_TEST_MASTODON")
        assert added.exit_code == 0, added.output
        assert cli(settings, "listen", "--once", env=env).exit_code == 0
        (case,) = json.loads(cli(settings, "cases", "list", "--json").output)
        assert case["platform"] == "mastodon" and case["status"] == "new" and case["first_response_at"] is None
        dry = cli(settings, "cases", "reply", str(case["id"]), "--text", "Hold the button for 5 s: https://halcyon.example/pair")
        assert dry.exit_code == 0 and "Dry run" in dry.output and state.posted == []
        sent = cli(settings, "cases", "reply", str(case["id"]), "--text", "Hold the button for 5 s: https://halcyon.example/pair",
                   "--send", "--json", env=env)
        assert sent.exit_code == 0, sent.output
    assert state.posted[0]["in_reply_to_id"] == "100"
    after = json.loads(sent.output)["case"]
    assert after["status"] == "waiting" and after["first_response_at"] is not None
    assert after["first_response_minutes"] is not None and after["messages"][-1]["is_brand"]


def test_routing_rules_and_sla_policies_decide_a_new_case(store: Store, settings: Settings, tmp_path: Path) -> None:
    from goodwill.service import routing

    team.add_user(store, ADMIN, "maria", "correct horse battery", Role.MANAGER)
    team.add_user(store, ADMIN, "alice", "correct horse battery", Role.AGENT)
    routing.add_team(store, ADMIN, "care", manager="maria")
    routing.join_team(store, ADMIN, "care", "alice")
    routing.add_rule(store, ADMIN, "Complaints to care", conditions={"intents": ["complaint"]},
                     actions={"team": "care", "strategy": "least-loaded", "tags": ["complaint"]})
    routing.set_policy(store, ADMIN, "standard", first_response="2h", resolution="24h")
    _import(store, settings, tmp_path, "first.jsonl", FIRST)
    found = _by_first(store)
    complaint = found["c1"]
    assert complaint["team"] == "care" and complaint["assignee"] == "alice" and complaint["tags"] == ["complaint"]
    assert complaint["status"] == "open"  # given to someone on arrival
    assert complaint["sla_policy"] == "standard" and complaint["sla_due_at"] == at(5)
    question = found["k1"]
    assert question["team"] is None and question["assignee"] is None and question["sla_policy"] == "standard"
    assert scalar(store, "SELECT count(*) FROM case_routes") == 3


def test_someone_else_in_the_thread_adds_signals_not_their_stage(store: Store, settings: Settings,
                                                                   tmp_path: Path) -> None:
    """Another customer chiming in on a case's thread adds what they said (a complaint, negative), but the case's
    stage and its reason stay those of the case's own person: a detractor joining a newcomer's case does not
    make the newcomer's case a detractor's."""
    _import(store, settings, tmp_path, "jo.jsonl", [
        _r("j1", "jo", "@halcyonbikes my brakes squeal again, awful, third repair this month", 1),
        _r("j2", "jo", "@halcyonbikes still broken after the repair, terrible service, I want a refund", 2),
    ])
    assert _by_first(store)["j2"]["factors"]["stage"] == "detractor"
    _import(store, settings, tmp_path, "lee.jsonl", [
        _r("n1", "lee", "@halcyonbikes how do I pair the app with my new Loop?", 3),
        _r("n2", "jo", "@lee good luck, their app is garbage and support never answers", 3.5, "n1"),
    ])
    case = _by_first(store)["n1"]
    assert case["factors"]["stage"] == "new", case["factors"]
    assert "detractor" not in case["reason"]
    assert [m["platform_id"] for m in cases.get_case(store, ADMIN, case["id"])["messages"]] == ["n1", "n2"]
    assert case["factors"]["intent"] == "complaint"  # what jo said still counts toward the case

"""Rules, teams and SLA policies on a real store (SQLite and PostgreSQL): versions kept for the cases
they routed, round-robin's cursor kept between cases, dry-run counts on past messages, roles, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from goodwill.config import Settings
from goodwill.domain.routing import Facts
from goodwill.domain.signals import SIGNAL_COLUMNS
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError, NotFoundError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service import audit, cases, routing, team
from goodwill.store import Store
from goodwill.store.signals import write_signals
from tests.test_cli import invoke

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")


def agent(user_id: int, name: str) -> Actor:
    return Actor(user_id, name, Role.AGENT, Origin.API, "127.0.0.1")


def _team(store: Store) -> dict[str, int]:
    ids = {}
    for name, role in (("al", "agent"), ("bo", "agent"), ("cy", "agent"), ("maria", "manager")):
        ids[name] = team.add_user(store, ADMIN, name, "long-enough-password", role)["id"]
    routing.add_team(store, ADMIN, "support", manager="maria")
    for name in ("al", "bo", "cy"):
        routing.join_team(store, ADMIN, "support", name)
    return ids


def test_round_robin_keeps_its_turn_and_skips_who_is_away(store: Store) -> None:
    ids = _team(store)
    routing.add_rule(store, ADMIN, "Complaints", conditions={"intents": ["complaint"]},
                     actions={"team": "support", "strategy": "round-robin", "tags": ["care"]})
    facts = Facts(text="broken again", platform="twitter", intent="complaint")
    with store.begin() as conn:
        assert routing.decide(conn, facts).assignee == "al"  # a look that moves nobody's turn
        picked = [routing.decide(conn, facts, move_cursor=True).assignee for _ in range(4)]
    assert picked == ["al", "bo", "cy", "al"]
    # bo goes away: round-robin skips them, and the turn was kept in the store
    routing.set_available(store, agent(ids["bo"], "bo"), "bo", False)
    with store.begin() as conn:
        assert [routing.decide(conn, facts, move_cursor=True).assignee for _ in range(2)] == ["cy", "al"]
        d = routing.decide(conn, facts, open_cases={ids["al"]: 3, ids["cy"]: 1})
    assert d.reason.startswith("rule 1 'Complaints' (v1): intent is complaint; support team, to cy")


def test_cases_keep_the_rule_version_that_routed_them(store: Store, tmp_path: Path) -> None:
    ids = _team(store)
    routing.add_rule(store, ADMIN, "Refunds", conditions={"keywords": ["refund"]},
                     actions={"team": "support", "strategy": "least-loaded", "tags": ["refund"]})
    message_ids = _past(store, tmp_path)
    with store.begin() as conn:  # cases open from the hand-written signals, routed as they open
        cases.sync_messages(conn, list(message_ids.values()), ADMIN)
    listed = {c["platform_id"]: c for c in cases.list_cases(store, ADMIN, status="all")}
    # the brand answered m1, so the thread's case opens from m2; oldest first: m6, m2, m4
    assert [(listed[k]["assignee"], listed[k]["tags"]) for k in ("m6", "m2", "m4")] == [
        ("al", ["refund"]), ("bo", ["refund"]), ("cy", ["refund"])]  # least-loaded spreads the batch
    assert listed["m3"]["team"] is None and listed["m3"]["assignee"] is None  # no rule matched the question
    refund = listed["m2"]
    shown = cases.get_case(store, ADMIN, refund["id"])
    assert shown["routing"]["rule_version"] == 1
    assert shown["routing"]["reason"].startswith("rule 1 'Refunds' (v1): says 'refund'; support team, to bo (least-loaded")

    edited = routing.edit_rule(store, ADMIN, 1, conditions={"keywords": ["refund", "love"]})
    assert (edited["version"], edited["changed"]) == (2, True)
    assert routing.edit_rule(store, ADMIN, 1, conditions={"keywords": ["refund", "love"]})["changed"] is False
    opened = cases.open_case(store, ADMIN, message_ids["m5"])  # by hand: routed by version 2
    assert opened["routing"]["rule_version"] == 2 and opened["assignee"] == "al"  # a tie goes to the lower id
    assert cases.get_case(store, ADMIN, refund["id"])["routing"]["rule_version"] == 1  # the old case keeps v1
    history = routing.rule_history(store, ADMIN, 1)
    assert [(v["version"], v["retired_at"] is None, v["cases_routed"]) for v in history] == [(1, False, 3), (2, True, 1)]

    routing.remove_rule(store, ADMIN, 1)
    assert routing.list_rules(store, ADMIN) == []
    with store.begin() as conn:
        assert routing.decide(conn, Facts(text="refund", platform="twitter")).reason == "no rule matched"
    with pytest.raises(NotFoundError):
        routing.edit_rule(store, ADMIN, 1, name="again")
    actions = [e["action"] for e in audit.read_audit(store, ADMIN, limit=100)["items"]]
    for expected in ("rule.add", "rule.edit", "rule.remove", "team.add", "team.member"):
        assert expected in actions
    assert actions.count("rule.edit") == 1  # the edit that changed nothing wrote nothing
    assert ids


def test_roles_and_checked_references(store: Store) -> None:
    ids = _team(store)
    al = agent(ids["al"], "al")
    with pytest.raises(PermissionDeniedError):
        routing.add_rule(store, al, "mine", conditions={}, actions={})
    with pytest.raises(PermissionDeniedError):
        routing.set_available(store, al, "bo", False)  # only their own
    assert routing.set_available(store, al, "al", False) == 1
    with pytest.raises(FieldError) as bad:
        routing.add_rule(store, ADMIN, "r", conditions={}, actions={"team": "nobody"})
    assert bad.value.field == "team"
    with pytest.raises(FieldError) as bad:
        routing.add_rule(store, ADMIN, "r", conditions={}, actions={"sla": "gold"})
    assert bad.value.field == "sla"
    with pytest.raises(FieldError) as bad:
        routing.add_team(store, ADMIN, "x", manager="al")
    assert bad.value.field == "manager"
    assert routing.list_rules(store, ADMIN) == []


def test_sla_policy_by_band_or_by_rule_with_due_times(store: Store) -> None:
    routing.set_policy(store, ADMIN, "standard", first_response="4h", resolution="16h", timezone="Europe/London",
                       hours="mon-fri 09:00-17:00")
    routing.set_policy(store, ADMIN, "urgent", min_priority=70, first_response="30m", resolution="4h")
    changed = routing.set_policy(store, ADMIN, "urgent", escalate="reassign", escalate_to="")
    assert (changed["created"], changed["first_response_minutes"], changed["escalate"]) == (False, 30, "reassign")
    with pytest.raises(FieldError) as bad:
        routing.set_policy(store, ADMIN, "new", first_response="1h")
    assert bad.value.field == "resolution"
    assert [p["name"] for p in routing.list_policies(store, ADMIN)] == ["standard", "urgent"]
    with store.begin() as conn:
        low = routing.decide(conn, Facts(text="hi", platform="x", priority=20))
        high = routing.decide(conn, Facts(text="hi", platform="x", priority=90))
        assert (low.sla, high.sla) == ("standard", "urgent")
        assert low.reason == "no rule matched; SLA standard (priority band from 0)"
        due = routing.sla_targets(conn, "standard", datetime(2026, 10, 23, 15, 30, tzinfo=UTC))
    assert due is not None and due["first_response_due"] == datetime(2026, 10, 26, 12, 30, tzinfo=UTC)
    routing.add_rule(store, ADMIN, "VIP", conditions={"stages": ["advocate"]}, actions={"sla": "urgent"})
    with store.begin() as conn:
        assert routing.decide(conn, Facts(text="hi", platform="x", stage="advocate", priority=5)).sla == "urgent"


def _past(store: Store, tmp_path: Path) -> dict[str, int]:
    """Six customer threads and a brand reply; signals written by hand, so counts do not depend on the models."""
    rows = [
        ("m1", "twitter", "ann", "My charger died, I want a refund", "2026-11-20T10:00:00Z", None),
        ("m2", "twitter", "ann", "refund please, still waiting", "2026-11-20T12:00:00Z", "m1"),
        ("m3", "twitter", "ben", "How do I fold the Drift?", "2026-11-21T10:00:00Z", None),
        ("m4", "mastodon", "cat@x.example", "Refund took 80 days. Never again.", "2026-11-22T10:00:00Z", None),
        ("m5", "twitter", "dan", "Love my bike", "2026-11-23T10:00:00Z", None),
        ("m6", "twitter", "eve", "refund for the lights?", "2026-11-01T10:00:00Z", None),  # too old for 7 days
        ("m7", "twitter", "halcyonbikes", "@ann sorry! DM us", "2026-11-20T10:30:00Z", "m1"),
    ]
    path = tmp_path / "past.jsonl"
    path.write_text("".join(json.dumps({"id": i, "platform": p, "author": a, "text": t, "created_at": c,
                                        "reply_to": r}) + "\n" for i, p, a, t, c, r in rows))
    import_file(store, path, ImportOptions(), signals=False)
    labels = {"m1": ("complaint", True), "m2": ("complaint", True), "m3": ("question", True),
              "m4": ("complaint", True), "m5": ("praise", False), "m6": ("question", True)}
    import sqlalchemy as sa
    with store.begin() as conn:
        ids = dict(conn.execute(sa.text("SELECT platform_id, id FROM messages")).all())
        def row(message_id: int, intent: str, needs: bool) -> list[object]:
            values = {"language": "en", "sentiment": "negative" if intent == "complaint" else "neutral",
                      "sentiment_negative": 0.1, "sentiment_neutral": 0.8, "sentiment_positive": 0.1, "intent": intent,
                      "intent_scores": "{}", "needs_response": needs, "urgency": "normal", "aspects": "[]",
                      "promotional": 0.0, "model_version": "hand", "reasons": "{}"}
            return [message_id, *(values[c] for c in SIGNAL_COLUMNS)]

        write_signals(conn, [row(ids[k], intent, needs) for k, (intent, needs) in labels.items()])
    return {str(k): int(v) for k, v in ids.items()}


def test_try_a_rule_on_past_messages(store: Store, tmp_path: Path) -> None:
    _past(store, tmp_path)
    tried = routing.try_rule(store, ADMIN, conditions={"keywords": ["refund"]})
    # m1 and m4 open conversations that need an answer in the 7 days to m5; m2 joins m1's; m6 is older
    assert (tried["matched"], tried["looked_at"]) == (2, 3)
    assert [e["reason"] for e in tried["examples"]] == ["says 'refund'", "says 'refund'"]
    assert tried["words"] == ("this rule would have matched 2 of 3 conversations needing an answer "
                              "in the 7 days to 2026-11-23 10:00 UTC")
    assert routing.try_rule(store, ADMIN, conditions={"keywords": ["refund"]}, days=30)["matched"] == 3
    assert routing.try_rule(store, ADMIN, conditions={"intents": ["question"], "platforms": ["twitter"]})["matched"] == 1
    assert routing.try_rule(store, ADMIN, conditions={"min_priority": 1})["notes"]


def test_cli_rules_teams_and_sla(settings: Settings, tmp_path: Path) -> None:
    code, _, err = invoke(settings, "init", "--name", "Halcyon", "--account", "twitter:@halcyonbikes")
    assert code == 0, err
    invoke(settings, "users", "add", "sam", "--role", "agent", "--password-stdin", input="password-for-sam\n")
    assert invoke(settings, "teams", "add", "support")[0] == 0
    assert invoke(settings, "teams", "join", "support", "sam")[0] == 0
    code, out, _ = invoke(settings, "teams", "list", "--json")
    assert json.loads(out) == [{"name": "support", "manager": None,
                                "members": [{"user": "sam", "role": "agent", "available": True}]}]
    code, out, err = invoke(settings, "sla", "set", "standard", "--first-response", "4h", "--resolution", "16h",
                            "--timezone", "Europe/London", "--hours", "mon-fri 09:00-17:00")
    assert code == 0, err
    code, out, _ = invoke(settings, "sla", "due", "standard", "--from", "2026-10-23T16:30:00+01:00", "--json")
    assert json.loads(out)["first_response_due"] == "2026-10-26T12:30:00Z"
    code, out, err = invoke(settings, "rules", "add", "Refunds", "--keyword", "refund", "--team", "support",
                            "--assign", "sam", "--tag", "refund", "--sla", "standard")
    assert code == 0, err
    assert out.startswith("Added rule #1 (version 1): this rule would have matched 0 of 0 conversations")
    code, out, _ = invoke(settings, "rules", "edit", "1", "--keyword", "money back", "--clear", "tags")
    assert code == 0 and "version 2" in out
    code, out, _ = invoke(settings, "rules", "list", "--json")
    (only,) = json.loads(out)
    assert (only["version"], only["conditions"], only["actions"]["tags"], only["actions"]["assignee"]) == (
        2, {"keywords": ["money back"]}, [], "sam")
    code, _, err = invoke(settings, "rules", "edit", "1", "--clear", "colour")
    assert code == 1 and "clear: 'colour'" in err
    code, _, err = invoke(settings, "--as", "sam", "rules", "remove", "1")
    assert code == 77
    assert invoke(settings, "rules", "remove", "1")[0] == 0


def test_breaches_escalate_once_each_recorded_in_events_and_audit(store: Store, tmp_path: Path) -> None:
    _team(store)
    routing.set_policy(store, ADMIN, "fast", first_response="30m", resolution="2h", escalate="reassign",
                       min_priority=100_000)
    routing.set_policy(store, ADMIN, "calm", first_response="30m", resolution="8h")
    routing.add_rule(store, ADMIN, "Refunds", conditions={"keywords": ["refund"]},
                     actions={"team": "support", "strategy": "round-robin", "sla": "fast"})
    message_ids = _past(store, tmp_path)
    with store.begin() as conn:
        cases.sync_messages(conn, list(message_ids.values()), ADMIN)
    listed = {c["platform_id"]: c for c in cases.list_cases(store, ADMIN, status="all",
                                                             now=datetime(2026, 11, 20, 12, 25, tzinfo=UTC))}
    m2 = listed["m2"]  # opened 2026-11-20 12:00 UTC, policy fast: first response due 12:30, resolution 14:00
    assert (m2["sla_policy"], m2["sla_due_at"]) == ("fast", "2026-11-20T12:30:00Z")
    assert (m2["sla"]["state"], m2["sla_near"]) == ("near breach", True)
    assert m2["sla"]["reason"].startswith("5 min of business time left of 30 min")
    assert listed["m3"]["sla_policy"] == "calm"  # no rule: the priority band's policy

    at_one = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    first = [e for e in routing.escalate(store, ADMIN, now=at_one) if e["case_id"] == m2["id"]]
    assert [(e["target"], e["action"], e["to"], e["reassigned"]) for e in first] == [
        ("first_response", "reassign", "maria", True)]
    assert first[0]["reason"].startswith("no first response 30 min after it was due")
    assert routing.escalate(store, ADMIN, now=at_one) == []  # once only
    later = [e for e in routing.escalate(store, ADMIN, now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
             if e["case_id"] == m2["id"]]
    assert [e["target"] for e in later] == ["resolution"]
    assert later[0]["reassigned"] is False  # maria holds it already: the manager is notified
    shown = cases.get_case(store, ADMIN, m2["id"])
    assert shown["assignee"] == "maria" and shown["sla_breached"] is True
    assert [e["target"] for e in shown["escalations"]] == ["first_response", "resolution"]
    assert [e["kind"] for e in shown["events"]].count("breach") == 2
    entries = [e for e in audit.read_audit(store, ADMIN, limit=100, action="case.escalate")["items"]
               if e["target"] == f"case {m2['id']}"]
    assert len(entries) == 2
    with pytest.raises(PermissionDeniedError):
        routing.escalate(store, agent(1, "al"))


def test_the_server_escalates_in_the_background(tmp_path: Path) -> None:
    import time

    from goodwill.service.workspace import init_workspace, open_workspace
    from goodwill.web.app import create_app
    from tests.conftest import BRAND
    from tests.web_helpers import serving

    settings = Settings(workspace=tmp_path / "ws", escalate_every=0.2)
    store = init_workspace(settings, BRAND)
    try:
        _team(store)
        routing.set_policy(store, ADMIN, "fast", first_response="30m", resolution="2h", min_priority=100_000)
        routing.add_rule(store, ADMIN, "Refunds", conditions={"keywords": ["refund"]},
                         actions={"team": "support", "sla": "fast"})
        message_ids = _past(store, tmp_path)
        with store.begin() as conn:
            cases.sync_messages(conn, list(message_ids.values()), ADMIN)
    finally:
        store.close()

    with serving(create_app(settings)):
        deadline = time.monotonic() + 20
        found: list[dict[str, object]] = []
        while time.monotonic() < deadline and len(found) < 6:
            opened = open_workspace(settings)
            try:
                found = [e for c in cases.list_cases(opened, ADMIN, status="all") for e in c["escalations"]]
            finally:
                opened.close()
            time.sleep(0.2)
    # three refund cases (m6, m2, m4) long past both targets: each target escalated once, to the manager
    assert sorted((e["target"], e["to"], e["action"]) for e in found) == sorted(
        [("first_response", "maria", "notify"), ("resolution", "maria", "notify")] * 3)

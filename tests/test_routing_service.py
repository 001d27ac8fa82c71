"""Rules, teams and SLA policies on a real store (SQLite and PostgreSQL): versions kept for the cases
they routed, round-robin's cursor kept between cases, dry-run counts on past messages, roles, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from goodwill.config import Settings
from goodwill.domain.routing import Facts
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError, NotFoundError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service import audit, routing, team
from goodwill.store import Store
from goodwill.store import routing as routing_store
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


def test_versions_round_robin_and_the_audit(store: Store) -> None:
    ids = _team(store)
    rule = routing.add_rule(store, ADMIN, "Complaints", conditions={"intents": ["complaint"]},
                            actions={"team": "support", "strategy": "round-robin", "tags": ["care"]})
    assert (rule["id"], rule["version"], rule["position"]) == (1, 1, 10)
    facts = Facts(text="broken again", platform="twitter", intent="complaint")
    picked = []
    with store.begin() as conn:
        for case_id in (1, 2, 3, 4):
            d = routing.decide(conn, facts, case_id=case_id)
            picked.append(d.assignee)
    assert picked == ["al", "bo", "cy", "al"]
    # bo goes away: round-robin skips them, and the cursor was kept in the store
    routing.set_available(store, agent(ids["bo"], "bo"), "bo", False)
    with store.begin() as conn:
        assert [routing.decide(conn, facts, case_id=c).assignee for c in (5, 6)] == ["cy", "al"]

    edited = routing.edit_rule(store, ADMIN, 1, conditions={"keywords": ["broken"]},
                               actions={"strategy": "least-loaded"})
    assert (edited["version"], edited["changed"]) == (2, True)
    assert edited["conditions"] == {"intents": ["complaint"], "keywords": ["broken"]}
    assert routing.edit_rule(store, ADMIN, 1, conditions={"keywords": ["broken"]})["changed"] is False
    with store.begin() as conn:
        d = routing.decide(conn, facts, case_id=7, open_cases={ids["al"]: 3, ids["cy"]: 1})
        assert d.assignee == "cy" and "least-loaded: 1 open case" in d.reason
        found = routing_store.routes(conn, [1, 7])
    # the old case keeps the version that routed it
    assert (found[1]["rule_id"], found[1]["version"]) == (1, 1)
    assert (found[7]["rule_id"], found[7]["version"]) == (1, 2)
    history = routing.rule_history(store, ADMIN, 1)
    assert [(v["version"], v["retired_at"] is None, v["cases_routed"]) for v in history] == [(1, False, 6), (2, True, 1)]

    routing.remove_rule(store, ADMIN, 1)
    assert routing.list_rules(store, ADMIN) == []
    with store.begin() as conn:
        assert routing.decide(conn, facts).reason == "no rule matched"
    with pytest.raises(NotFoundError):
        routing.edit_rule(store, ADMIN, 1, name="again")
    actions = [e["action"] for e in audit.read_audit(store, ADMIN, limit=50)["items"]]
    for expected in ("rule.add", "rule.edit", "rule.remove", "team.add", "team.member", "team.available"):
        assert expected in actions
    assert actions.count("rule.edit") == 1  # the edit that changed nothing wrote nothing


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


def _past(store: Store, tmp_path: Path) -> None:
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
        write_signals(conn, [[ids[k], "en", "neutral", 0.1, 0.8, 0.1, intent, "{}", needs, "normal", "[]", 0.0, "hand"]
                             for k, (intent, needs) in labels.items()])


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

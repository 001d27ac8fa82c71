"""Reply approval, on SQLite and PostgreSQL: agents' replies in chosen teams' or tags' cases are held (not
sent to the local Mastodon server) until a manager approves them, then go out exactly as a normal reply,
join the thread and record the first response; managers decline with a reason the author sees; authors edit
or withdraw; managers' own replies go straight out; a held reply counts as a reply for collision detection;
every step is audited. Through the service, the CLI and the API."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.domain.cases import ApprovalPolicy
from goodwill.errors import ConflictError, CrossedReplyError, FieldError, PermissionDeniedError
from goodwill.service import approval, cases, replies, routing, team
from goodwill.service.workspace import operator
from goodwill.store import Store
from goodwill.web.app import create_app
from tests.listening import cli
from tests.servers.http import serving
from tests.servers.mastodon import MastodonState, account, status
from tests.servers.mastodon import server as mastodon_server
from tests.test_service_layer import TOKEN_ENV, _listened, audit
from tests.web_helpers import csrf_of

PW = "long enough pw"
QUESTION = "#halcyon I was charged twice for my Drift, can I get a refund?"


def _people(store: Store) -> tuple[object, object, object]:
    for name, role in (("ann", "agent"), ("bea", "agent"), ("mia", "manager")):
        team.add_user(store, operator(), name, PW, role)
    return team.user_actor(store, "ann"), team.user_actor(store, "bea"), team.user_actor(store, "mia")


def _state() -> MastodonState:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, QUESTION, who=account(3), tags=["halcyon"])]
    return state


def _billing_case(store: Store, settings: Settings, url: str, mia: object) -> int:
    """A listened case given to team billing, whose agents' replies need approval."""
    _listened(store, settings, url)
    (case,) = cases.list_cases(store, mia)  # type: ignore[arg-type]
    routing.add_team(store, mia, "billing")  # type: ignore[arg-type]
    cases.assign(store, mia, case["id"], team="billing")  # type: ignore[arg-type]
    approval.set_policy(store, mia, teams=["Billing"])  # type: ignore[arg-type]
    return int(case["id"])


def test_the_policy_names_teams_and_tags_in_words() -> None:
    p = ApprovalPolicy(teams=frozenset({"billing"}), tags=frozenset({"legal", "refund"}))
    assert p.reason("Billing", []) == "team Billing"
    assert p.reason("support", ["Refund", "battery"]) == "tag refund"
    assert p.reason(None, ["legal", "refund"]) == "tag legal, tag refund"
    assert p.reason("support", ["battery"]) is None
    assert p.words() == "agents' replies in cases of team billing or tagged legal, refund wait for a manager's approval"
    assert ApprovalPolicy().words().startswith("no reply needs approval")


def test_managers_set_the_policy_and_it_is_audited(store: Store, settings: Settings) -> None:
    ann, _bea, mia = _people(store)
    with pytest.raises(PermissionDeniedError):
        approval.set_policy(store, ann, tags=["refund"])  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="no team 'nosuch'"):
        approval.set_policy(store, mia, teams=["nosuch"])  # type: ignore[arg-type]
    routing.add_team(store, mia, "billing")  # type: ignore[arg-type]
    done = approval.set_policy(store, mia, teams=["billing"], tags=["Refund", " legal "])  # type: ignore[arg-type]
    assert done["teams"] == ["billing"] and done["tags"] == ["legal", "refund"] and done["set_by"] == "mia"
    assert approval.show_policy(store, ann)["words"].startswith("agents' replies in cases of team billing")  # type: ignore[arg-type]
    approval.set_policy(store, mia, teams=[], tags=[])  # type: ignore[arg-type]
    assert approval.show_policy(store, ann)["teams"] == []  # type: ignore[arg-type]
    entries = audit(store, "approval.set")
    assert [e["actor"] for e in entries] == ["mia", "mia"]
    assert entries[1]["details"] == {"teams": [], "tags": [], "previous_teams": ["billing"],  # type: ignore[index]
                                     "previous_tags": ["legal", "refund"]}


def test_an_agents_reply_is_held_and_goes_out_only_when_a_manager_approves(store: Store, settings: Settings) -> None:
    ann, bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        seen = cases.version(store, ann, case_id)  # type: ignore[arg-type]
        done = cases.reply(store, ann, case_id, "Sorry! We refund the second charge today.", send=True,  # type: ignore[arg-type]
                           seen=seen, environ=TOKEN_ENV, settings=settings)
        held = done["held"]
        assert held["status"] == "pending" and held["author"] == "ann" and done["approval"] == "team billing"
        assert state.posted == []  # not sent
        case = done["case"]
        assert case["first_response_at"] is None and case["awaiting_approval"] == 1 and case["status"] != "waiting"
        assert [h["id"] for h in case["held_replies"]] == [held["id"]]
        assert [c["id"] for c in cases.list_cases(store, mia, awaiting_approval=True)] == [case_id]  # type: ignore[arg-type]
        assert [h["id"] for h in approval.list_held(store, bea)] == [held["id"]]  # type: ignore[arg-type]
        # Agents cannot approve; nor can one reply around the hold through `goodwill reply`.
        with pytest.raises(PermissionDeniedError):
            approval.approve(store, ann, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        with pytest.raises(PermissionDeniedError):
            approval.approve(store, bea, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        target = case["messages"][0]["id"]
        with pytest.raises(PermissionDeniedError, match="need a manager's approval"):
            replies.reply(store, bea, target, "Refunded.", send=True, environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        # A second agent's reply waits behind the first; the author edits hers instead.
        with pytest.raises(ConflictError, match="already has a reply by ann awaiting"):
            cases.reply(store, bea, case_id, "Refunded!", send=True, environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        with pytest.raises(PermissionDeniedError, match="only its author"):
            approval.edit(store, bea, held["id"], "Mine now")  # type: ignore[arg-type]
        edited = approval.edit(store, ann, held["id"], "Sorry Sam! We refund the second charge today.")  # type: ignore[arg-type]
        assert edited["text"].startswith("Sorry Sam!") and state.posted == []
        assert audit(store, "reply.send") == []
        before = datetime.now().astimezone()
        sent = approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        assert len(state.posted) == 1 and state.posted[0]["status"].endswith(" Sorry Sam! We refund the second charge today.")
        with pytest.raises(ConflictError, match="was sent"):
            approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
    assert len(state.posted) == 1
    case = sent["case"]
    assert sent["held"]["status"] == "sent" and sent["held"]["decided_by"] == "mia" and sent["held"]["published_id"]
    assert case["status"] == "waiting" and case["awaiting_approval"] == 0
    # The first response is when it was sent, not when it was written.
    assert datetime.fromisoformat(case["first_response_at"]) >= before.replace(microsecond=0)
    brand = [m for m in case["messages"] if m["is_brand"]]
    assert len(brand) == 1 and brand[0]["text"].endswith(" Sorry Sam! We refund the second charge today.")
    assert sent["held"]["sent_message_id"] == brand[0]["id"]
    kinds = [e["kind"] for e in case["events"]]
    assert kinds.index("held") < kinds.index("reply") < kinds.index("approved")
    (send,) = audit(store, "reply.send")
    assert send["actor"] == "mia" and send["details"]["held_reply"] == held["id"]  # type: ignore[index]
    assert send["details"]["author"] == "ann" and send["details"]["stored_id"] == brand[0]["id"]  # type: ignore[index]
    assert [e["actor"] for e in audit(store, "reply.hold")] == ["ann"]
    assert [e["actor"] for e in audit(store, "reply.edit")] == ["ann"]
    (approved,) = audit(store, "reply.approve")
    assert approved["actor"] == "mia" and approved["target"] == f"case {case_id}"


def test_decline_withdraw_and_managers_replies(store: Store, settings: Settings) -> None:
    ann, bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        first = cases.reply(store, ann, case_id, "We cannot refund that.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                            settings=settings)["held"]
        with pytest.raises(PermissionDeniedError):
            approval.decline(store, bea, first["id"], "no")  # type: ignore[arg-type]
        with pytest.raises(FieldError, match="reason"):
            approval.decline(store, mia, first["id"], "   ")  # type: ignore[arg-type]
        declined = approval.decline(store, mia, first["id"], "We do refund double charges: offer it.")  # type: ignore[arg-type]
        assert declined["status"] == "declined" and declined["reason"] == "We do refund double charges: offer it."
        seen_by_ann = cases.get_case(store, ann, case_id)  # type: ignore[arg-type]
        assert seen_by_ann["held_replies"][0]["reason"] == "We do refund double charges: offer it."
        assert seen_by_ann["awaiting_approval"] == 0 and seen_by_ann["approval"] == "team billing"
        with pytest.raises(ConflictError, match="was declined"):
            approval.approve(store, mia, first["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        # A new reply waits again; only its author withdraws it.
        second = cases.reply(store, ann, case_id, "We refund it today.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                             settings=settings)["held"]
        with pytest.raises(PermissionDeniedError):
            approval.withdraw(store, bea, second["id"])  # type: ignore[arg-type]
        assert approval.withdraw(store, ann, second["id"])["status"] == "withdrawn"  # type: ignore[arg-type]
        with pytest.raises(ConflictError, match="was withdrawn"):
            approval.edit(store, ann, second["id"], "again")  # type: ignore[arg-type]
        assert state.posted == [] and approval.list_held(store, mia) == []  # type: ignore[arg-type]
        # A manager's own reply goes straight out.
        done = cases.reply(store, mia, case_id, "Refunded today, sorry Sam.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)
        assert done["held"] is None and done["reply"]["published_id"] and len(state.posted) == 1
        assert done["case"]["first_response_at"] is not None
    assert [e["details"]["reason"] for e in audit(store, "reply.decline")] == ["We do refund double charges: offer it."]  # type: ignore[index]
    assert [e["actor"] for e in audit(store, "reply.withdraw")] == ["ann"]
    assert [e["actor"] for e in audit(store, "reply.send")] == ["mia"]
    assert {h["status"] for h in approval.list_held(store, mia, status="all")} == {"declined", "withdrawn"}  # type: ignore[arg-type]


def test_a_held_reply_counts_as_a_reply_for_crossing(store: Store, settings: Settings) -> None:
    ann, bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        opened = cases.version(store, bea, case_id)  # type: ignore[arg-type]
        held = cases.reply(store, ann, case_id, "We refund the second charge today.", send=True, seen=opened,  # type: ignore[arg-type]
                           environ=TOKEN_ENV, settings=settings)["held"]
        # bea wrote on the version before ann's held reply: hers would cross it.
        with pytest.raises(CrossedReplyError, match="ann wrote a reply at .* that awaits a manager's approval"):
            cases.reply(store, bea, case_id, "Refund on its way.", send=True, seen=opened, environ=TOKEN_ENV,  # type: ignore[arg-type]
                        settings=settings)
        # So would the manager's, read before it.
        with pytest.raises(CrossedReplyError, match="We refund the second charge today"):
            cases.reply(store, mia, case_id, "Refunded.", send=True, seen=opened, environ=TOKEN_ENV,  # type: ignore[arg-type]
                        settings=settings)
        # Read after it, the manager answers herself; approving ann's now would cross that reply, so it waits.
        cases.reply(store, mia, case_id, "Refunded, Sam.", send=True, seen=cases.version(store, mia, case_id),  # type: ignore[arg-type]
                    environ=TOKEN_ENV, settings=settings)
        with pytest.raises(CrossedReplyError, match="mia replied at"):
            approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        assert approval.get_held(store, mia, held["id"])["status"] == "pending"  # type: ignore[arg-type]
        assert len(state.posted) == 1
        # Once withdrawn, a held reply crosses nothing.
        approval.withdraw(store, ann, held["id"])  # type: ignore[arg-type]
        approval.set_policy(store, mia, teams=[])  # type: ignore[arg-type]
        later = cases.version(store, bea, case_id)  # type: ignore[arg-type]
        assert cases.reply(store, bea, case_id, "Anything else?", send=True, seen=later, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)["reply"]["published_id"]
    assert len(state.posted) == 2


def test_approval_failing_to_send_leaves_it_waiting(store: Store, settings: Settings) -> None:
    ann, _bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        held = cases.reply(store, ann, case_id, "We refund it today.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)["held"]
        # Without the source's token nothing can go out: the reply is not lost, it waits again.
        with pytest.raises(Exception, match="GW_TEST_MASTODON"):
            approval.approve(store, mia, held["id"], environ={}, settings=settings)  # type: ignore[arg-type]
        assert approval.get_held(store, mia, held["id"])["status"] == "pending" and state.posted == []  # type: ignore[arg-type]
        assert audit(store, "reply.approve") == []
        approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
    assert len(state.posted) == 1


def test_an_interrupted_send_waits_for_a_manager_to_release_it(store: Store, settings: Settings) -> None:
    """An approval whose process stopped mid-send leaves the reply "being sent"; after SENDING_STALE it shows
    as interrupted, and a manager (service, API, CLI) releases it to await approval again."""
    from goodwill.store import approval as approval_store

    ann, _bea, mia = _people(store)
    mia_auth = {"Authorization": f"Bearer {team.create_token(store, mia, 'tests')[0]}"}  # type: ignore[arg-type]
    state = _state()

    def claimed(minutes_ago: float, reply_id: int) -> None:  # as `approve` claims it before calling the platform
        with store.begin() as conn:
            approval_store.update(conn, reply_id, {"status": "sending",
                                                   "claimed_at": datetime.now(UTC) - timedelta(minutes=minutes_ago)})

    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        held = cases.reply(store, ann, case_id, "We refund it today.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)["held"]
        with pytest.raises(ConflictError, match="is not being sent .*pending"):
            approval.release(store, mia, held["id"])  # type: ignore[arg-type]
        claimed(2, held["id"])  # a send in progress is not interrupted
        now = approval.get_held(store, mia, held["id"])  # type: ignore[arg-type]
        assert now["status"] == "sending" and now["interrupted"] is False and now["sending_since"]
        with pytest.raises(ConflictError, match="is being sent now"):
            approval.release(store, mia, held["id"])  # type: ignore[arg-type]
        with pytest.raises(ConflictError, match="is being sent"):
            approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        claimed(approval.SENDING_STALE.total_seconds() / 60 + 1, held["id"])
        assert approval.get_held(store, mia, held["id"])["interrupted"] is True  # type: ignore[arg-type]
        listed = cli(settings, "cases", "approvals")
        assert "interrupted" in listed.output and f"goodwill cases release {held['id']}" in listed.output
        with pytest.raises(PermissionDeniedError):
            approval.release(store, ann, held["id"])  # type: ignore[arg-type]
        released = approval.release(store, mia, held["id"])  # type: ignore[arg-type]
        assert released["status"] == "pending" and released["interrupted"] is False
        assert [e["kind"] for e in cases.get_case(store, mia, case_id)["events"]][-1] == "released"  # type: ignore[arg-type]
        # Released, it goes out on approval as any held reply does (nothing landed in the thread meanwhile).
        approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        assert len(state.posted) == 1
        # The API and the CLI release too.
        second = cases.reply(store, ann, case_id, "And the charger today.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                             settings=settings)["held"]
        claimed(30, second["id"])
        with TestClient(create_app(settings)) as client:
            r = client.post(f"/api/v1/cases/approvals/{second['id']}/release", headers=mia_auth)
            assert r.status_code == 200 and r.json()["status"] == "pending", r.text
            r = client.post(f"/api/v1/cases/approvals/{second['id']}/release", headers=mia_auth)
            assert r.status_code == 409
        claimed(30, second["id"])
        done = cli(settings, "--as", "mia", "cases", "release", str(second["id"]), "--json")
        assert done.exit_code == 0 and json.loads(done.output)["status"] == "pending", done.output
        # The case page says so, and its manager releases it there.
        claimed(30, second["id"])
        with TestClient(create_app(settings)) as page:
            _signed_in(page, "mia")
            shown = page.get(f"/cases/{case_id}").text
            assert "the send was interrupted" in shown and "Release to await approval again" in shown
            r = page.post(f"/approvals/{second['id']}/release", data={"csrf_token": csrf_of(shown), "where": "case"},
                          follow_redirects=True)
            assert "awaits approval again" in r.text and "Release to await approval again" not in r.text
    releases = audit(store, "reply.release")
    assert len(releases) == 4 and all(str(e["actor"]).startswith("mia") for e in releases)
    assert [e["origin"] for e in releases] == ["cli", "api", "cli", "web"]  # the service called directly acts as the CLI operator


def test_an_interrupted_send_that_went_out_is_refused_once_listening_has_heard_it(store: Store, settings: Settings) -> None:
    """The platform published the reply before the process stopped: once listening hears the brand's post in the
    thread, approving the released reply again is refused as crossing it, so the customer is not answered twice."""
    from goodwill.store import approval as approval_store

    ann, _bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        text = "We refund the second charge today."
        held = cases.reply(store, ann, case_id, text, send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)["held"]
        with store.begin() as conn:  # claimed as `approve` claims it, long ago: the process stopped mid-send
            approval_store.update(conn, held["id"], {"status": "sending", "claimed_at": datetime.now(UTC) - timedelta(hours=1)})
        # It had gone out: the brand's post is on the platform, and listening hears it in the thread.
        brand = {**account(0, "bikes.example"), "username": "halcyon", "acct": "halcyon@bikes.example"}
        sent = status(101, f"#halcyon {text}", who=brand, tags=["halcyon"], reply_to=100)
        sent["created_at"] = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        state.tags["halcyon"].append(sent)
        assert cli(settings, "listen", "--once", env=TOKEN_ENV).exit_code == 0
        assert approval.get_held(store, mia, held["id"])["interrupted"] is True  # type: ignore[arg-type]
        approval.release(store, mia, held["id"])  # type: ignore[arg-type]
        with pytest.raises(CrossedReplyError):
            approval.approve(store, mia, held["id"], environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        assert approval.get_held(store, mia, held["id"])["status"] == "pending"  # type: ignore[arg-type]
    assert state.posted == []  # nothing was sent a second time


def test_a_release_that_an_approval_finishing_overtakes_changes_and_records_nothing(
        store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from goodwill.service.workspace import open_workspace
    from goodwill.store import approval as approval_store

    ann, _bea, mia = _people(store)
    with serving(mastodon_server(_state())) as srv:
        case_id = _billing_case(store, settings, srv.url, mia)
        held = cases.reply(store, ann, case_id, "We refund it today.", send=True, environ=TOKEN_ENV,  # type: ignore[arg-type]
                           settings=settings)["held"]
    with store.begin() as conn:
        approval_store.update(conn, held["id"], {"status": "sending",
                                                 "claimed_at": datetime.now(UTC) - timedelta(minutes=30)})
    read = approval_store.get

    def read_then_sent(conn, reply_id):  # type: ignore[no-untyped-def]
        row = read(conn, reply_id)
        other = open_workspace(settings)  # the approval's own process stores its sent reply meanwhile
        try:
            with other.begin() as c:
                approval_store.update(c, reply_id, {"status": "sent"}, only_if=("sending",))
        finally:
            other.close()
        return row

    monkeypatch.setattr(approval.approval_store, "get", read_then_sent)
    with pytest.raises(ConflictError, match="changed while it was being released"):
        approval.release(store, mia, held["id"])  # type: ignore[arg-type]
    monkeypatch.undo()
    assert approval.get_held(store, mia, held["id"])["status"] == "sent"  # type: ignore[arg-type]
    assert audit(store, "reply.release") == []
    assert "released" not in [e["kind"] for e in cases.get_case(store, mia, case_id)["events"]]  # type: ignore[arg-type]


def test_the_cli_holds_lists_approves_and_declines(store: Store, settings: Settings) -> None:
    _ann, _bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        (case,) = cases.list_cases(store, mia)  # type: ignore[arg-type]
        case_id = case["id"]
        assert cli(settings, "cases", "assign", str(case_id), "--tag", "refund").exit_code == 0
        r = cli(settings, "--as", "ann", "approval", "set", "--tag", "refund")
        assert r.exit_code == 77 and "manager" in r.output
        r = cli(settings, "approval", "set")
        assert r.exit_code != 0 and r.output.startswith("Error:") and "--team" in r.output
        r = cli(settings, "--as", "mia", "approval", "set", "--tag", "refund")
        assert r.exit_code == 0 and "tagged refund" in r.output, r.output
        assert json.loads(cli(settings, "approval", "show", "--json").output)["tags"] == ["refund"]
        r = cli(settings, "--as", "ann", "cases", "reply", str(case_id), "--text", "We refund it today.")
        assert r.exit_code == 0 and "would wait for a manager's approval (tag refund)" in r.output, r.output
        r = cli(settings, "--as", "ann", "cases", "reply", str(case_id), "--text", "We refund it today.", "--send",
                env=TOKEN_ENV)
        assert r.exit_code == 0 and "Held for a manager's approval (tag refund)" in r.output, r.output
        assert state.posted == []
        assert "reply awaiting approval" in cli(settings, "cases", "show", str(case_id)).output
        listed = json.loads(cli(settings, "cases", "approvals", "--json").output)
        assert [(h["case"], h["text"]) for h in listed] == [(case_id, "We refund it today.")]
        assert listed[0]["author"].startswith("ann (via cli:")
        held_id = str(listed[0]["id"])
        assert json.loads(cli(settings, "cases", "list", "--awaiting-approval", "--json").output)[0]["id"] == case_id
        r = cli(settings, "--as", "bea", "cases", "approve", held_id, env=TOKEN_ENV)
        assert r.exit_code == 77 and state.posted == []
        r = cli(settings, "--as", "mia", "cases", "decline", held_id, "--reason", "Say when it lands")
        assert r.exit_code == 0 and "Say when it lands" in r.output
        shown = cli(settings, "--as", "ann", "cases", "show", str(case_id)).output
        assert "(declined by mia (via cli:" in shown and "): Say when it lands" in shown
        r = cli(settings, "--as", "ann", "cases", "reply", str(case_id), "--text", "Refunded; it lands in 3 days.",
                "--send", "--json", env=TOKEN_ENV)
        held_id = str(json.loads(r.output)["held"]["id"])
        r = cli(settings, "--as", "ann", "cases", "edit-reply", held_id, "--text", "Refunded; it lands in 2-3 days.")
        assert r.exit_code == 0 and "2-3 days" in r.output
        r = cli(settings, "--as", "mia", "cases", "approve", held_id, env=TOKEN_ENV)
        assert r.exit_code == 0 and "Approved held reply" in r.output and "first response" in r.output, r.output
        assert [p["status"].split(" ", 1)[1] for p in state.posted] == ["Refunded; it lands in 2-3 days."]
        assert cli(settings, "cases", "approvals").output.strip() == "No replies awaiting approval."
        r = cli(settings, "--as", "ann", "cases", "withdraw", held_id)
        assert r.exit_code == 1 and "was sent" in r.output


def test_cli_reply_passes_seen_and_refuses_a_crossing_reply(store: Store, settings: Settings) -> None:
    _ann, _bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        (case,) = cases.list_cases(store, mia)  # type: ignore[arg-type]
        shown = json.loads(cli(settings, "--as", "bea", "cases", "show", str(case["id"]), "--json").output)
        assert f"version {shown['version']}" in cli(settings, "cases", "show", str(case["id"])).output
        r = cli(settings, "--as", "ann", "cases", "reply", str(case["id"]), "--text", "Refund on its way.", "--send",
                "--seen", str(shown["version"]), env=TOKEN_ENV)
        assert r.exit_code == 0, r.output
        r = cli(settings, "--as", "bea", "cases", "reply", str(case["id"]), "--text", "Refunded.", "--send",
                "--seen", str(shown["version"]), env=TOKEN_ENV)
        lines = [line for line in r.output.splitlines() if line.strip()]
        assert r.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: case")
        assert "ann (via cli:" in r.output and "replied at" in r.output and "Refund on its way." in r.output
        assert len(state.posted) == 1
        # Without --seen the version is read when the command starts: it goes.
        r = cli(settings, "--as", "bea", "cases", "reply", str(case["id"]), "--text", "Anything else?", "--send",
                env=TOKEN_ENV)
        assert r.exit_code == 0, r.output
    assert len(state.posted) == 2


def test_cli_unknown_team_and_rule_are_one_line_errors(store: Store, settings: Settings) -> None:
    r = cli(settings, "cases", "list", "--team", "nosuch")
    assert r.exit_code == 1 and r.output.strip() == "Error: team: no team 'nosuch' (`goodwill teams list` shows teams)"
    assert cli(settings, "cases", "list", "--assignee", "nobody").exit_code == 1
    assert cli(settings, "teams", "add", "billing").exit_code == 0
    r = cli(settings, "cases", "list", "--team", "Billing")
    assert r.exit_code == 0 and "No cases." in r.output
    r = cli(settings, "rules", "test", "nosuch")
    assert r.exit_code == 1 and "╭" not in r.output
    assert r.output.strip() == "Error: no rule numbered or named 'nosuch' (`goodwill rules list` shows the rules)"
    assert cli(settings, "rules", "add", "Refunds to billing", "--keyword", "refund", "--team", "billing").exit_code == 0
    by_name = cli(settings, "rules", "test", "refunds to BILLING", "--json")
    by_number = cli(settings, "rules", "test", "1", "--json")
    assert by_name.exit_code == 0 and json.loads(by_name.output)["summary"] == json.loads(by_number.output)["summary"]
    assert "refund" in json.loads(by_name.output)["summary"]
    r = cli(settings, "rules", "test", "7")
    assert r.exit_code == 1 and r.output.startswith("Error: no rule 7")


def test_api_holds_lists_edits_and_approves(store: Store, settings: Settings) -> None:
    ann, bea, mia = _people(store)
    auth = {n: {"Authorization": f"Bearer {team.create_token(store, a, 'tests')[0]}"}  # type: ignore[arg-type]
            for n, a in (("ann", ann), ("bea", bea), ("mia", mia))}
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        (case,) = cases.list_cases(store, mia)  # type: ignore[arg-type]
        case_id = case["id"]
        routing.add_team(store, mia, "billing")  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client, pytest.MonkeyPatch.context() as mp:
            for k, v in TOKEN_ENV.items():
                mp.setenv(k, v)
            r = client.put("/api/v1/cases/approval-policy", json={"teams": ["billing"]}, headers=auth["ann"])
            assert r.status_code == 403
            assert client.put("/api/v1/cases/approval-policy", json={"teams": ["nosuch"]},
                              headers=auth["mia"]).status_code == 422
            assert client.put("/api/v1/cases/approval-policy", json={"teams": ["billing"], "colour": 1},
                              headers=auth["mia"]).status_code == 422
            r = client.put("/api/v1/cases/approval-policy", json={"teams": ["billing"]}, headers=auth["mia"])
            assert r.status_code == 200 and r.json()["teams"] == ["billing"]
            assert client.get("/api/v1/cases/approval-policy", headers=auth["bea"]).json()["teams"] == ["billing"]
            assert client.patch(f"/api/v1/cases/{case_id}", json={"team": "billing"}, headers=auth["mia"]).status_code == 200
            version = client.get(f"/api/v1/cases/{case_id}", headers=auth["ann"]).json()["version"]
            r = client.post(f"/api/v1/cases/{case_id}/reply", json={"text": "We refund it.", "send": True,
                                                                    "seen": version}, headers=auth["ann"])
            assert r.status_code == 200 and r.json()["held"]["status"] == "pending" and state.posted == []
            held_id = r.json()["held"]["id"]
            r = client.post(f"/api/v1/cases/{case_id}/reply", json={"text": "Me too.", "send": True, "seen": version},
                            headers=auth["bea"])
            assert r.status_code == 409 and r.json()["code"] == "reply_crossed"
            items = client.get("/api/v1/cases/approvals", headers=auth["bea"]).json()["items"]
            assert [h["id"] for h in items] == [held_id]
            assert client.get("/api/v1/cases/approvals", params={"status": "maybe"}, headers=auth["bea"]).status_code == 422
            assert client.get("/api/v1/cases", params={"awaiting_approval": "true"},
                              headers=auth["bea"]).json()["items"][0]["awaiting_approval"] == 1
            r = client.patch(f"/api/v1/cases/approvals/{held_id}", json={"text": "We refund it today, Sam."},
                             headers=auth["ann"])
            assert r.status_code == 200 and r.json()["text"] == "We refund it today, Sam."
            assert client.patch(f"/api/v1/cases/approvals/{held_id}", json={"text": "x"},
                                headers=auth["bea"]).status_code == 403
            assert client.post(f"/api/v1/cases/approvals/{held_id}/approve", headers=auth["ann"]).status_code == 403
            assert client.post(f"/api/v1/cases/approvals/{held_id}/decline", json={"reason": ""},
                               headers=auth["mia"]).status_code == 422
            assert client.post("/api/v1/cases/approvals/99999/approve", headers=auth["mia"]).status_code == 404
            assert state.posted == []
            r = client.post(f"/api/v1/cases/approvals/{held_id}/approve", headers=auth["mia"])
            assert r.status_code == 200, r.text
            assert r.json()["case"]["first_response_at"] is not None and r.json()["held"]["status"] == "sent"
            assert [p["status"].split(" ", 1)[1] for p in state.posted] == ["We refund it today, Sam."]
            assert client.post(f"/api/v1/cases/approvals/{held_id}/withdraw", headers=auth["ann"]).status_code == 409
    assert os.environ.get("GW_TEST_MASTODON") is None


def _signed_in(client: TestClient, user: str) -> None:
    from tests.web_helpers import csrf_of

    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "username": user, "password": PW})


def test_pages_hold_show_decline_and_approve_without_script(store: Store, settings: Settings) -> None:
    from tests.web_helpers import csrf_of

    _ann, _bea, mia = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        (case,) = cases.list_cases(store, mia)  # type: ignore[arg-type]
        case_id = case["id"]
        cases.assign(store, mia, case_id, tags=["refund"])  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as ann, TestClient(create_app(settings)) as boss, \
                pytest.MonkeyPatch.context() as mp:
            for k, v in TOKEN_ENV.items():
                mp.setenv(k, v)
            _signed_in(ann, "ann")
            _signed_in(boss, "mia")
            # The policy, from the Approvals page: managers only.
            page = boss.get("/approvals").text
            assert "No replies await approval." in page and 'id="policy-form"' in page
            r = ann.get("/approvals")
            assert r.status_code == 200 and 'id="policy-form"' not in r.text
            r = ann.post("/approvals/policy", data={"csrf_token": csrf_of(r.text), "tags": "refund"},
                         follow_redirects=True)
            assert "manager" in r.text and "no reply needs approval" in r.text.lower()
            token = csrf_of(page)
            assert boss.post("/approvals/policy", data={"tags": "refund"}).status_code == 403  # no CSRF token
            r = boss.post("/approvals/policy", data={"csrf_token": token, "teams": "", "tags": "Refund, legal"},
                          follow_redirects=True)
            assert "tagged legal, refund wait for a manager&#39;s approval" in r.text
            # The agent's reply is held, not sent; the case says so.
            page = ann.get(f"/cases/{case_id}").text
            assert "Your reply here waits for a manager's approval (tag refund)" in page
            a_token, seen = csrf_of(page), page.split('name="seen" value="')[1].split('"')[0]
            r = ann.post(f"/cases/{case_id}/reply", data={"csrf_token": a_token, "seen": seen, "action": "send",
                                                          "text": "We <b>refund</b> it today."}, follow_redirects=True)
            assert "Held for a manager&#39;s approval (tag refund)" in r.text and state.posted == []
            assert 'id="awaiting-approval"' in r.text and "We &lt;b&gt;refund&lt;/b&gt; it today." in r.text
            assert "Approve and send" not in r.text and "Edit your reply while it waits" in r.text
            held_id = approval.list_held(store, mia)[0]["id"]  # type: ignore[arg-type]
            listing = ann.get("/cases", params={"approval": "awaiting"}).text
            assert f'href="/cases/{case_id}"' in listing and "reply awaiting approval" in listing
            # An agent's forged approval is refused; nothing goes out.
            r = ann.post(f"/approvals/{held_id}/approve", data={"csrf_token": a_token}, follow_redirects=True)
            assert "manager" in r.text and state.posted == []
            # The manager declines it with a reason the agent reads.
            page = boss.get("/approvals").text
            assert "Approve and send" in page and "We &lt;b&gt;refund&lt;/b&gt; it today." in page
            r = boss.post(f"/approvals/{held_id}/decline", data={"csrf_token": token, "where": "approvals",
                                                                 "reason": ""}, follow_redirects=True)
            assert r.status_code == 200 and "reason" in r.text  # refused: no reason
            r = boss.post(f"/approvals/{held_id}/decline", data={"csrf_token": token, "where": "approvals",
                                                                 "reason": "Say when it lands"}, follow_redirects=True)
            assert r.url.path == "/approvals" and "Declined ann" in r.text
            assert "Declined by mia: Say when it lands" in ann.get(f"/cases/{case_id}").text
            # Written again, edited by its author, approved from the case page: sent.
            r = ann.post(f"/cases/{case_id}/reply", data={"csrf_token": a_token, "action": "send",
                                                          "text": "Refunded; it lands in 3 days."}, follow_redirects=True)
            held_id = approval.list_held(store, mia)[0]["id"]  # type: ignore[arg-type]
            r = ann.post(f"/approvals/{held_id}/edit", data={"csrf_token": a_token, "text": "Refunded; 2-3 days."},
                         follow_redirects=True)
            assert "still awaits approval" in r.text and "Refunded; 2-3 days." in r.text
            r = boss.post(f"/approvals/{held_id}/approve", data={"csrf_token": token, "where": "case"},
                          follow_redirects=True)
            assert r.url.path == f"/cases/{case_id}" and "Approved ann" in r.text and "sent on mastodon" in r.text
            assert "first response after" in r.text
    assert [p["status"].split(" ", 1)[1] for p in state.posted] == ["Refunded; 2-3 days."]


def test_forgetting_a_person_takes_their_held_replies_and_their_name(store: Store, settings: Settings) -> None:
    from goodwill.service import privacy

    ann, _bea, mia = _people(store)
    state = MastodonState()
    state.tags["halcyon"] = [status(100, QUESTION, who=account(3), tags=["halcyon"]),
                             status(101, "#halcyon also charged twice, refund please?", who=account(4), tags=["halcyon"])]
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        by_author = {c["author"]: c for c in cases.list_cases(store, mia)}  # type: ignore[arg-type]
        theirs, other = by_author["rider3@toot.example"], by_author["rider4@toot.example"]
        approval.set_policy(store, mia, tags=["refund"])  # type: ignore[arg-type]
        for c, text in ((theirs, "We refund it today."), (other, "Like @rider3@toot.example, you get a refund.")):
            cases.assign(store, mia, c["id"], tags=["refund"])  # type: ignore[arg-type]
            cases.reply(store, ann, c["id"], text, send=True, environ=TOKEN_ENV, settings=settings)  # type: ignore[arg-type]
        privacy.forget(store, operator(), theirs["person_id"])
    left = approval.list_held(store, mia, status="all")  # type: ignore[arg-type]
    assert [h["case"] for h in left] == [other["id"]] and "rider3" not in left[0]["text"]
    assert "[forgotten]" in left[0]["text"] and state.posted == []


def test_two_agents_holding_at_once_on_postgresql_leave_one_waiting(pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from goodwill.service.workspace import init_workspace
    from tests.conftest import BRAND

    settings = Settings(workspace=tmp_path / "ws", database_url=pg_url)
    store = init_workspace(settings, BRAND)
    try:
        ann, bea, mia = _people(store)
        with serving(mastodon_server(_state())) as srv:
            case_id = _billing_case(store, settings, srv.url, mia)
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def hold(name: str, actor: object) -> None:
            barrier.wait()
            try:
                outcomes[name] = cases.reply(store, actor, case_id, f"{name}: we refund it today.", send=True,  # type: ignore[arg-type]
                                             environ=TOKEN_ENV, settings=settings)["held"]["id"]
            except ConflictError as exc:
                outcomes[name] = exc
        threads = [threading.Thread(target=hold, args=(n, a)) for n, a in (("ann", ann), ("bea", bea))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        refused = [v for v in outcomes.values() if isinstance(v, ConflictError)]
        assert len(outcomes) == 2 and len(refused) == 1 and "awaiting a manager's approval" in str(refused[0])
        assert len(approval.list_held(store, mia)) == 1  # type: ignore[arg-type]
    finally:
        store.close()

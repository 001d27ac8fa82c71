"""Working a case together, on SQLite and PostgreSQL: who else is viewing or typing (kept in the store,
expiring after PRESENCE_TTL), a reply that would cross another agent's reply or a status change is refused
(service, API and page) with what landed, and the case page's forms (note, assign, status, tone, send)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.errors import CrossedReplyError, FieldError
from goodwill.service import cases, casework, team
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


def _people(store: Store) -> tuple[object, object]:
    team.add_user(store, operator(), "ann", PW, "agent")
    team.add_user(store, operator(), "bea", PW, "agent")
    return team.user_actor(store, "ann"), team.user_actor(store, "bea")


def _one_case(settings: Settings) -> int:
    (case,) = json.loads(cli(settings, "cases", "list", "--json").output)
    return int(case["id"])


def _state() -> MastodonState:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app with my Drift?", who=account(3),
                                    tags=["halcyon"])]
    return state


def test_presence_is_shared_through_the_store_and_expires(store: Store, settings: Settings) -> None:
    ann, bea = _people(store)
    with serving(mastodon_server(_state())) as srv:
        _listened(store, settings, srv.url)
    case_id = _one_case(settings)
    t0 = datetime.now(UTC)
    assert casework.heartbeat(store, ann, case_id, now=t0)["others"] == []
    seen = casework.heartbeat(store, bea, case_id, typing=True, now=t0 + timedelta(seconds=5))
    assert [o["user"] for o in seen["others"]] == ["ann"] and seen["others"][0]["typing"] is False
    mine = casework.heartbeat(store, ann, case_id, now=t0 + timedelta(seconds=10))["others"]
    assert mine == [{"user": "bea", "typing": True, "seen_at": mine[0]["seen_at"]}]
    # bea's heartbeat counts for 30 s, then she is gone; leaving forgets her at once.
    assert casework.heartbeat(store, ann, case_id, now=t0 + timedelta(seconds=36))["others"] == []
    casework.heartbeat(store, bea, case_id, now=t0 + timedelta(seconds=40))
    casework.heartbeat(store, bea, case_id, leaving=True, now=t0 + timedelta(seconds=41))
    assert casework.heartbeat(store, ann, case_id, now=t0 + timedelta(seconds=42))["others"] == []
    with pytest.raises(FieldError, match="signed-in user"):
        casework.heartbeat(store, cases.system_actor("import"), case_id)


def test_a_reply_that_would_cross_another_is_refused(store: Store, settings: Settings) -> None:
    ann, bea = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        case_id = _one_case(settings)
        opened = cases.get_case(store, ann, case_id)
        assert cases.get_case(store, bea, case_id)["version"] == opened["version"] > 0
        # ann's own note does not make her reply cross; bea's reply does.
        cases.add_note(store, ann, case_id, "checking the app docs")
        done = cases.reply(store, bea, case_id, "Hold the pairing button for 5 s, then open the app.", send=True,
                           seen=opened["version"], environ=TOKEN_ENV, settings=settings)
        assert done["case"]["first_response_minutes"] is not None and len(state.posted) == 1
        with pytest.raises(CrossedReplyError) as crossed:
            cases.reply(store, ann, case_id, "Try turning it off and on again.", send=True, seen=opened["version"],
                        environ=TOKEN_ENV, settings=settings)
        assert "bea replied at" in str(crossed.value) and "Hold the pairing button for 5 s" in str(crossed.value)
        assert crossed.value.status == 409 and crossed.value.code == "reply_crossed"
        assert len(state.posted) == 1  # nothing went out
        # Read again, it goes; a status change by someone else crosses too.
        again = cases.get_case(store, ann, case_id)["version"]
        cases.set_status(store, bea, case_id, "resolved")
        with pytest.raises(CrossedReplyError, match="bea moved it from waiting to resolved"):
            cases.reply(store, ann, case_id, "One more tip.", send=True, seen=again, environ=TOKEN_ENV, settings=settings)
        # A dry run is never refused: nothing crosses until it is sent.
        assert cases.reply(store, ann, case_id, "One more tip.", send=False, seen=again, environ=TOKEN_ENV,
                           settings=settings)["reply"]["published_id"] is None
    assert [e["actor"] for e in audit(store, "reply.send")] == ["bea"]


def test_api_presence_and_crossed_reply(store: Store, settings: Settings) -> None:
    ann, bea = _people(store)
    tokens = {n: team.create_token(store, a, "tests")[0] for n, a in (("ann", ann), ("bea", bea))}  # type: ignore[arg-type]
    auth = {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        case_id = _one_case(settings)
        with TestClient(create_app(settings)) as client:
            r = client.post(f"/api/v1/cases/{case_id}/presence", json={"typing": True}, headers=auth["bea"])
            assert r.status_code == 200 and r.json()["others"] == []
            r = client.post(f"/api/v1/cases/{case_id}/presence", json={}, headers=auth["ann"])
            version = r.json()["version"]
            assert [(o["user"], o["typing"]) for o in r.json()["others"]] == [("bea", True)]
            assert client.post(f"/api/v1/cases/{case_id}/presence", json={"colour": 1}, headers=auth["ann"]).status_code == 422
            assert client.post("/api/v1/cases/99999/presence", json={}, headers=auth["ann"]).status_code == 404
            body = {"text": "Hold the pairing button for 5 s.", "send": True, "seen": version}
            import os
            os.environ.update(TOKEN_ENV)
            try:
                assert client.post(f"/api/v1/cases/{case_id}/reply", json=body, headers=auth["bea"]).status_code == 200
                r = client.post(f"/api/v1/cases/{case_id}/reply", json=body | {"text": "Reset it."}, headers=auth["ann"])
            finally:
                for k in TOKEN_ENV:
                    os.environ.pop(k, None)
            assert r.status_code == 409 and r.json()["code"] == "reply_crossed", r.text
            assert "Hold the pairing button" in r.json()["message"]
    assert len(state.posted) == 1


def test_a_reply_waiting_on_a_slow_platform_holds_up_no_page(store: Store, settings: Settings) -> None:
    """With one page thread, a reply waiting for the platform's answer runs on a send thread: the case list
    answers meanwhile, and the reply is sent once the platform answers."""
    ann, _ = _people(store)
    auth = {"Authorization": f"Bearer {team.create_token(store, ann, 'tests')[0]}"}  # type: ignore[arg-type]
    state = _state()
    state.post_gate = threading.Event()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        case_id = _one_case(settings)
        one_thread = settings.model_copy(update={"web_threads": 1, "send_threads": 2})
        with TestClient(create_app(one_thread)) as client, pytest.MonkeyPatch.context() as mp:
            for k, v in TOKEN_ENV.items():
                mp.setenv(k, v)
            sent: dict[str, object] = {}
            body = {"text": "Hold the pairing button for 5 s.", "send": True}
            sender = threading.Thread(target=lambda: sent.update(
                r=client.post(f"/api/v1/cases/{case_id}/reply", json=body, headers=auth)))
            sender.start()
            try:
                assert state.post_arrived.wait(20), "the reply did not reach the platform"
                listed = client.get("/api/v1/cases", headers=auth)
                waiting = sender.is_alive() and not state.post_gate.is_set()
            finally:
                state.post_gate.set()
                sender.join(30)
            assert listed.status_code == 200 and case_id in [c["id"] for c in listed.json()["items"]]
            assert waiting, "the case list waited for the platform's answer"
            assert sent["r"].status_code == 200, sent["r"].text  # type: ignore[attr-defined]
    assert len(state.posted) == 1


def _signed_in(client: TestClient, user: str) -> None:
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "username": user, "password": PW})


def test_case_page_forms_work_without_script(store: Store, settings: Settings) -> None:
    _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        case_id = _one_case(settings)
        with TestClient(create_app(settings)) as ann, TestClient(create_app(settings)) as bea:
            _signed_in(ann, "ann")
            _signed_in(bea, "bea")
            page = bea.get(f"/cases/{case_id}").text
            bea_csrf, bea_seen = csrf_of(page), page.split('name="seen" value="')[1].split('"')[0]
            page = ann.get(f"/cases/{case_id}").text
            assert "Who they are" in page and "Also here: bea" in page and 'id="shortcuts"' in page
            token, seen = csrf_of(page), page.split('name="seen" value="')[1].split('"')[0]
            assert ann.post(f"/cases/{case_id}/note", data={"text": "x"}).status_code == 403  # no CSRF token
            r = ann.post(f"/cases/{case_id}/note", data={"csrf_token": token, "text": "Asked <b>workshop</b>"},
                         follow_redirects=True)
            assert "Asked &lt;b&gt;workshop&lt;/b&gt;" in r.text
            r = ann.post(f"/cases/{case_id}/assign", data={"csrf_token": token, "assignee": "me"}, follow_redirects=True)
            assert "Assignee: ann" in r.text
            r = ann.post(f"/cases/{case_id}/assign", data={"csrf_token": token, "assignee": "bea"}, follow_redirects=True)
            assert "manager" in r.text  # an agent may not give it to someone else
            r = ann.post(f"/cases/{case_id}/reply", data={"csrf_token": token, "seen": seen, "action": "check",
                                                          "text": "Our AMAZING app is the best, check out our new Drift!"})
            assert r.status_code == 200 and "promotional" in r.text and "Fix:" in r.text
            r = ann.post(f"/cases/{case_id}/tone", data={"csrf_token": token, "text": "Our AMAZING app is the best!"})
            assert r.status_code == 200 and "promotional" in [f["code"] for f in r.json()["flags"]]
            r = ann.post(f"/cases/{case_id}/presence", data={"csrf_token": token, "typing": "1"})
            assert r.json()["others"][0]["user"] == "bea"
            with pytest.MonkeyPatch.context() as mp:
                for k, v in TOKEN_ENV.items():
                    mp.setenv(k, v)
                r = ann.post(f"/cases/{case_id}/reply", data={"csrf_token": token, "seen": seen, "action": "send",
                                                              "text": "Hold the pairing button for 5 s."},
                             follow_redirects=True)
                assert "Sent on mastodon" in r.text and "first response after" in r.text
                r = bea.post(f"/cases/{case_id}/reply", data={"csrf_token": bea_csrf, "seen": bea_seen, "action": "send",
                                                              "text": "Reset the app."})
            assert r.status_code == 409 and "ann replied at" in r.text and "Reset the app." in r.text  # the draft is kept
            r = ann.post(f"/cases/{case_id}/status", data={"csrf_token": token, "status": "resolved"}, follow_redirects=True)
            assert f"Case {case_id} is resolved" in r.text
    assert len(state.posted) == 1


def test_team_metrics_by_age_percentiles_and_sla(store: Store, settings: Settings) -> None:
    from goodwill.metrics.team import CaseTimes, percentile, team_metrics

    assert percentile([], 50) is None and percentile([5, 1, 3], 50) == 3 and percentile([1, 2, 3, 4], 90) == 4
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    h = timedelta(hours=1)
    rows = [
        CaseTimes("open", now - 30 * timedelta(minutes=1), None, None, now + h, "ann", "care"),  # pending SLA
        CaseTimes("waiting", now - 3 * h, now - 2 * h, None, now - 2.5 * h, "ann", "care"),  # 60 min, late
        CaseTimes("resolved", now - 30 * h, now - 29.5 * h, now - 20 * h, now - 29 * h, "bea", None),  # 30 min, met
        CaseTimes("new", now - 10 * 24 * h, None, None, now - 9 * 24 * h, None, None),  # before the period, open
        CaseTimes("open", now - 5 * h, None, None, now - 4 * h, None, "care"),  # unanswered past due: missed
    ]
    m = team_metrics(rows, now, now - 7 * 24 * h)
    assert m["all"]["open"] == 4 and m["all"]["open_by_age"] == {"under 1 h": 1, "1-4 h": 1, "4-24 h": 1,
                                                               "1-7 days": 0, "over 7 days": 1}
    assert m["all"]["opened"] == 4 and m["all"]["first_response_minutes"] == {"p50": 30.0, "p90": 60.0}
    assert m["all"]["resolution_minutes"] == {"p50": 600.0, "p90": 600.0}
    assert m["all"]["sla"] == {"met": 1, "missed": 2, "pending": 1, "attainment": 0.333}
    assert m["agents"]["ann"]["sla"]["attainment"] == 0.0 and m["agents"]["bea"]["sla"]["attainment"] == 1.0
    assert set(m["teams"]) == {"care", "no team"} and m["teams"]["care"]["open"] == 3
    # Through the service, the CLI and the page, on the store: a listened case answered by a sent reply.
    ann, _bea = _people(store)
    state = _state()
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        case_id = _one_case(settings)
        cases.assign(store, ann, case_id, assignee="ann")
        cases.reply(store, ann, case_id, "Hold the pairing button for 5 s.", send=True, environ=TOKEN_ENV,
                    settings=settings)
    data = json.loads(cli(settings, "cases", "metrics", "--days", "3650", "--json").output)
    assert data["all"]["answered"] == 1 and data["agents"]["ann"]["answered"] == 1
    assert data["all"]["first_response_minutes"]["p50"] is not None
    assert cli(settings, "cases", "metrics", "--days", "0").exit_code != 0
    with TestClient(create_app(settings)) as client:
        _signed_in(client, "ann")
        page = client.get("/team", params={"days": 3650})
        assert page.status_code == 200 and "Agent ann" in page.text and 'id="team-metrics"' in page.text
        assert client.get("/team", params={"days": 0}).status_code == 422

"""The tone check and saved replies through the service, the CLI and the API, on SQLite and PostgreSQL;
a reply sent despite its flags records them in its audit entry."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from goodwill.config import Settings
from goodwill.errors import ConflictError, FieldError, NotFoundError
from goodwill.service import saved_replies, team, tone
from goodwill.service.workspace import operator
from goodwill.store import Store
from goodwill.web.app import create_app
from tests.listening import cli
from tests.servers.http import serving
from tests.servers.mastodon import MastodonState, account, status
from tests.servers.mastodon import server as mastodon_server
from tests.test_service_layer import TOKEN_ENV, _listened, audit

PROMO = "Our AMAZING new C2 is the best e-bike ever, use code SPRING20!"


def test_saved_replies_are_tone_checked_audited_and_removable(store: Store) -> None:
    me = operator()
    good = saved_replies.add_saved(store, me, "Firmware 2.1", "The fix is in firmware 2.1: https://halcyon.example/fw",
                                   ["Firmware", "#motor", "firmware"])
    assert good["tags"] == ["firmware", "motor"] and good["flags"] == [] and good["too_long_for"] == []
    promo = saved_replies.add_saved(store, me, "Spring offer", PROMO)
    assert [f["code"] for f in promo["flags"]] == ["promotional"]
    assert "use code" in promo["flags"][0]["why"]
    entries = audit(store, "saved_reply.add")
    assert [e["details"]["tone_flags"] for e in entries] == [[], ["promotional"]]  # type: ignore[index]
    assert [r["title"] for r in saved_replies.list_saved(store, me)] == ["Firmware 2.1", "Spring offer"]
    assert [r["id"] for r in saved_replies.list_saved(store, me, tag="#MOTOR")] == [good["id"]]
    with pytest.raises(ConflictError, match="exists already"):
        saved_replies.add_saved(store, me, "firmware 2.1", "again")
    with pytest.raises(FieldError, match="tags"):
        saved_replies.add_saved(store, me, "Bad tag", "text", ["two words"])
    assert saved_replies.remove_saved(store, me, promo["id"])["title"] == "Spring offer"
    with pytest.raises(NotFoundError):
        saved_replies.remove_saved(store, me, promo["id"])
    assert audit(store, "saved_reply.remove")[0]["target"] == f"saved reply {promo['id']}"
    assert len(saved_replies.list_saved(store, me)) == 1


def test_check_against_a_stored_message_takes_its_question_and_platform(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app?", who=account(3), tags=["halcyon"])]
    with serving(mastodon_server(state)) as srv:
        message_id = _listened(store, settings, srv.url)
    result = tone.tone_check(store, operator(), "Please DM us!", message_id=message_id)
    assert result["platform"] == "mastodon" and result["limit"] == 500
    assert [f["code"] for f in result["flags"]] == ["no_answer"]
    assert "how do I pair the app" in result["flags"][0]["why"]
    with pytest.raises(FieldError, match="platform"):
        tone.tone_check(store, operator(), "hi", platform="myspace")
    with pytest.raises(NotFoundError):
        tone.tone_check(store, operator(), "hi", message_id=999_999)


def test_tone_check_command_exits_0_with_flags(store: Store, settings: Settings) -> None:
    result = cli(settings, "tone-check", PROMO + " " + "x" * 300, "--platform", "bluesky")
    assert result.exit_code == 0, result.output
    assert "[high] too_long" in result.output and "[medium] promotional" in result.output
    assert "fix:" in result.output
    data = json.loads(cli(settings, "tone-check", "Thanks, glad it works.", "--json").output)
    assert data["ok"] is True and data["flags"] == []
    bad = cli(settings, "tone-check", "hi", "--platform", "myspace")
    assert bad.exit_code == 1 and "platform" in bad.output


def test_saved_replies_commands(store: Store, settings: Settings) -> None:
    added = cli(settings, "replies", "saved", "add", "Spring offer", "--body", PROMO, "--tag", "offers")
    assert added.exit_code == 0 and "promotional" in added.output, added.output
    listed = json.loads(cli(settings, "replies", "saved", "list", "--json").output)
    assert listed[0]["title"] == "Spring offer" and listed[0]["tags"] == ["offers"]
    assert "promotional" in cli(settings, "replies", "saved", "list").output
    assert cli(settings, "replies", "saved", "remove", str(listed[0]["id"])).exit_code == 0
    assert json.loads(cli(settings, "replies", "saved", "list", "--json").output) == []
    missing = cli(settings, "replies", "saved", "remove", "42")
    assert missing.exit_code == 1 and "no saved reply 42" in missing.output


def test_a_reply_sent_despite_its_flags_records_them(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app?", who=account(3), tags=["halcyon"])]
    with serving(mastodon_server(state)) as srv:
        message_id = _listened(store, settings, srv.url)
        dry = cli(settings, "reply", str(message_id), "--text", "Sorry for the inconvenience, please DM us!")
        assert dry.exit_code == 0 and "Tone check: 1 flag" in dry.output and "no_answer" in dry.output
        assert audit(store, "reply.send") == []
        sent = cli(settings, "reply", str(message_id), "--text", "Sorry for the inconvenience, please DM us!",
                   "--send", "--json", env=TOKEN_ENV)
        assert sent.exit_code == 0, sent.output
        assert [f["code"] for f in json.loads(sent.output)["tone"]] == ["no_answer"]
        clean = cli(settings, "reply", str(message_id), "--text", "Open Settings > Bluetooth and tap Pair.", "--send",
                    env=TOKEN_ENV)
        assert clean.exit_code == 0 and "Tone check" not in clean.output
    sends = audit(store, "reply.send")
    assert [e["details"]["tone_overridden"] for e in sends] == [["no_answer"], []]  # type: ignore[index]


def test_api_tone_check_and_saved_replies(store: Store, settings: Settings) -> None:
    team.add_user(store, operator(), "agent1", "long enough pw", "agent")
    token = team.create_token(store, team.user_actor(store, "agent1"), "tests")[0]
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:
        r = client.post("/api/v1/tone-check", json={"text": PROMO, "platform": "bluesky"}, headers=auth)
        assert r.status_code == 200 and [f["code"] for f in r.json()["flags"]] == ["promotional"]
        r = client.post("/api/v1/tone-check", json={"text": "hi", "platform": "myspace"}, headers=auth)
        assert r.status_code == 422 and r.json()["field"] == "platform"
        r = client.post("/api/v1/tone-check", json={"text": "hi", "message_id": 424242}, headers=auth)
        assert r.status_code == 404
        assert client.post("/api/v1/tone-check", json={"text": "hi"}).status_code == 401
        r = client.post("/api/v1/saved-replies", json={"title": "Range", "body": "60-90 km per charge.",
                                                       "tags": ["battery"]}, headers=auth)
        assert r.status_code == 201 and r.json()["flags"] == []
        saved_id = r.json()["id"]
        assert client.post("/api/v1/saved-replies", json={"title": "range", "body": "x"}, headers=auth).status_code == 409
        items = client.get("/api/v1/saved-replies", params={"tag": "battery"}, headers=auth).json()["items"]
        assert [i["id"] for i in items] == [saved_id]
        assert client.delete(f"/api/v1/saved-replies/{saved_id}", headers=auth).status_code == 200
        assert client.get("/api/v1/saved-replies", headers=auth).json()["items"] == []
    assert audit(store, "saved_reply.add")[0]["actor"] == "agent1"


def test_replies_page_checks_a_draft_and_saves_with_csrf(store: Store, settings: Settings) -> None:
    from tests.web_helpers import csrf_of

    team.add_user(store, operator(), "agent1", "long enough pw", "agent")
    with TestClient(create_app(settings)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"csrf_token": token, "username": "agent1", "password": "long enough pw"})
        page = client.get("/replies")
        assert page.status_code == 200 and 'href="/replies"' in page.text
        token = csrf_of(page.text)
        assert client.post("/replies/check", data={"text": "hi"}).status_code == 403  # no CSRF token
        checked = client.post("/replies/check", data={"csrf_token": token, "text": PROMO + " <script>x</script>",
                                                      "platform": "bluesky"})
        assert checked.status_code == 200 and "promotional" in checked.text
        assert "<script>x</script>" not in checked.text and "&lt;script&gt;x&lt;/script&gt;" in checked.text
        bad = client.post("/replies/check", data={"csrf_token": token, "text": "hi", "platform": "myspace"})
        assert bad.status_code == 422 and "choose one of" in bad.text
        saved = client.post("/replies/saved", data={"csrf_token": token, "title": "Offer", "body": PROMO,
                                                    "tags": "offers, spring"}, follow_redirects=True)
        assert "Saved “Offer” with 1 tone flag" in saved.text and "#spring" in saved.text
        reply_id = saved_replies.list_saved(store, operator())[0]["id"]
        removed = client.post(f"/replies/saved/{reply_id}/remove", data={"csrf_token": token}, follow_redirects=True)
        assert "Removed “Offer”" in removed.text
    assert audit(store, "saved_reply.remove")[0]["actor"] == "agent1"


def test_the_demo_keeps_saved_replies_and_flags_its_old_launch_post(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from goodwill.service.demo import build_demo
    from goodwill.service.workspace import open_workspace

    settings = Settings(workspace=tmp_path / "demo")
    build_demo(settings)
    store = open_workspace(settings)
    try:
        saved = {r["title"]: r for r in saved_replies.list_saved(store, operator())}
    finally:
        store.close()
    assert set(saved) == {"Winter range", "Frame size", "Service partners", "Drift 2027 launch"}
    assert [f["code"] for f in saved["Drift 2027 launch"]["flags"]] == ["promotional", "shouting"]
    assert all(not r["flags"] for t, r in saved.items() if t != "Drift 2027 launch")


def test_an_article_that_fits_the_question_asks_for_its_link(store: Store, settings: Settings) -> None:
    from goodwill.service import knowledge

    me = operator()
    knowledge.save_article(store, me, {
        "id": "fw-2-1", "title": "Firmware 2.1: motor cut-out fix", "url": "https://halcyon.example/help/fw-2-1",
        "body": "On firmware 2.0 the motor can cut out on long climbs uphill when the controller overheats. "
                "Firmware 2.1 fixes it: update the bike from the app.", "tags": ["firmware"]})
    knowledge.save_article(store, me, {
        "id": "gift", "title": "Gift cards", "url": "https://halcyon.example/help/gift-cards",
        "body": "Gift cards are sold in the online shop from 25 euros and never expire.", "tags": ["shop"]})
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon why did my bike cut out going uphill?", who=account(3),
                                    tags=["halcyon"])]
    with serving(mastodon_server(state)) as srv:
        message_id = _listened(store, settings, srv.url)
    draft = "That's the overheating fault in firmware 2.0; updating to 2.1 in the app fixes it."
    result = tone.tone_check(store, me, draft, message_id=message_id)
    assert [f["code"] for f in result["flags"]] == ["no_link"], result
    assert "https://halcyon.example/help/fw-2-1" in result["flags"][0]["fix"]
    assert "Firmware 2.1" in result["flags"][0]["why"] and result["articles"][0]["id"] == "fw-2-1"
    linked = tone.tone_check(store, me, draft + " https://halcyon.example/help/fw-2-1", message_id=message_id)
    assert linked["flags"] == []
    # A question no article speaks of: the best-scoring article does not fit it, so no link is asked for.
    state.tags["halcyon"] = []
    assert tone.tone_check(store, me, "Yes, it is rated IPX5.", platform="mastodon")["flags"] == []


def test_a_case_reply_shows_its_flags_and_records_those_sent_anyway(store: Store, settings: Settings) -> None:
    state = MastodonState()
    state.tags["halcyon"] = [status(100, "#halcyon how do I pair the app with my Drift?", who=account(3),
                                    tags=["halcyon"])]
    with serving(mastodon_server(state)) as srv:
        _listened(store, settings, srv.url)
        (case,) = json.loads(cli(settings, "cases", "list", "--json").output)
        draft = "Our AMAZING app is the best, check out our new Drift!"
        dry = cli(settings, "cases", "reply", str(case["id"]), "--text", draft)
        assert dry.exit_code == 0 and "Tone check: 2 flags (advice: --send sends it anyway)" in dry.output, dry.output
        assert "promotional" in dry.output and "no_answer" in dry.output and state.posted == []
        sent = cli(settings, "cases", "reply", str(case["id"]), "--text", draft, "--send", env=TOKEN_ENV)
        assert sent.exit_code == 0 and "sent anyway; recorded in the audit log" in sent.output, sent.output
    assert audit(store, "reply.send")[0]["details"]["tone_overridden"] == ["promotional", "no_answer"]  # type: ignore[index]

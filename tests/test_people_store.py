"""People on a real store (SQLite and PostgreSQL): profiles, merge and split, linking on evidence, forget, retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import ConflictError, FieldError, NotFoundError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.people import STAGES
from goodwill.service import people, privacy
from goodwill.store import Store
from tests.privacy_scan import everything

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
AGENT = Actor(2, "agent", Role.AGENT, Origin.API, "127.0.0.1")

MARA_TEXTS = [
    "@halcyonbikes My Drift battery died after 10 km this morning, how do I reset it?",
    "@halcyonbikes That worked, thank you so much! Love this bike",
    "@sam_k Yes it folds in ten seconds, I take mine on the train every day",
    "Sunset ride on the Drift, 30 km and still half a battery. Wonderful bike",
]


def _records() -> list[dict[str, Any]]:
    def r(i: str, platform: str, author: str, text: str, at: str, reply_to: str | None = None, **kw: Any) -> dict[str, Any]:
        return {"id": i, "platform": platform, "author": author, "text": text, "created_at": at, "reply_to": reply_to, **kw}

    mara = {"author_name": "Mara Okafor", "author_id": "u-mara-77",
            "author_links": [{"url": "https://mara-okafor.example/", "verified": True}]}
    return [
        r("mara-001", "twitter", "mara_rides", MARA_TEXTS[0], "2026-10-01T08:00:00Z", **mara),
        r("t2", "twitter", "halcyonbikes", "@mara_rides Sorry Mara Okafor! Hold the power button for 10 seconds, thanks for telling us.",
          "2026-10-01T08:30:00Z", "mara-001", is_brand=True),
        r("mara-003", "twitter", "mara_rides", MARA_TEXTS[1], "2026-10-01T09:00:00Z", "t2", **mara),
        r("t4", "twitter", "sam_k", "Does the Drift fold small enough for the train?", "2026-10-02T10:00:00Z"),
        r("mara-005", "twitter", "mara_rides", MARA_TEXTS[2], "2026-10-02T10:20:00Z", "t4", **mara),
        r("t6", "twitter", "sam_k", "@mara_rides thanks, that settles it", "2026-10-02T11:00:00Z", "mara-005"),
        r("mara-m01", "mastodon", "mara@social.example", MARA_TEXTS[3], "2026-10-03T18:00:00Z",
          author_name="Mara O.", author_links=[{"url": "https://www.mara-okafor.example", "verified": True}]),
        r("b1", "bluesky", "did:plc:kit42", "Halcyon's new lights look great", "2026-10-04T12:00:00Z", author_id="did:plc:kit42"),
        r("b2", "bluesky", "kit.bsky.social", "Ordered the lights from Halcyon", "2026-10-05T12:00:00Z", author_id="did:plc:kit42"),
    ]


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _records()))
    import_file(store, path, ImportOptions())
    return store


def _person_of(store: Store, platform: str, handle: str) -> int:
    with store.begin() as conn:
        return int(conn.execute(sa.text("SELECT person_id FROM accounts WHERE platform = :p AND handle = :h"),
                                {"p": platform, "h": handle}).scalar_one())


def test_person_profile_stage_and_trust(loaded: Store) -> None:
    mara = _person_of(loaded, "twitter", "mara_rides")
    assert people.person(loaded, AGENT, mara)["scores_as_of"] is None  # imported without the service: not scored
    with pytest.raises(PermissionDeniedError):
        people.rescore(loaded, AGENT)
    people.rescore(loaded, ADMIN, now=datetime(2026, 10, 6, tzinfo=UTC))
    data = people.person(loaded, AGENT, mara, now=datetime(2026, 10, 6, tzinfo=UTC))
    assert data["scores_as_of"] is not None
    rel = data["relationship"]
    assert rel["messages"] == 3 and rel["channels"] == {"twitter": 3}
    assert rel["brand_replies"] == 1
    # The signals decide praise and complaints, so the stage follows the models; the reason always says why.
    assert rel["stage"] in STAGES and rel["reason"]
    # They replied to the brand once: reciprocity counts it, and the parts add up to the score.
    assert {"name": "they answer the brand", "points": 1, "words": "they replied to the brand 1 time"} in rel["reciprocity"]["parts"]
    for score in (rel["trust"], rel["reciprocity"]):
        assert score["score"] == sum(p["points"] for p in score["parts"])
    # Answered another customer's question on the graph: outreach with reasons.
    assert data["scores"] is not None and data["scores"]["outreach"] > 0 and data["scores"]["outreach_reasons"]
    listed = people.list_people(loaded, AGENT)
    assert mara in [p["id"] for p in listed["items"]] and listed["scores_as_of"] == data["scores_as_of"]
    assert sum(listed["stages"].values()) == len(listed["items"])
    with pytest.raises(FieldError, match="stage"):
        people.list_people(loaded, AGENT, stage="fan")
    people.rescore(loaded, ADMIN, now=datetime(2027, 6, 1, tzinfo=UTC))
    lapsed = people.list_people(loaded, AGENT, stage="lapsed")["items"]
    assert lapsed and all(p["stage"] == "lapsed" for p in lapsed)


def test_merge_split_and_link(loaded: Store) -> None:
    tw, md = _person_of(loaded, "twitter", "mara_rides"), _person_of(loaded, "mastodon", "mara@social.example")
    with pytest.raises(PermissionDeniedError):
        people.merge(loaded, AGENT, tw, md)
    done = people.merge(loaded, ADMIN, tw, md)
    assert len(done["accounts_moved"]) == 1
    assert _person_of(loaded, "mastodon", "mara@social.example") == tw
    with pytest.raises(NotFoundError, match="merged into"):
        people.person(loaded, AGENT, md)
    rel = people.person(loaded, AGENT, tw)["relationship"]
    assert rel["channels"] == {"twitter": 3, "mastodon": 1}
    # Split undoes the merge: the account goes back to the person it came from.
    account = next(a["id"] for a in people.person(loaded, AGENT, tw)["accounts"] if a["platform"] == "mastodon")
    assert people.split(loaded, ADMIN, tw, account)["to_person"] == md
    assert _person_of(loaded, "mastodon", "mara@social.example") == md
    with pytest.raises(ConflictError, match="only this account"):
        people.split(loaded, ADMIN, md, account)
    with pytest.raises(ConflictError, match="itself"):
        people.merge(loaded, ADMIN, md, md)
    # Evidence joins the verified-link pair and the DID pair, and nobody else.
    linked = people.link(loaded, ADMIN)["merged"]
    reasons = sorted(m["reason"] for m in linked)
    assert reasons == ["both profiles carry the verified link mara-okafor.example", "the same bluesky user id did:plc:kit42"]
    assert _person_of(loaded, "bluesky", "kit.bsky.social") == _person_of(loaded, "bluesky", "did:plc:kit42")
    assert _person_of(loaded, "twitter", "sam_k") != tw
    assert people.link(loaded, ADMIN)["merged"] == []
    with loaded.begin() as conn:
        actions = [r[0] for r in conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions.count("people.merge") == 3 and actions.count("people.split") == 1


def _everything(store: Store) -> str:
    return everything(store, ("sunset", "okafor", "mara"))


def test_forget_leaves_no_trace(loaded: Store) -> None:
    from goodwill.service import topics

    topics.refresh(loaded, ADMIN, k=2)
    tw = _person_of(loaded, "twitter", "mara_rides")
    people.merge(loaded, ADMIN, tw, _person_of(loaded, "mastodon", "mara@social.example"), reason="mara_rides said so")
    with loaded.begin() as conn:
        before_days = dict(conn.execute(sa.text("SELECT platform, SUM(messages) FROM message_days GROUP BY platform")).all())
        ids = [r[0] for r in conn.execute(sa.text(
            "SELECT m.id FROM messages m JOIN accounts a ON a.id = m.account_id WHERE a.person_id = :p"), {"p": tw})]
    assert len(ids) == 4
    text = _everything(loaded)
    assert "mara_rides" in text and "mara okafor" in text
    people.rescore(loaded, ADMIN)
    with pytest.raises(PermissionDeniedError):
        privacy.forget(loaded, AGENT, tw)
    done = privacy.forget(loaded, ADMIN, tw)
    assert done["messages"] == 4 and done["accounts"] == 2 and done["people"] == 2
    text = _everything(loaded)
    for trace in ("mara_rides", "mara@social.example", "mara okafor", "mara o.", "u-mara-77", "mara-okafor.example",
                  *[t.lower() for t in MARA_TEXTS], "mara-001", "mara-003", "mara-005", "mara-m01", "train every day", "sunset"):
        assert trace not in text.replace("[forgotten]", ""), trace
    if loaded.dialect == "sqlite":  # the full-text index holds none of their words and none of their message ids
        assert "fts:sunset" not in text and "fts:okafor" not in text
        with loaded.begin() as conn:
            indexed = {r[0] for r in conn.execute(sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'the OR drift OR halcyon OR battery'"))}
            integrity = conn.execute(sa.text("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"))
        assert integrity is not None and not indexed & set(ids)
    with loaded.begin() as conn:
        days = dict(conn.execute(sa.text("SELECT platform, SUM(messages) FROM message_days GROUP BY platform")).all())
        threads = conn.execute(sa.text("SELECT root_platform_id, message_count, brand_message_count FROM threads "
                                       "WHERE platform = 'twitter' ORDER BY id")).all()
        counted = dict(conn.execute(sa.text("SELECT thread_root_id, COUNT(*) FROM messages WHERE platform = 'twitter' "
                                            "GROUP BY thread_root_id")).all())
        audit = conn.execute(sa.text("SELECT action, target, details FROM audit_log ORDER BY id DESC")).first()
    assert int(days["twitter"]) == int(before_days["twitter"]) - 3 and "mastodon" not in days
    # Threads keep the brand's and others' messages, counted right, with no id of the erased ones.
    assert {t[0]: t[1] for t in threads} == counted
    assert audit is not None and audit[0] == "people.forget" and audit[1] == "person"
    with loaded.begin() as conn:
        members = conn.execute(sa.text("SELECT COUNT(*) FROM message_topics")).scalar_one()
        sizes = conn.execute(sa.text("SELECT COALESCE(SUM(size), 0) FROM topics")).scalar_one()
        per_day = conn.execute(sa.text("SELECT COALESCE(SUM(messages), 0) FROM topic_days")).scalar_one()
        stale = conn.execute(sa.text("SELECT COUNT(*) FROM message_topics WHERE message_id NOT IN (SELECT id FROM messages)")).scalar_one()
    assert 0 < members == sizes == per_day and stale == 0  # topics counted without the erased messages
    with loaded.begin() as conn:  # their scores went with them; everyone else's stay
        scored = {r[0] for r in conn.execute(sa.text("SELECT person_id FROM person_scores"))}
    assert tw not in scored and scored and scored <= {r["id"] for r in people.list_people(loaded, AGENT)["items"]}
    with pytest.raises(NotFoundError):
        people.person(loaded, AGENT, tw)


def test_retention_deletes_old_personal_data(loaded: Store) -> None:
    assert privacy.apply_retention(loaded, ADMIN)["messages"] == 0  # no policy, nothing goes
    with pytest.raises(FieldError, match="retention_days"):
        privacy.set_retention(loaded, ADMIN, 0)
    with pytest.raises(PermissionDeniedError):
        privacy.set_retention(loaded, AGENT, 30)
    privacy.set_retention(loaded, ADMIN, 30)
    assert privacy.retention(loaded, AGENT)["retention_days"] == 30
    done = privacy.apply_retention(loaded, ADMIN, now=datetime(2026, 11, 3, 12, tzinfo=UTC))
    # Cutoff 2026-10-04 12:00: the Twitter and Mastodon messages by others go, the brand's reply stays.
    assert done["messages"] == 6
    with loaded.begin() as conn:
        left = sorted(r[0] for r in conn.execute(sa.text("SELECT platform_id FROM messages")))
        handles = sorted(r[0] for r in conn.execute(sa.text("SELECT handle FROM accounts")))
        action = conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id DESC")).scalar()
    assert left == ["b1", "b2", "t2"]
    assert "mara_rides" not in handles and "sam_k" not in handles and "halcyonbikes" in handles
    assert action == "retention.run"


def test_cli_people_person_forget(loaded: Store, settings: Settings) -> None:
    from typer.testing import CliRunner

    from goodwill.cli.main import app

    args = ["--workspace", str(settings.workspace)] + (["--database-url", settings.database_url] if settings.database_url else [])
    runner = CliRunner()
    mara = _person_of(loaded, "twitter", "mara_rides")
    result = runner.invoke(app, [*args, "people", "--limit", "20"], catch_exceptions=False)
    assert result.exit_code == 0 and "Nobody is scored yet" in result.stdout, result.output
    result = runner.invoke(app, [*args, "people", "rescore"], catch_exceptions=False)
    assert result.exit_code == 0 and "Scored 5 people" in result.stdout, result.output
    result = runner.invoke(app, [*args, "people", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert mara in [p["id"] for p in json.loads(result.stdout)["items"]]
    result = runner.invoke(app, [*args, "person", str(mara)], catch_exceptions=False)
    assert result.exit_code == 0 and "Stage:" in result.stdout and "Reciprocity" in result.stdout
    assert "Scores as of" in result.stdout and "Outreach" in result.stdout
    result = runner.invoke(app, [*args, "people", "--stage", "fan"], catch_exceptions=False)
    assert result.exit_code != 0 and "fan" in result.output
    result = runner.invoke(app, [*args, "people", "link"], catch_exceptions=False)
    assert "2 merges" in result.stdout
    result = runner.invoke(app, [*args, "forget", str(mara), "--yes"], catch_exceptions=False)
    assert result.exit_code == 0 and "2 accounts, 4 messages" in result.stdout
    result = runner.invoke(app, [*args, "person", str(mara)], catch_exceptions=False)
    assert result.exit_code != 0 and f"no person {mara}" in result.output
    assert runner.invoke(app, [*args, "retention", "set", "90"], catch_exceptions=False).exit_code == 0
    assert "kept 90 days" in runner.invoke(app, [*args, "retention", "show"], catch_exceptions=False).stdout


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_histories_read_together_are_each_persons_own(loaded: Store, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    from goodwill.store import people as people_store
    from goodwill.store import scores as scores_store

    monkeypatch.setattr(people_store, "HISTORY_ACCOUNTS", chunk)
    with loaded.begin() as conn:
        groups = [p["accounts"] for p in scores_store.to_score(conn)]
        together = people_store.histories(conn, groups)
        alone = [people_store.histories(conn, [g])[0] for g in groups]
    assert together == alone
    assert len(groups) >= 3 and sum(len(h.said) for h in together) == 8  # everyone's messages but the brand's
    # The brand's reply to Mara answers her message, in her history only.
    answered = [b for h in together for b in h.brand if b.answers is not None]
    assert len(answered) == 1 and answered[0].kind == "reply"

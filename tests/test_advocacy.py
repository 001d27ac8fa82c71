"""Advocates on a small hand-built workspace (SQLite and PostgreSQL), with the signals set by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from goodwill.advocacy.advocates import Brand, act_of, reason
from goodwill.domain.people import Said
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service import advocacy
from goodwill.store import Store

MANAGER = Actor(1, "maya", Role.MANAGER, Origin.CLI, "local")
AGENT = Actor(2, "agent", Role.AGENT, Origin.API, "127.0.0.1")
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
     "c1", "other", "neutral"),
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

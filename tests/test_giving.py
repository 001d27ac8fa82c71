"""Give versus take: the reader of one post, the audit's figures worked out by
hand, and the audit of a stored workspace through the service, the CLI, the
API and the page, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goodwill.advocacy import audit as core
from goodwill.advocacy.give_take_labels import LABELS, SUBTYPES, TEST_SHARE, examples, read_labels, split_of
from goodwill.advocacy.givetake import load_model, read_post, read_posts
from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.domain import ParsedMessage
from goodwill.domain.messages import MessageKind
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError
from goodwill.ingest.writer import ingest_messages
from goodwill.service import giving
from goodwill.store import Store

AGENT = Actor(2, "alex", Role.AGENT, Origin.CLI, "local")
T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)  # a Monday

SELL = "FLASH SALE: 15% off all panniers this weekend only! Shop now https://halcyon.example/shop"
HELP = "@ann Sorry about that! Can you DM us your order number so we can look into it?"
TEACH = "How to check your brake pads in 2 minutes: here's how, step by step, with photos. https://halcyon.example/help/pads"
THANKS = "@mara Thanks for sharing your photo, Mara! Glad the Drift gets you to work dry."


# --- the reader -------------------------------------------------------------


def test_a_sale_takes_and_names_its_words() -> None:
    reading = read_post(SELL)
    assert (reading.kind, reading.subtype) == ("take", "sell")
    assert reading.score > 0.5
    assert "15% off" in reading.reason and "Shop now" in reading.reason


def test_a_care_reply_gives_help_with_its_words() -> None:
    reading = read_post(HELP)
    assert (reading.kind, reading.subtype) == ("give", "help")
    assert reading.score < 0.5
    assert "order number" in reading.reason and "DM" in reading.reason


def test_thanks_and_teaching_give() -> None:
    thanks, teach = read_posts([THANKS, TEACH], is_reply=[True, False])
    assert (thanks.kind, thanks.subtype) == ("give", "share")
    assert teach.kind == "give" and "How to" in teach.reason


def test_too_few_words_is_neutral() -> None:
    reading = read_post("@bob 👍 https://x.example/1")
    assert (reading.kind, reading.subtype, reading.reasons) == ("neutral", "other", ("too few words to tell",))


def test_vectors_must_match_the_texts() -> None:
    import numpy as np

    with pytest.raises(ValueError, match="2 vectors for 1 texts"):
        read_posts([SELL], vectors=np.zeros((2, 384), dtype=np.float32))


def test_a_draft_is_read_with_the_encoder_when_installed() -> None:
    reading = giving.read_draft(SELL)
    assert reading.kind == "take" and "shared encoder" in reading.reason
    with pytest.raises(FieldError, match="text: the draft is empty"):
        giving.read_draft("  ")


def test_the_model_file_is_small_and_names_its_encoder() -> None:
    from goodwill.advocacy.givetake import MODEL_PATH

    assert MODEL_PATH.stat().st_size < 20_000
    assert load_model().encoder_version.startswith("encoder-")


# --- the labels ---------------------------------------------------------------


def test_labels_hold_no_text_and_keep_their_fixed_split() -> None:
    rows = read_labels()
    assert len(rows) >= 500
    with open(LABELS, encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ["dataset", "file", "row", "sha", "split", "label", "subtype"]
    for row in rows:
        assert row["split"] == split_of((row["dataset"], row["file"], row["row"]))
        assert row["subtype"] in SUBTYPES[row["label"]]
    test = [r for r in rows if r["split"] == "test"]
    assert len(test) >= 150 and abs(len(test) / len(rows) - TEST_SHARE) < 0.05
    assert sum(r["label"] == "take" for r in test) >= 30


def test_labels_match_the_shared_data(shared_data: Path) -> None:
    found = examples(shared_data)
    assert len(found) == len(read_labels())
    assert {e.label for e in found} == {"give", "take", "neutral"}


# --- the audit's figures, by hand ---------------------------------------------


def _post(i: int, kind: str, *, days: float, reply: bool = False, platform: str = "twitter",
          engagement: int = 0, subtype: str | None = None) -> core.AuditPost:
    return core.AuditPost(i, platform, T0 + timedelta(days=days), reply, f"post {i}", None, kind,
                          subtype or ("help" if kind == "give" else "promote"), 0.0, (), engagement, f"{engagement} likes")


def test_give_ratio_leaves_neutral_out() -> None:
    posts = [_post(1, "give", days=0), _post(2, "give", days=1), _post(3, "take", days=2), _post(4, "neutral", days=3)]
    assert core.give_ratio(posts) == pytest.approx(2 / 3)
    assert core.give_ratio([_post(1, "neutral", days=0)]) is None
    assert core.ratio_reason(posts) == ("2 of 3 messages give (1 take, 1 neutral not counted); "
                                        "of its own posts (not replies) 2 of 3 give")


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    posts = [_post(1, "give", days=0), _post(2, "take", days=6.5), _post(3, "give", days=7, reply=True),
             _post(4, "take", days=27)]  # 5, 11 and 12 October, 1 November
    weeks = core.by_period(posts, "week")
    assert [(w["start"], w["give"], w["take"], w["give_ratio"]) for w in weeks] == [
        ("2026-10-05", 1, 1, 0.5), ("2026-10-12", 1, 0, 1.0), ("2026-10-26", 0, 1, 0.0)]
    assert weeks[1]["posts_give_ratio"] is None  # only a reply that week
    months = core.by_period(posts, "month")
    assert [(m["start"], m["give"], m["take"]) for m in months] == [("2026-10-01", 2, 1), ("2026-11-01", 0, 1)]


def test_cadence_finds_gaps_and_bursts_of_posts_not_replies() -> None:
    posts = [_post(1, "give", days=0), _post(2, "give", days=0.1), _post(3, "give", days=0.2),
             _post(4, "give", days=5, reply=True), _post(5, "give", days=10), _post(6, "give", days=12),
             _post(7, "give", days=1, platform="mastodon")]
    rows = {r["platform"]: r for r in core.cadence(posts)}
    twitter = rows["twitter"]
    assert twitter["posts"] == 5
    assert twitter["gaps"] == [{"from": (T0 + timedelta(days=0.2)).isoformat(), "to": (T0 + timedelta(days=10)).isoformat(),
                                "days": 9.8}]
    assert twitter["bursts"] == [{"day": "2026-10-05", "posts": 3}]
    assert twitter["posts_per_week"] == pytest.approx(5 / (12 / 7), abs=0.01)
    assert "1 gap over 7 days (longest 9.8 days)" in twitter["reason"]
    assert rows["mastodon"]["gaps"] == [] and rows["mastodon"]["posts_per_week"] == 1.0


def test_response_rate_and_percentiles_per_platform() -> None:
    times = [("twitter", T0, T0 + timedelta(minutes=m)) for m in (10, 20, 30, 40)] + [("twitter", T0, None)]
    times += [("reddit", T0, None)]
    rows = {r["platform"]: r for r in core.response(times)}
    assert (rows["twitter"]["threads"], rows["twitter"]["answered"], rows["twitter"]["reply_rate"]) == (5, 4, 0.8)
    assert rows["twitter"]["first_reply_minutes_p50"] == 25.0  # halfway between 20 and 30
    assert rows["twitter"]["first_reply_minutes_p90"] == 37.0  # 30 + 0.7 * 10
    assert rows["reddit"]["reply_rate"] == 0.0 and rows["reddit"]["first_reply_minutes_p50"] is None
    assert core.consistency_reason([], list(rows.values())).startswith("reply rate from 0% on reddit to 80% on twitter")


def test_engagement_counts_likes_reposts_and_replies() -> None:
    assert core.engagement({"likes": 12, "reposts": 3}, 2) == (17, "12 likes, 3 reposts, 2 replies")
    assert core.engagement({"score": 40, "replies": 5}, 1) == (45, "40 likes, 5 replies")
    assert core.engagement({}, 0) == (0, "no likes, reposts or replies recorded")


def test_suggestions_come_from_the_best_received_giving_posts() -> None:
    posts = [_post(1, "give", days=0, engagement=90, subtype="educate"), _post(2, "give", days=1, engagement=30, subtype="educate"),
             _post(3, "give", days=2, engagement=10, subtype="community"), _post(4, "take", days=3, engagement=4),
             _post(5, "give", days=4, engagement=500, reply=True)]
    found = core.suggestions(posts, [])
    assert found[0]["text"] == ("Your 2 teaching posts drew 60 engagements on average, "
                                "against 4 for your 1 taking post: post more like them.")
    assert found[0]["message_ids"] == [1, 2]
    assert found[1]["message_ids"] == [1]  # the best own post; the reply is not a post
    assert any(s["message_ids"] == [4] and "received less well" in s["text"] for s in found)


# --- a stored workspace ---------------------------------------------------------


def _fill(store: Store) -> None:
    """Four brand posts (three give, one sale) and two customer threads, one
    answered after 30 minutes, one not."""
    brand = "halcyonbikes"
    items = [
        ParsedMessage("twitter", "b1", brand, TEACH, T0, metrics={"likes": 40, "reposts": 10}),
        ParsedMessage("twitter", "b2", brand, SELL, T0 + timedelta(days=1), metrics={"likes": 3}),
        ParsedMessage("twitter", "c1", "ann", "@halcyonbikes my order never arrived", T0 + timedelta(days=2), mentions=["halcyonbikes"]),
        ParsedMessage("twitter", "b3", brand, HELP, T0 + timedelta(days=2, minutes=30), kind=MessageKind.REPLY, reply_to_id="c1"),
        ParsedMessage("twitter", "c2", "bob", "@halcyonbikes does the Drift fold?", T0 + timedelta(days=3), mentions=["halcyonbikes"]),
        ParsedMessage("twitter", "c3", "cat", "@halcyonbikes great guide, thanks", T0 + timedelta(days=3), reply_to_id="b1",
                      kind=MessageKind.REPLY),
        ParsedMessage("twitter", "b4", brand, THANKS, T0 + timedelta(days=20), kind=MessageKind.REPLY, reply_to_id="c3"),
    ]
    ingest_messages(store, "test", items)


def test_the_audit_of_a_workspace(store: Store) -> None:
    _fill(store)
    report = giving.audit(store, AGENT)
    assert report["give_ratio"] == 0.75 and report["posts_give_ratio"] == 0.5
    assert report["counts"] == {"give": 3, "take": 1, "neutral": 0}
    assert report["reason"] == "3 of 4 messages give (1 take); of its own posts (not replies) 1 of 2 give"
    assert [(w["start"], w["give"], w["take"]) for w in report["weeks"]] == [("2026-10-05", 2, 1), ("2026-10-19", 1, 0)]
    [twitter] = report["response"]
    assert (twitter["threads"], twitter["answered"], twitter["first_reply_minutes_p50"]) == (2, 1, 30.0)
    by_text = {m["text"]: m for m in report["messages"]}
    assert by_text[TEACH]["engagement"] == 51  # 40 likes, 10 reposts, cat's reply
    assert by_text[SELL]["kind"] == "take" and "15% off" in by_text[SELL]["reason"]
    assert report["suggestions"][0]["text"].startswith("Your 1 teaching post drew 51 engagements")
    with store.begin() as conn:
        assert giving.give_ratio(conn) == 0.75
        assert giving.give_ratio(conn, T0 + timedelta(days=1), T0 + timedelta(days=2)) == 0.0
        assert giving.give_ratio(conn, T0 + timedelta(days=30)) is None


def test_readings_are_stored_once_and_read_again_after_an_edit(store: Store) -> None:
    from goodwill.store import giving as giving_store

    _fill(store)
    giving.audit(store, AGENT)
    with store.begin() as conn:
        own = giving_store.own_messages(conn)
        stored = giving_store.readings(conn, [m.id for m in own])
        assert len(stored) == 4
        sale = next(m for m in own if m.text == SELL)
        giving_store.save_readings(conn, [stored[sale.id]._replace(kind="give", subtype="help")])
    assert giving.audit(store, AGENT)["counts"]["take"] == 0  # the stored reading is used as it is
    with store.begin() as conn:
        giving_store.save_readings(conn, [stored[sale.id]._replace(kind="give", text_sha="0" * 16)])
    assert giving.audit(store, AGENT)["counts"]["take"] == 1  # a text that changed is read again


def test_period_is_days_with_the_last_included() -> None:
    assert giving.period("2026-10-01", "2026-10-31") == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert giving.period(None, None) == (None, None)
    with pytest.raises(FieldError, match="from: '10/1' is not a day"):
        giving.period("10/1", None)


def test_a_period_that_ends_before_it_starts_is_refused(store: Store) -> None:
    with pytest.raises(FieldError, match="the period ends"):
        giving.audit(store, AGENT, *giving.period("2026-10-05", "2026-10-01"))


def test_the_command_prints_the_audit_and_its_json(store: Store, settings: Settings) -> None:
    _fill(store)
    base = ["--workspace", str(settings.workspace)]
    if settings.database_url:
        base += ["--database-url", settings.database_url]
    runner = CliRunner()
    result = runner.invoke(app, [*base, "giving", "--json", "--from", "2026-10-05", "--to", "2026-10-06"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["give_ratio"], report["counts"]["take"], report["from"]) == (0.5, 1, "2026-10-05T00:00:00+00:00")
    result = runner.invoke(app, [*base, "giving"])
    assert result.exit_code == 0, result.output
    assert "Give ratio 75%" in result.stdout and "Suggestions" in result.stdout
    result = runner.invoke(app, [*base, "giving", "--from", "yesterday"])
    assert result.exit_code != 0 and "from: 'yesterday' is not a day" in result.output


def test_the_demo_reads_its_brand_messages_when_built(tmp_path: Path) -> None:
    from goodwill.service.demo import build_demo
    from goodwill.service.workspace import open_workspace

    settings = Settings(workspace=tmp_path / "demo")
    summary = build_demo(settings)
    store = open_workspace(settings)
    try:
        report = giving.audit(store, AGENT)
    finally:
        store.close()
    counts = report["counts"]
    assert summary["give_ratio"] == counts["give"] / (counts["give"] + counts["take"]) == pytest.approx(report["give_ratio"], abs=1e-4)
    assert 0.5 < summary["give_ratio"] < 1 and counts["take"] >= 5

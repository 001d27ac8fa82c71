"""Relationship health on a small workspace whose figures are worked out by hand (SQLite and PostgreSQL).

The signals of every message are set by the test (intent, sentiment and its
probabilities), so the figures follow from the arithmetic written beside
each assertion and not from how the models read the texts.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import FieldError, PermissionDeniedError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.metrics import health as core
from goodwill.service import advocacy, giving, health, team
from goodwill.store import Store

AGENT = Actor(2, "agent", Role.AGENT, Origin.API, "127.0.0.1")
ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")

# id, platform, author, time, reply_to, intent, positive - negative probability
TW, MA = "halcyonbikes", "halcyon@bikes.example"
MESSAGES: list[tuple[str, str, str, str, str | None, str, float]] = [
    # September (the period before): hal complains twice, the brand answers both.
    ("h1", "twitter", "hal", "2026-09-20T09:00:00Z", None, "complaint", -0.8),
    ("b0", "twitter", TW, "2026-09-20T10:00:00Z", "h1", "other", 0.0),
    ("h2", "twitter", "hal", "2026-09-25T09:00:00Z", "b0", "complaint", -0.6),
    ("b0b", "twitter", TW, "2026-09-25T10:00:00Z", "h2", "other", 0.0),
    # October: the period.
    ("q1", "twitter", "ann", "2026-10-02T10:00:00Z", None, "question", -0.2),
    ("b1", "twitter", TW, "2026-10-02T10:30:00Z", "q1", "other", 0.0),            # 30 minutes
    ("a1", "twitter", "ann", "2026-10-02T11:00:00Z", "b1", "praise", 0.8),
    ("c1", "twitter", "bob", "2026-10-03T09:00:00Z", None, "complaint", -0.9),
    ("b2", "twitter", TW, "2026-10-03T11:00:00Z", "c1", "other", 0.0),            # 120 minutes
    ("c1b", "twitter", "bob", "2026-10-03T12:00:00Z", "b2", "other", -0.7),       # bob comes back negative
    ("c2", "twitter", "cat", "2026-10-05T08:00:00Z", None, "complaint", -0.5),    # never answered
    ("q2", "mastodon", "dan@social.example", "2026-10-06T12:00:00Z", None, "question", 0.0),
    ("b3", "mastodon", MA, "2026-10-06T13:00:00Z", "q2", "other", 0.0),           # 60 minutes
    ("d2", "mastodon", "dan@social.example", "2026-10-07T09:00:00Z", "b3", "praise", 0.6),
    ("c3", "mastodon", "eve@social.example", "2026-10-08T09:00:00Z", None, "complaint", -0.8),
    ("b4", "mastodon", MA, "2026-10-08T19:00:00Z", "c3", "other", 0.0),           # 600 minutes; eve says no more
    ("f1", "mastodon", "fay@social.example", "2026-10-09T09:00:00Z", None, "praise", 0.7),
    ("g1", "twitter", "gil", "2026-10-20T09:00:00Z", None, "praise", 0.9),
    ("g2", "twitter", "gil", "2026-10-21T09:00:00Z", None, "praise", 0.9),
    ("h3", "twitter", "hal", "2026-10-25T09:00:00Z", None, "other", 0.1),
]

#: A hostile text: every page and report that shows it must escape it.
TEXTS = {"c2": '<script>window.__pwned = 1</script> my charger died & "nobody" answers',
         # gil names the brand (the listening keyword "halcyon") in both praises: two acts of advocacy.
         "g1": "Halcyon fixed my wheel in a day <b>love it</b>", "g2": "still riding my Halcyon, best shop around"}


def _load(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "health.jsonl"
    path.write_text("".join(json.dumps({
        "id": i, "platform": p, "author": a, "created_at": t, "reply_to": r, "is_brand": a in (TW, MA),
        "text": TEXTS.get(i, f"message {i}"),
    }) + "\n" for i, p, a, t, r, _, _ in MESSAGES))
    import_file(store, path, ImportOptions())
    with store.begin() as conn:
        for i, _, _, _, _, intent, score in MESSAGES:
            positive, negative = max(score, 0.0), max(-score, 0.0)
            label = "positive" if score >= 0.5 else "negative" if score <= -0.5 else "neutral"
            conn.execute(sa.text(
                "UPDATE message_signals SET intent = :intent, sentiment = :label, sentiment_positive = :pos, "
                "sentiment_negative = :neg, sentiment_neutral = :neu, needs_response = :needs "
                "WHERE message_id = (SELECT id FROM messages WHERE platform_id = :i)"),
                {"intent": intent, "label": label, "pos": positive, "neg": negative, "neu": 1 - positive - negative,
                 "needs": False, "i": i})
    return store


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    return _load(store, tmp_path)


def _ids(store: Store, *platform_ids: str) -> list[int]:
    with store.begin() as conn:
        found = dict(conn.execute(sa.text("SELECT platform_id, id FROM messages")).all())
    return [int(found[p]) for p in platform_ids]


def test_figures_worked_out_by_hand(loaded: Store) -> None:
    data = health.report(loaded, AGENT, start=date(2026, 10, 1), end=date(2026, 10, 30))
    assert (data["from"], data["to"], data["days_in_period"]) == ("2026-10-01", "2026-10-30", 30)
    # Asks: q1, c1, c2 (twitter), q2, c3 (mastodon) = 5; answered all but c2 = 4.
    assert (data["asks"], data["answered"], data["response_rate"]) == (5, 4, 0.8)
    # Minutes to the first answer, sorted: 30, 60, 120, 600.
    # p50 = (60 + 120) / 2 = 90; p90 at rank 0.9 * 3 = 2.7: 120 + 0.7 * (600 - 120) = 456.
    assert data["first_response_minutes_p50"] == 90.0
    assert data["first_response_minutes_p90"] == 456.0
    # Complaints c1, c2, c3: c1 answered but bob came back negative, c2 unanswered, c3 resolved: 1 / 3.
    assert (data["complaints"], data["resolved_publicly"], data["resolved_publicly_rate"]) == (3, 1, 0.333)
    # Sentiment around the brand's first reply: ann -0.2 -> +0.8 (+1.0), bob -0.9 -> -0.7 (+0.2),
    # dan 0.0 -> +0.6 (+0.6); eve wrote nothing after, so she is left out. (1.0 + 0.2 + 0.6) / 3 = 0.6.
    assert data["uplift_people"] == 3 and data["sentiment_uplift"] == 0.6
    low, high = data["sentiment_uplift_ci"]
    assert 0.2 <= low < 0.6 < high <= 1.0  # a bootstrap mean lies between the smallest and the largest change
    # Advocates as the advocates finder counts them: gil praised the brand by name twice in October (two acts,
    # never negative) -> an advocate; ann praised once only (a1), dan's d2 does not name or tag the brand.
    # In September nobody acted as an advocate (hal only complained), so gil is gained and nobody lost.
    assert (data["advocates"], data["advocates_gained"], data["advocates_lost"]) == (1, 1, 0)
    assert data["previous"]["advocates"] == 0
    # Stages at 1 October and at the end of 30 October: gil praised twice this month -> advocate (gained);
    # hal was a detractor on 1 October (two complaints in September) and is engaged at the end (turned around);
    # bob complained twice in October -> detractor at the end.
    assert data["advocates_by_stage"] == {"advocates": 1, "at_start": 0, "gained": 1, "lost": 0}
    assert (data["detractors_at_start"], data["detractors_turned_around"], data["detractors"]) == (1, 1, 1)
    # Per channel: twitter 2 of 3 answered, mastodon 2 of 2; the spread is 1.0 - 0.667.
    assert data["channels"]["twitter"]["response_rate"] == 0.667
    assert data["channels"]["mastodon"]["response_rate"] == 1.0
    assert data["channels"]["mastodon"]["first_response_minutes_p50"] == 330.0  # (60 + 600) / 2
    assert data["consistency"]["channel_spread"] == 0.333
    # The brand's messages: 10-02 10:30, 10-03 11:00, 10-06 13:00, 10-08 19:00; the longest silence runs
    # from the last to the end of the period, 31 October 00:00: 22 days and 5 hours = 533 hours.
    assert data["brand_messages"] == 4
    assert data["consistency"]["longest_silence_hours"] == 533.0
    assert [d["asks"] for d in data["days"][:5]] == [0, 1, 1, 0, 1] and len(data["days"]) == 30
    # The period before (September): h1 and h2, both answered after 60 minutes.
    before = data["previous"]
    assert (before["from"], before["to"]) == ("2026-09-01", "2026-09-30")
    assert (before["asks"], before["response_rate"], before["first_response_minutes_p50"]) == (2, 1.0, 60.0)
    assert data["change"]["response_rate"] == -0.2
    # The give ratio is the give-versus-take audit's own figure for the period (docs/give-take.md).
    with loaded.begin() as conn:
        expected = giving.give_ratio(conn, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    assert data["give_ratio"] == (None if expected is None else round(expected, 3))
    assert (data["give_ratio"] is None) == ("give_ratio" in data["notes"])


def test_default_period_ends_with_the_latest_message(loaded: Store) -> None:
    data = health.report(loaded, AGENT)
    # The latest message is hal's of 25 October: the 30 days 26 September - 25 October.
    assert (data["from"], data["to"]) == ("2026-09-26", "2026-10-25")
    assert data["data_until"] == "2026-10-25T09:00:00Z"
    with pytest.raises(FieldError, match="from"):
        health.report(loaded, AGENT, start=date(2026, 10, 5), end=date(2026, 10, 1))
    with pytest.raises(FieldError, match="366"):
        health.report(loaded, AGENT, start=date(2024, 1, 1), end=date(2026, 10, 1))


def test_evidence_lists_the_messages_behind_each_figure(loaded: Store) -> None:
    period = {"start": date(2026, 10, 1), "end": date(2026, 10, 30)}
    def ids(figure: str, channel: str | None = None) -> set[int]:
        return {m["id"] for m in health.evidence(loaded, AGENT, figure, channel=channel, **period)["items"]}

    assert ids("asks") == set(_ids(loaded, "q1", "c1", "c2", "q2", "c3"))
    assert ids("answered") == set(_ids(loaded, "q1", "c1", "q2", "c3"))
    assert ids("unanswered") == set(_ids(loaded, "c2"))
    assert ids("resolved") == set(_ids(loaded, "c3"))
    assert ids("unresolved") == set(_ids(loaded, "c1", "c2"))
    assert ids("answered", "mastodon") == set(_ids(loaded, "q2", "c3"))
    assert ids("uplift") == set(_ids(loaded, "q1", "a1", "c1", "c1b", "q2", "d2"))
    assert ids("brand") == set(_ids(loaded, "b1", "b2", "b3", "b4"))
    listed = health.evidence(loaded, AGENT, "unanswered", **period)
    assert listed["total"] == 1 and listed["items"][0]["text"] == TEXTS["c2"] and listed["items"][0]["thread_id"]
    assert listed["items"][0]["answer_minutes"] is None and listed["items"][0]["resolved_publicly"] is False
    answered = {m["id"]: m for m in health.evidence(loaded, AGENT, "answered", **period)["items"]}
    assert answered[_ids(loaded, "c3")[0]]["answer_minutes"] == 600 and answered[_ids(loaded, "c3")[0]]["resolved_publicly"]
    # The people behind the advocates figures, with their acts: gil, gained, praised twice.
    gained = health.evidence(loaded, AGENT, "advocates_gained", **period)
    assert gained["kind"] == "advocates" and gained["total"] == 1
    (gil,) = gained["items"]
    assert (gil["display_name"], gil["acts"]["praised"], gil["reason"]) == ("gil", 2, "praised it twice")
    assert [e["text"] for e in gil["evidence"]] == ["still riding my Halcyon, best shop around",
                                                    "Halcyon fixed my wheel in a day <b>love it</b>"]
    assert health.evidence(loaded, AGENT, "advocates_lost", **period)["total"] == 0
    turned = health.evidence(loaded, AGENT, "detractors_turned_around", **period)["items"]
    assert [(p["display_name"], p["stage_at_start"], p["stage_at_end"]) for p in turned] == [("hal", "detractor", "engaged")]
    with pytest.raises(FieldError, match="figure"):
        health.evidence(loaded, AGENT, "reach", **period)


def test_html_report_is_self_contained_and_escapes(loaded: Store) -> None:
    team.update_settings(loaded, ADMIN, name='<script>alert("x")</script> & Co')
    page = health.report_html(loaded, AGENT, start=date(2026, 10, 1), end=date(2026, 10, 30))
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") == 4 and "<script" not in page  # four inline charts, no script at all
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    # Nothing outside the page: every src, href and url() points inside it (the charts' own clip paths).
    targets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page) + re.findall(r"url\(([^)]*)\)", page)
    assert targets and all(t.startswith("#") for t in targets), [t for t in targets if not t.startswith("#")]
    assert "http:" not in page.replace("http://www.w3.org/", "") and "https:" not in page
    assert "80%" in page and "456 min" in page and "+0.60" in page  # the hand-worked figures, as shown


def test_report_command(loaded: Store, settings: Settings, tmp_path: Path) -> None:
    base = ["--workspace", str(settings.workspace)] + (["--database-url", settings.database_url] if settings.database_url else [])
    runner = CliRunner()
    result = runner.invoke(app, [*base, "report", "--from", "2026-10-01", "--to", "2026-10-30", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("response_rate", "first_response_minutes_p50", "first_response_minutes_p90", "resolved_publicly_rate",
                "give_ratio", "advocates", "sentiment_uplift", "sentiment_uplift_ci", "channels", "previous", "notes"):
        assert key in data
    assert data["response_rate"] == 0.8 and len(data["sentiment_uplift_ci"]) == 2
    out = tmp_path / "report.html"
    result = runner.invoke(app, [*base, "report", "--from", "2026-10-01", "--to", "2026-10-30", "--out", str(out)],
                           catch_exceptions=False)
    assert result.exit_code == 0 and out.read_text().count("<svg") == 4
    result = runner.invoke(app, [*base, "report", "--from", "2026-10-32"], catch_exceptions=False)
    assert result.exit_code != 0 and "--from" in result.stderr
    # A file that cannot be written is one line naming it, not a traceback, and nothing is left behind.
    for bad in (tmp_path / "missing" / "report.html", tmp_path):
        result = runner.invoke(app, [*base, "report", "--out", str(bad)], catch_exceptions=False)
        assert result.exit_code == 1 and result.stdout == "", result.stdout
        assert result.stderr.startswith(f"Error: --out: cannot write {bad}") and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "missing").exists()


def test_uplift_interval_and_percentiles_by_hand() -> None:
    t = datetime(2026, 10, 1, tzinfo=UTC)
    one = core.Mood(1, t, ((1, -0.5),), ((2, 0.5),))
    assert core.uplift([one]) == {"sentiment_uplift": 1.0, "sentiment_uplift_ci": None, "uplift_people": 1}
    same = [core.Mood(p, t, ((p, 0.0),), ((p + 10, 0.25),)) for p in range(5)]
    assert core.uplift(same)["sentiment_uplift_ci"] == [0.25, 0.25]  # every resample has the same mean
    assert core.percentile([], 50) is None and core.percentile([10.0], 90) == 10.0
    assert core.response([])["response_rate"] is None


def test_weekly_report_is_written_once_per_week(loaded: Store, settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    with pytest.raises(PermissionDeniedError):
        health.schedule(loaded, AGENT, folder)
    assert health.schedule(loaded, ADMIN, folder)["new"] is True
    assert health.schedule(loaded, ADMIN, folder)["new"] is False  # one schedule per folder
    # Wednesday 7 October: the last whole week is Monday 28 September to Sunday 4 October, ISO week 40.
    assert health.last_week(datetime(2026, 10, 7, 15, tzinfo=UTC)) == (date(2026, 9, 28), date(2026, 10, 4), "2026-W40")
    done = health.run_due(loaded, AGENT, at=datetime(2026, 10, 7, 15, tzinfo=UTC))
    assert [(d["period"], d["from"], d["to"]) for d in done] == [("2026-W40", "2026-09-28", "2026-10-04")]
    page = (folder / "health-2026-W40.html").read_text()
    assert page.count("<svg") == 4 and "2026-09-28 to 2026-10-04" in page
    # Running again in the same week writes nothing; the next week writes the next report.
    assert health.run_due(loaded, AGENT, at=datetime(2026, 10, 10, tzinfo=UTC)) == []
    assert [d["period"] for d in health.run_due(loaded, AGENT, at=datetime(2026, 10, 12, tzinfo=UTC))] == ["2026-W41"]
    assert sorted(p.name for p in folder.iterdir()) == ["health-2026-W40.html", "health-2026-W41.html"]
    listed = health.schedules(loaded, AGENT)
    assert [(s["every"], s["last_period"]) for s in listed] == [("weekly", "2026-W41")]
    with loaded.begin() as conn:
        actions = [r[0] for r in conn.execute(sa.text("SELECT action FROM audit_log WHERE action LIKE 'report.%' ORDER BY id"))]
    assert actions == ["report.schedule", "report.schedule", "report.run", "report.run"]
    # From the terminal: list, run (nothing due twice), stop.
    base = ["--workspace", str(settings.workspace)] + (["--database-url", settings.database_url] if settings.database_url else [])
    runner = CliRunner()
    result = runner.invoke(app, [*base, "report", "schedule", "--json"], catch_exceptions=False)
    assert json.loads(result.stdout)[0]["out_dir"] == str(folder.resolve())
    first = runner.invoke(app, [*base, "report", "run-due", "--json"], catch_exceptions=False)
    again = runner.invoke(app, [*base, "report", "run-due", "--json"], catch_exceptions=False)
    assert first.exit_code == again.exit_code == 0 and len(first.stdout.splitlines()) == 1 and again.stdout == ""
    result = runner.invoke(app, [*base, "report", "schedule", "--remove", "--out-dir", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0 and health.schedules(loaded, AGENT) == []
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(FieldError, match="out_dir"):
        health.schedule(loaded, ADMIN, tmp_path / "a-file")


def test_a_resolved_case_decides_public_resolution(loaded: Store) -> None:
    from goodwill.service import cases

    period = {"start": date(2026, 10, 1), "end": date(2026, 10, 30)}
    c1, c3 = _ids(loaded, "c1", "c3")
    # bob came back negative after the answer to c1, so by the thread alone c1 is not resolved (1 of 3, c3 only);
    # an agent resolving c1's case in public, and c3's case out of public view, turns that into 1 of 3 again
    # but with c1 counted instead of c3.
    cases.set_status(loaded, ADMIN, cases.open_case(loaded, ADMIN, c1)["id"], "resolved", public=True)
    assert health.report(loaded, AGENT, **period)["resolved_publicly"] == 2  # c1 by its case, c3 by its thread
    cases.set_status(loaded, ADMIN, cases.open_case(loaded, ADMIN, c3)["id"], "resolved", public=False)
    data = health.report(loaded, AGENT, **period)
    assert (data["resolved_publicly"], data["resolved_publicly_rate"]) == (1, 0.333)
    assert {m["id"] for m in health.evidence(loaded, AGENT, "resolved", **period)["items"]} == {c1}


def test_advocates_and_what_was_given(loaded: Store) -> None:
    period = {"start": date(2026, 10, 1), "end": date(2026, 10, 30)}
    gil = health.report(loaded, AGENT, **period)["advocate_people"][0]["person_id"]
    # A thank-you to gil on 22 October (in the period), and one in November (after it: not listed).
    advocacy.log_gesture(loaded, ADMIN, gil, kind="thank-you", reason="thanks for the <i>kind</i> words",
                         at=datetime(2026, 10, 22, 9, tzinfo=UTC))
    advocacy.log_gesture(loaded, ADMIN, gil, kind="gift", reason="later", at=datetime(2026, 11, 2, tzinfo=UTC))
    data = health.report(loaded, AGENT, **period)
    (who,) = data["advocate_people"]
    assert (who["display_name"], who["acts"]["praised"], who["reason"]) == ("gil", 2, "praised it twice")
    assert who["evidence"][0]["text"] == "still riding my Halcyon, best shop around"
    (given,) = data["gestures"]
    assert (given["display_name"], given["kind"], given["cost"], given["status"], given["decided_by"]) == (
        "gil", "thank-you", "0.00", "approved", "tester")
    # gil wrote nothing after 22 October 09:00 but h3 is hal's: nothing of gil's followed within the data.
    assert given["outcome"]["messages_after"] == 0 and given["outcome"]["words"]
    page = health.report_html(loaded, AGENT, **period)
    assert "Advocates and what was given" in page and "praised it twice" in page
    assert "thanks for the &lt;i&gt;kind&lt;/i&gt; words" in page and "<i>kind" not in page
    assert "&lt;b&gt;love it&lt;/b&gt;" in page and "<b>love it" not in page

"""The plan's warnings worked out by hand: tipping toward taking, gaps and bursts per channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goodwill.advocacy.plan import PlannedPost, cadence, tilt

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _p(i: int, hours: float, kind: str = "give", channel: str = "fedi") -> PlannedPost:
    return PlannedPost(i, channel, "mastodon", NOW + timedelta(hours=hours), kind)


def test_a_plan_giving_less_than_half_tips_toward_taking_with_the_past_beside_it() -> None:
    plan = [_p(1, 1, "take"), _p(2, 25, "take"), _p(3, 49, "give"), _p(4, 73, "neutral"), _p(5, 24 * 20, "give")]
    warning = tilt(plan, NOW, 0.75, (30, 40))
    assert warning is not None and warning["give_ratio"] == round(1 / 3, 4) and warning["posts"] == [1, 2]
    assert "1 of 3 posts planned in the next 14 days give (33%" in str(warning["why"])
    assert "gave 75% (30 of 40)" in str(warning["why"])
    assert tilt([_p(1, 1, "take"), _p(2, 2, "give")], NOW, None, (0, 0)) is None  # half gives: not below
    assert tilt([_p(1, 1, "neutral")], NOW, None, (0, 0)) is None


def test_a_gap_is_over_twice_the_usual_and_a_burst_beyond_the_usual_hour_or_day() -> None:
    past = [NOW - timedelta(days=d) for d in (8, 6, 4, 2)]  # a post every 2 days: gaps over 4 days warn
    plan = [_p(1, 24), _p(2, 24 * 6), _p(3, 24 * 6 + 0.25), _p(4, 24 * 6 + 3), _p(5, 24 * 7)]
    found = cadence("fedi", plan, past)
    gaps = [w for w in found if w["code"] == "gap"]
    assert [(w["posts"], w["days"]) for w in gaps] == [([2], 5.0)]
    assert "usually posts every 2.0 days" in str(gaps[0]["why"])
    bursts = [w["posts"] for w in found if w["code"] == "burst"]
    assert bursts == [[2, 3, 4]]  # three on one day where it made one; the hour's two are in that day's warning
    assert cadence("other", plan, past) == []


def test_a_channel_without_history_counts_gaps_over_a_week() -> None:
    found = cadence("fedi", [_p(1, 1), _p(2, 24 * 8), _p(3, 24 * 8 + 0.5)], [])
    assert [w["code"] for w in found] == ["gap", "burst"]
    assert "over 7 days counts" in str(found[0]["why"]) and found[1]["posts"] == [2, 3]

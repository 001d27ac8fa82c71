"""Routing rules and SLA maths, pure: matching, first-match order, assignment strategies,
business hours across weekends, holidays and daylight-saving changes, breach states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.domain.routing import Actions, Agent, Conditions, Facts, Rule, SlaPolicy, Strategy
from goodwill.errors import FieldError
from goodwill.inbox import routing, sla

REFUND = Facts(text="I want a REFUND for my broken charger", platform="twitter", language="en", intent="complaint",
               topic="battery and charging", stage="at risk", priority=72)


def rule(rule_id: int, position: int, conditions: Conditions, **actions: object) -> Rule:
    return Rule(rule_id=rule_id, version=1, name=f"r{rule_id}", position=position, conditions=conditions,
                actions=Actions(**actions), version_id=100 + rule_id)  # type: ignore[arg-type]


def test_each_condition_matches_and_fails_on_its_own() -> None:
    holds = {
        "intents": ("complaint",), "topics": ("battery",), "languages": ("en",), "platforms": ("twitter",),
        "keywords": ("refund",), "stages": ("at risk",), "min_priority": 70.0,
    }
    fails = {
        "intents": ("question",), "topics": ("delivery",), "languages": ("de",), "platforms": ("reddit",),
        "keywords": ("fund",), "stages": ("advocate",), "min_priority": 80.0,
    }
    for name, value in holds.items():
        assert routing.match(Conditions(**{name: value}), REFUND) is not None, name  # type: ignore[arg-type]
    for name, value in fails.items():
        assert routing.match(Conditions(**{name: value}), REFUND) is None, name  # type: ignore[arg-type]
    # every condition that is set must hold
    both = Conditions(intents=("complaint",), keywords=("refund",))
    assert routing.match(both, REFUND) == "intent is complaint; says 'refund'"
    assert routing.match(Conditions(intents=("complaint",), keywords=("parcel",)), REFUND) is None
    assert routing.match(Conditions(), REFUND) == "every case"


def test_keywords_match_whole_words_and_phrases_ignoring_case() -> None:
    facts = Facts(text="Where is my money back?? Ordered 3 weeks ago", platform="x")
    assert routing.match(Conditions(keywords=("money back",)), facts) == "says 'money back'"
    assert routing.match(Conditions(keywords=("order",)), facts) is None  # "Ordered" is another word
    assert routing.match(Conditions(keywords=("ordered",)), facts) is not None


def test_priority_condition_needs_a_known_priority() -> None:
    facts = Facts(text="hi", platform="x")
    assert routing.match(Conditions(min_priority=10), facts) is None
    assert routing.match(Conditions(min_priority=10), Facts(text="hi", platform="x", priority=10)) == "priority 10 ≥ 10"


def test_first_matching_rule_by_position_wins_with_its_reason() -> None:
    rules = [
        rule(1, 20, Conditions(intents=("complaint",)), team="support"),
        rule(2, 10, Conditions(keywords=("refund",)), team="billing", tags=("refund",), sla="urgent"),
        rule(3, 5, Conditions(platforms=("reddit",)), team="community"),
    ]
    d = routing.route(rules, REFUND)
    assert d.rule is not None and d.rule.rule_id == 2
    assert (d.team, d.tags, d.sla) == ("billing", ("refund",), "urgent")
    assert d.reason == "rule 2 'r2' (v1): says 'refund'; billing team, to the team's queue"
    assert routing.route(rules, Facts(text="hello", platform="bluesky")).reason == "no rule matched"


def members(*specs: tuple[int, str, bool, int]) -> list[Agent]:
    return [Agent(uid, name, available, load) for uid, name, available, load in specs]


def test_round_robin_takes_turns_among_available_members() -> None:
    team = members((3, "cy", True, 0), (1, "al", True, 0), (2, "bo", False, 0), (5, "di", True, 0))
    picked, last = [], None
    for _ in range(5):
        agent, _why = routing.pick_assignee(Strategy.ROUND_ROBIN, team, last_user_id=last)
        assert agent is not None
        picked.append(agent.name)
        last = agent.user_id
    assert picked == ["al", "cy", "di", "al", "cy"]  # bo is away
    none, why = routing.pick_assignee(Strategy.ROUND_ROBIN, members((1, "al", False, 0)))
    assert none is None and why == "to the team's queue: nobody in the team is available"


def test_least_loaded_picks_fewest_open_cases_ties_to_lower_id() -> None:
    team = members((1, "al", True, 4), (2, "bo", False, 0), (3, "cy", True, 2), (4, "di", True, 2))
    agent, why = routing.pick_assignee(Strategy.LEAST_LOADED, team)
    assert agent is not None and agent.name == "cy"
    assert why == "to cy (least-loaded: 2 open cases of 3 available)"


def test_fixed_assignee_only_when_available_in_the_team() -> None:
    team = members((1, "al", True, 0), (2, "bo", False, 0))
    assert routing.pick_assignee(Strategy.FIXED, team, fixed="al")[0] == team[0]
    assert routing.pick_assignee(Strategy.FIXED, team, fixed="bo") == (None, "to the team's queue: bo is not available")
    assert routing.pick_assignee(Strategy.FIXED, team, fixed="zed")[1] == "to the team's queue: zed is not in the team"


def test_route_assigns_within_the_rules_team() -> None:
    rules = [rule(1, 10, Conditions(intents=("complaint",)), team="support", strategy=Strategy.ROUND_ROBIN)]
    team = {"support": members((7, "al", True, 0), (9, "bo", True, 0))}
    d = routing.route(rules, REFUND, members=team, last_assigned={"support": 7})
    assert (d.assignee_id, d.assignee) == (9, "bo")
    assert d.reason.endswith("support team, to bo (round-robin, next of 2 available)")


def test_parsing_names_the_bad_field() -> None:
    with pytest.raises(FieldError) as bad:
        routing.parse_conditions({"intents": ["rant"]})
    assert bad.value.field == "intents"
    with pytest.raises(FieldError) as bad:
        routing.parse_conditions({"colour": ["red"]})
    assert bad.value.field == "colour"
    with pytest.raises(FieldError) as bad:
        routing.parse_conditions({"stages": ["sleepy"]}, stages=("new", "at risk"))
    assert bad.value.field == "stages"
    assert routing.parse_conditions({"stages": ["at-risk"]}, stages=("at risk",)).stages == ("at risk",)
    with pytest.raises(FieldError) as bad:
        routing.parse_actions({"strategy": "round-robin"})
    assert bad.value.field == "team"
    with pytest.raises(FieldError) as bad:
        routing.parse_actions({"team": "t", "strategy": "fixed"})
    assert bad.value.field == "assignee"
    data = {"intents": ["complaint"], "keywords": ["money back"], "min_priority": 50.0}
    assert routing.conditions_dict(routing.parse_conditions(data)) == data


# -- SLA ----------------------------------------------------------------------------

LONDON = SlaPolicy("std", 0, 240, 960, "Europe/London", sla.parse_hours("mon-fri 09:00-17:00"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_due_time_skips_nights_and_weekends() -> None:
    # Friday 23 Oct 2026 16:30 BST (15:30 UTC): 30 minutes left on Friday, the rest on Monday
    start = utc(2026, 10, 23, 15, 30)
    assert sla.due_at(start, 240, LONDON) == utc(2026, 10, 26, 12, 30)  # Mon 12:30 GMT
    assert sla.due_at(start, 960, LONDON) == utc(2026, 10, 27, 16, 30)  # Tue 16:30 GMT
    # arriving out of hours, counting starts at the next opening
    assert sla.due_at(utc(2026, 10, 24, 12, 0), 60, LONDON) == utc(2026, 10, 26, 10, 0)


def test_due_time_across_the_autumn_clock_change() -> None:
    # 09:00 stays 09:00 on the wall clock: 08:00 UTC before the change (BST), 09:00 UTC after (GMT)
    assert sla.due_at(utc(2026, 10, 23, 8, 0), 480 + 1, LONDON) == utc(2026, 10, 26, 9, 1)
    always = SlaPolicy("all", 0, 60, 60, "Europe/London")
    # 24 business hours from Sat 24 Oct 12:00 BST: the night has 25 hours, so Sun 11:00 GMT on the clock
    due = sla.due_at(utc(2026, 10, 24, 11, 0), 24 * 60, always)
    assert due == utc(2026, 10, 25, 11, 0)
    assert sla.business_minutes(utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 23, 0), always) == 24 * 60


def test_due_time_across_the_spring_clock_change_in_new_york() -> None:
    ny = SlaPolicy("ny", 0, 60, 60, "America/New_York", sla.parse_hours("mon-sun 08:00-20:00"))
    # Sat 7 Mar 2026 19:30 EST (00:30 UTC Sunday); clocks go forward on Sunday 8 Mar;
    # 60 minutes: 30 on Saturday, 30 from Sunday 08:00 EDT (12:00 UTC)
    assert sla.due_at(utc(2026, 3, 8, 0, 30), 60, ny) == utc(2026, 3, 8, 12, 30)


def test_holidays_are_closed() -> None:
    xmas = SlaPolicy("x", 0, 60, 60, "Europe/London", sla.parse_hours("mon-fri 09:00-17:00"),
                     holidays=(date(2026, 12, 25), date(2026, 12, 28)))
    # Thu 24 Dec 16:30 GMT: 30 minutes on Thursday, Friday and Monday closed, Tuesday 09:30
    assert sla.due_at(utc(2026, 12, 24, 16, 30), 60, xmas) == utc(2026, 12, 29, 9, 30)


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
       minutes=st.integers(min_value=1, max_value=5000), zone=st.sampled_from(["Europe/London", "America/New_York",
                                                                             "Australia/Sydney", "UTC"]))
def test_business_minutes_undo_due_at(start: datetime, minutes: int, zone: str) -> None:
    p = SlaPolicy("p", 0, 1, 1, zone, sla.parse_hours("mon-fri 09:00-12:30 13:30-17:30; sat 10:00-14:00"))
    begin = start.replace(tzinfo=UTC)
    due = sla.due_at(begin, minutes, p)
    assert due > begin
    assert sla.business_minutes(begin, due, p) == pytest.approx(minutes)


def test_states_on_track_near_breach_breached_met_missed() -> None:
    start = utc(2026, 10, 26, 9, 0)  # Monday 09:00 GMT
    due = sla.due_at(start, 240, LONDON)  # 13:00
    assert sla.state(utc(2026, 10, 26, 10, 0), due, 240, LONDON)[0] == sla.State.ON_TRACK
    state, why = sla.state(utc(2026, 10, 26, 12, 10), due, 240, LONDON)
    assert state == sla.State.NEAR_BREACH and why.startswith("50 min of business time left of 4 h")
    state, why = sla.state(utc(2026, 10, 26, 15, 0), due, 240, LONDON)
    assert state == sla.State.BREACHED and why.startswith("breached 2 h ago")
    assert sla.state(utc(2026, 10, 27, 9, 0), due, 240, LONDON, done_at=utc(2026, 10, 26, 12, 0))[0] == sla.State.MET
    assert sla.state(utc(2026, 10, 27, 9, 0), due, 240, LONDON, done_at=utc(2026, 10, 26, 13, 30))[0] == sla.State.MISSED


def test_policy_of_a_priority_band() -> None:
    low, mid, top = (SlaPolicy(n, m, 60, 60) for n, m in (("low", 0), ("mid", 40), ("top", 80)))
    assert sla.policy_for(55, [top, low, mid]) is mid
    assert sla.policy_for(80, [top, low, mid]) is top
    assert sla.policy_for(None, [top, mid]) is mid
    assert sla.policy_for(5, []) is None
    assert sla.policy_for(5, [top, mid]) is None  # below every band


def test_hours_in_words_both_ways_and_bad_hours_named() -> None:
    text = "mon-fri 09:00-12:30 13:30-17:30; sat 10:00-14:00"
    assert sla.hours_text(sla.parse_hours(text)) == text
    assert sla.hours_text(sla.parse_hours("24/7")) == "24/7"
    assert sla.parse_hours("fri-mon 22:00-24:00")[6] == ((1320, 1440),)  # a range may wrap the week
    for bad in ("mon-fri", "mon 17:00-09:00", "moon 09:00-17:00", "mon 09:00-12:00 11:00-13:00", "mon 09:00-25:00"):
        with pytest.raises(FieldError) as err:
            sla.parse_hours(bad)
        assert err.value.field == "hours"
    with pytest.raises(FieldError) as err:
        sla.check_policy(SlaPolicy("p", 0, 60, 30))
    assert err.value.field == "resolution"
    with pytest.raises(FieldError) as err:
        sla.check_policy(SlaPolicy("p", 0, 60, 60, "Mars/Olympus"))
    assert err.value.field == "timezone"
    assert [sla.parse_duration(v, "f") for v in ("90", "90m", "4h", "1h30m")] == [90, 90, 240, 90]


def test_a_policy_never_open_is_an_error_not_a_hang() -> None:
    every_day = tuple(date(2026, 1, 1) + timedelta(days=i) for i in range(sla.HORIZON_DAYS + 10))
    closed = SlaPolicy("c", 0, 60, 60, "UTC", holidays=every_day)
    with pytest.raises(FieldError):
        sla.due_at(utc(2026, 1, 1), 60, closed)


def test_breaches_of_each_target_once_due_and_not_after_it_is_met() -> None:
    opened = utc(2026, 10, 26, 9, 0)  # Monday 09:00 GMT: first response due 13:00, resolution Tuesday 17:00
    assert sla.targets(opened, LONDON) == (utc(2026, 10, 26, 13, 0), utc(2026, 10, 27, 17, 0))
    assert sla.breaches(utc(2026, 10, 26, 12, 59), LONDON, opened_at=opened) == []
    (first,) = sla.breaches(utc(2026, 10, 26, 14, 0), LONDON, opened_at=opened)
    assert first[:2] == ("first_response", utc(2026, 10, 26, 13, 0))
    assert first[2] == "no first response 1 h after it was due (Mon 26 Oct 13:00 GMT; std: 4 h of business time)"
    both = sla.breaches(utc(2026, 10, 27, 17, 30), LONDON, opened_at=opened)
    assert [b[0] for b in both] == ["first_response", "resolution"]
    answered = sla.breaches(utc(2026, 10, 27, 17, 30), LONDON, opened_at=opened, first_response_at=utc(2026, 10, 26, 15))
    assert [b[0] for b in answered] == ["resolution"]
    assert sla.breaches(utc(2026, 10, 27, 17, 30), LONDON, opened_at=opened, resolved_at=utc(2026, 10, 26, 16)) == []
    # a due time the case already carries (set when it was routed) is the one that counts
    early = sla.breaches(utc(2026, 10, 26, 10, 0), LONDON, opened_at=opened, first_response_due=utc(2026, 10, 26, 9, 30))
    assert [b[0] for b in early] == ["first_response"]

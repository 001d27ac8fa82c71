"""The priority rules (pure): emergencies first whatever else is true, the parts and their words, waiting steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.domain.cases import CaseStatus, check_transition, parse_status
from goodwill.errors import ConflictError, FieldError
from goodwill.inbox.priority import (
    BANDS,
    EMERGENCY,
    INTENT_ORDER,
    STAGE_POINTS,
    URGENCY_ORDER,
    Factors,
    band_of,
    prioritise,
    reason_now,
    waiting_words,
)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

factors = st.builds(
    Factors,
    urgency=st.sampled_from(URGENCY_ORDER),
    intent=st.sampled_from(INTENT_ORDER),
    sentiment=st.sampled_from(("negative", "neutral", "positive")),
    needs_response=st.booleans(),
    emergency=st.lists(st.tuples(st.sampled_from(("escalation", "leaving")), st.text(max_size=10)), max_size=2).map(tuple),
    stage=st.sampled_from((None, *STAGE_POINTS)),
    stage_reason=st.sampled_from((None, "latest message is negative after praising twice before")),
    engaged_by=st.integers(0, 10_000),
)


@given(factors, st.sampled_from((None, "safety", "money", "legal")), st.one_of(st.none(), st.integers(0, 10**7)))
def test_a_priority_s_band_is_the_band_its_score_falls_in(f: Factors, kind: str | None, waited: int | None) -> None:
    """The band stored with a case is always the band of its score (BANDS' lowest scores), so a band is
    exactly a range of scores."""
    if kind is not None:
        f = Factors(urgency="high", intent=f.intent, emergency=((kind, "words"),), stage=f.stage,
                    engaged_by=f.engaged_by)
    p = prioritise(f, None if waited is None else NOW - timedelta(seconds=waited), NOW)
    assert p.band == band_of(p.score)
    assert p.band == next(name for name, lowest in BANDS if p.score >= lowest)


@given(factors, st.integers(0, 10_000), st.sampled_from(("safety", "money", "legal")), st.integers(0, 600))
def test_an_emergency_outranks_any_other_case(other: Factors, waited_hours: int, kind: str, emergency_waited: int) -> None:
    calm = Factors(urgency="high", emergency=((kind, "some words"),))
    emergency = prioritise(calm, NOW - timedelta(seconds=emergency_waited), NOW)
    anything = prioritise(other, NOW - timedelta(hours=waited_hours), NOW)
    assert emergency.band == "emergency" and emergency.score >= EMERGENCY
    assert anything.score < emergency.score and anything.band != "emergency"


def test_the_reason_names_each_part() -> None:
    f = Factors(urgency="normal", intent="complaint", sentiment="negative", needs_response=True,
                stage="at risk", stage_reason="latest message is negative after praising twice before", engaged_by=40)
    p = prioritise(f, NOW - timedelta(hours=3, minutes=5), NOW)
    assert p.reason == "complaint, negative, advocate at risk, influential (40 people engage with them), waiting 3 h"
    assert p.score == 100 + 120 + 60 + 80 + 40 + 60 and p.band == "high"
    assert p.next_change_at == NOW + timedelta(hours=4, minutes=55)  # the 8 h step
    later = prioritise(f, NOW - timedelta(hours=8), NOW)
    assert later.score == p.score + 30
    assert prioritise(f, None, NOW).reason.endswith("waiting on the customer")


def test_urgent_without_an_emergency_reason_is_high_but_not_first() -> None:
    p = prioritise(Factors(urgency="high", intent="complaint", emergency=(("leaving", "switching to"),)), NOW, NOW)
    assert p.band == "high" and p.reason.startswith("urgent (switching to), complaint")
    # An emergency reason on a message that is not urgent is no emergency.
    assert prioritise(Factors(urgency="normal", emergency=(("safety", "smoking"),)), NOW, NOW).band != "emergency"


def test_waiting_words_and_reasons_brought_up_to_date() -> None:
    assert waiting_words(timedelta(minutes=12)) == "waiting 12 min"
    assert waiting_words(timedelta(hours=47)) == "waiting 47 h"
    assert waiting_words(timedelta(days=3, hours=2)) == "waiting 3 days"
    since = NOW - timedelta(hours=1)
    stored = prioritise(Factors(intent="question"), since, NOW).reason
    assert stored == "question, waiting 1 h"
    assert reason_now(stored, since, NOW + timedelta(hours=2)) == "question, waiting 3 h"


def test_status_transitions() -> None:
    check_transition(1, CaseStatus.NEW, CaseStatus.RESOLVED)
    check_transition(1, CaseStatus.CLOSED, CaseStatus.OPEN)
    with pytest.raises(ConflictError, match="can move to"):
        check_transition(1, CaseStatus.CLOSED, CaseStatus.WAITING)
    with pytest.raises(ConflictError, match="already"):
        check_transition(1, CaseStatus.OPEN, CaseStatus.OPEN)
    assert parse_status(" Waiting ") is CaseStatus.WAITING
    with pytest.raises(FieldError, match="choose one of new, open, waiting, resolved, closed"):
        parse_status("pending")

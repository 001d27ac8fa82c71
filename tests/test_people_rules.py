"""The stage, trust and identity rules on histories and profiles written by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from goodwill.people import (
    AccountEvidence,
    BrandSaid,
    History,
    ProfileLink,
    Said,
    Stage,
    merges,
    parse_stage,
    profile_evidence,
    reciprocity,
    same_humans,
    stage_of,
    trust,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def said(i: int, days: float, **kw: object) -> Said:
    return Said(id=i, at=ago(days), platform="twitter", **kw)  # type: ignore[arg-type]


def test_advocate_reason_names_praise_and_help() -> None:
    h = History([said(1, 20, sentiment="positive", intent="praise"), said(2, 5, sentiment="positive", intent="praise"),
                 said(3, 2, sentiment="neutral", intent="other", helped_other=True)])
    result = stage_of(h, NOW)
    assert result.stage is Stage.ADVOCATE
    assert result.reason == "praised twice this month, answered another customer's question"


def test_lapsed_after_ninety_quiet_days() -> None:
    h = History([said(1, 120, sentiment="positive", intent="praise"), said(2, 91, sentiment="positive")])
    assert stage_of(h, NOW).stage is Stage.LAPSED
    assert stage_of(h, NOW).reason == "last heard from 91 days ago"
    assert stage_of(h, ago(60)).stage is not Stage.LAPSED


def test_detractor_needs_two_negatives_outweighing_praise() -> None:
    h = History([said(1, 10, sentiment="negative", intent="complaint", answered_at=ago(9.9)),
                 said(2, 3, sentiment="negative", intent="other")])
    result = stage_of(h, NOW)
    assert result.stage is Stage.DETRACTOR
    assert result.reason == "complained once this month, negative once more"
    balanced = History([*h.said, said(3, 2, sentiment="positive", intent="praise"),
                        said(4, 1, sentiment="positive", intent="praise")])
    assert stage_of(balanced, NOW).stage is not Stage.DETRACTOR


def test_unanswered_question_puts_relationship_at_risk() -> None:
    h = History([said(1, 40, sentiment="positive", intent="praise"), said(2, 5, intent="question", sentiment="neutral")])
    result = stage_of(h, NOW)
    assert result.stage is Stage.AT_RISK
    assert result.reason == "their question from 5 days ago is still unanswered"
    answered = History([said(1, 40, sentiment="positive", intent="praise"),
                        said(2, 5, intent="question", sentiment="neutral", answered_at=ago(4.9))])
    assert stage_of(answered, NOW).stage is Stage.NEW or stage_of(answered, NOW).stage is Stage.ENGAGED


def test_negative_after_praise_and_long_silence_are_at_risk() -> None:
    turned = History([said(1, 50, sentiment="positive", intent="praise"), said(2, 1, sentiment="negative", intent="other")])
    assert stage_of(turned, NOW).reason == "latest message is negative after praising once before"
    quiet = History([said(1, 80), said(2, 70), said(3, 45)])
    assert stage_of(quiet, NOW).stage is Stage.AT_RISK
    assert stage_of(quiet, NOW).reason == "quiet since 45 days ago after 3 messages"


def test_new_and_engaged() -> None:
    assert stage_of(History([said(1, 3)]), NOW).reason == "first heard from 3 days ago, 1 message"
    h = History([said(1, 60), said(2, 10, to_brand=True), said(3, 4)])
    result = stage_of(h, NOW)
    assert result.stage is Stage.ENGAGED
    assert result.reason == "2 messages this month, replied to the brand once"
    assert stage_of(History([]), NOW).stage is Stage.NEW


def test_parse_stage() -> None:
    assert parse_stage("At-Risk") is Stage.AT_RISK
    with pytest.raises(ValueError, match="choose one of new, engaged"):
        parse_stage("fan")


def test_trust_is_the_sum_of_named_parts() -> None:
    h = History(
        said=[said(1, 20, intent="question", sentiment="neutral", answered_at=ago(19.9)),
              said(2, 19, sentiment="positive", to_brand=True),
              said(3, 10, intent="complaint", sentiment="negative", answered_at=ago(7)),
              said(4, 6, intent="question", sentiment="neutral")],
        brand=[BrandSaid(10, ago(19.9), answers=1, text="Here is the fix, thanks for asking"),
               BrandSaid(11, ago(7), answers=3, text="Sorry, a new part is on its way"),
               BrandSaid(12, ago(5), kind="repost"),
               BrandSaid(13, ago(4), kind="mention", promotional=0.9, text="Our winter sale starts now!")],
    )
    score = trust(h, NOW)
    parts = {p.name: p.points for p in score.parts}
    assert parts == {"answered fast": 2, "answered late": 1, "left waiting": -2, "thanked": 1, "credited": 2,
                     "happier after replies": 2, "pitched": -3}
    assert score.total == sum(parts.values()) == 3
    assert "1 promotional message aimed at them" in [p.words for p in score.parts]
    recip = {p.name: p.points for p in reciprocity(h, NOW).parts}
    assert recip == {"brand answers them": 2, "brand leaves them waiting": -1, "they answer the brand": 1}


def test_reciprocity_consistency() -> None:
    h = History([said(1, 9, intent="question", answered_at=ago(8.5)), said(2, 8, intent="complaint", answered_at=ago(7.9))])
    assert {p.name: p.points for p in reciprocity(h, NOW).parts}["consistent"] == 2
    h = History([said(1, 9, intent="question"), said(2, 8, intent="complaint"), said(3, 7, intent="question",
                                                                                   answered_at=ago(6))])
    assert {p.name: p.points for p in reciprocity(h, NOW).parts}["inconsistent"] == -2
    assert trust(History([]), NOW).total == 0


def test_mood_worse_after_reply_draws_on_trust() -> None:
    h = History([said(1, 5, sentiment="neutral", intent="other"), said(2, 3, sentiment="negative", intent="other")],
                [BrandSaid(9, ago(4), answers=1, text="Have you tried turning it off?")])
    assert {p.name: p.points for p in trust(h, NOW).parts} == {"unhappier after replies": -1}


def ev(i: int, person: int, platform: str, handle: str, **kw: object) -> AccountEvidence:
    return AccountEvidence(account_id=i, person_id=person, platform=platform, handle=handle, **kw)  # type: ignore[arg-type]


def test_same_did_joins_jetstream_and_search_accounts() -> None:
    a = ev(1, 1, "bluesky", "did:plc:abc", platform_user_id="did:plc:abc")
    b = ev(2, 2, "bluesky", "mara.bsky.social", platform_user_id="did:plc:abc")
    pairs = same_humans([a, b])
    assert [(p.first, p.second) for p in pairs] == [(1, 2)]
    assert "did:plc:abc" in pairs[0].reason
    assert merges([a, b], pairs) == [(1, 2, pairs[0].reason)]


def test_verified_links_join_but_one_way_claims_do_not() -> None:
    mara_tw = ev(1, 1, "twitter", "mara_rides", links=(ProfileLink("mara.example", True),))
    mara_md = ev(2, 2, "mastodon", "mara@social.example", links=(ProfileLink("mara.example", True),))
    impostor = ev(3, 3, "twitter", "mara_fan", links=(ProfileLink("social.example/@mara", False),))
    same_name = ev(4, 4, "reddit", "mara_rides")
    pairs = same_humans([mara_tw, mara_md, impostor, same_name])
    assert [(p.first, p.second) for p in pairs] == [(1, 2)]
    assert pairs[0].reason == "both profiles carry the verified link mara.example"
    # A profile linking the other's profile with a verified link, or both linking each other, joins them.
    linker = ev(5, 5, "mastodon", "sam@social.example", links=(ProfileLink("bsky.app/profile/sam.bsky.social", True),))
    sam = ev(6, 6, "bluesky", "sam.bsky.social")
    assert len(same_humans([linker, sam])) == 1
    one = ev(7, 7, "twitter", "kit", links=(ProfileLink("reddit.com/user/kit", False),))
    two = ev(8, 8, "reddit", "kit", links=(ProfileLink("twitter.com/kit", False),))
    assert [p.reason for p in same_humans([one, two])] == ["twitter @kit and reddit @kit link each other"]
    assert same_humans([one, ev(9, 9, "reddit", "kit")]) == []


def test_profile_evidence_reads_generic_and_mastodon_payloads() -> None:
    own, links = profile_evidence({"author_url": "https://twitter.com/Mara_Rides/", "author_links": [
        {"url": "https://www.mara.example/", "verified": True}, "see https://bsky.app/profile/mara.bsky.social"]})
    assert own == {"twitter.com/mara_rides"}
    assert links == [ProfileLink("mara.example", True), ProfileLink("bsky.app/profile/mara.bsky.social", False)]
    own, links = profile_evidence({"account": {"url": "https://social.example/@sam", "fields": [
        {"name": "site", "value": '<a href="https://sam.example" rel="me">sam.example</a>', "verified_at": "2026-01-01"},
        {"name": "x", "value": "not a link", "verified_at": None}]}})
    assert own == {"social.example/@sam"} and links == [ProfileLink("sam.example", True)]
    assert profile_evidence({"author_links": "nonsense"}) == (set(), [])

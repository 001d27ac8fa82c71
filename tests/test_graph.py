"""Influence, outreach and communities on small graphs whose right answers are known."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from goodwill.graph import Edges, score_by_topic, score_edges
from goodwill.graph.accounts import AccountFigures, score_accounts
from goodwill.graph.communities import find_communities

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def at(scores, name: str) -> int:
    return list(scores.accounts).index(name)


def influence(scores, name: str) -> float:
    return float(scores.influence[at(scores, name)])


def outreach(scores, name: str) -> float:
    return float(scores.outreach[at(scores, name)])


def background(n: int = 30) -> list[tuple[str, str, str, datetime]]:
    """Some ordinary chatter over six weeks, so no test graph is degenerate."""
    rng = np.random.default_rng(1)
    return [
        (f"bg{a}", f"bg{b}", ("reply", "mention", "repost", "quote")[int(rng.integers(4))], T0 + int(rng.integers(42 * 24)) * HOUR)
        for a, b in rng.integers(0, n, size=(4 * n, 2)) if a != b
    ]


def test_star_centre_is_most_influential() -> None:
    records = [(f"leaf{i}", "centre", kind, T0 + i * DAY) for i, kind in enumerate(["reply", "mention", "repost", "quote"] * 5)]
    scores = score_edges(Edges.from_records(records + background()))
    ranked = np.argsort(-scores.influence)
    assert scores.accounts[ranked[0]] == "centre"
    assert influence(scores, "centre") > 5 * influence(scores, "leaf3")
    assert influence(scores, "leaf3") == 0  # nobody engaged with a leaf
    assert scores.influence_reasons(at(scores, "centre"))[0].startswith("reposted by 5 distinct accounts over 20 days")


def test_ring_of_mutual_boosters_stays_below_an_independently_engaged_account() -> None:
    ring = [f"ring{i}" for i in range(10)]
    records = [
        (a, b, "repost", T0 + week * 7 * DAY + i * HOUR)
        for i, a in enumerate(ring) for b in ring if a != b for week in range(5)
    ]  # each ring member: 45 reposts from 9 accounts, all returned
    records += [(f"fan{i}", "author", "repost", T0 + i * 4 * DAY) for i in range(6)]  # 6 reposts, 6 strangers
    scores = score_edges(Edges.from_records(records + background()))
    assert max(influence(scores, r) for r in ring) < influence(scores, "author")
    reasons = scores.influence_reasons(at(scores, "ring0"))
    assert any("mutual boosting" in r for r in reasons), reasons
    # without the discounts a naive count would have put every ring member far ahead
    assert sum(1 for r in records if r[1] == "ring0") > 5 * sum(1 for r in records if r[1] == "author")


def test_burst_scores_below_the_same_spread_over_weeks() -> None:
    n = 40
    end = T0 + 42 * DAY
    records = [(f"crowd{i}", "bursty", "mention", end - HOUR + i * timedelta(seconds=80)) for i in range(n)]
    records += [(f"regular{i}", "steady", "mention", T0 + i * timedelta(hours=25)) for i in range(n)]
    scores = score_edges(Edges.from_records(records + background()))
    # the burst is the most recent, so time decay alone would favour it
    assert influence(scores, "bursty") < influence(scores, "steady")
    assert any("bursts" in r for r in scores.influence_reasons(at(scores, "bursty")))
    assert not any("bursts" in r for r in scores.influence_reasons(at(scores, "steady")))


def test_generous_account_with_few_followers_has_high_outreach() -> None:
    records = [("helper", f"asker{i}", "reply", T0 + i * 10 * HOUR) for i in range(30)]
    records += [("helper", f"maker{i}", "repost", T0 + i * DAY) for i in range(8)]
    records += [(f"fan{i}", "celebrity", "repost", T0 + i * HOUR) for i in range(25)]
    records += [("celebrity", "fan0", "mention", T0)]
    scores = score_edges(Edges.from_records(records + background()))
    assert scores.accounts[int(np.argmax(scores.outreach))] == "helper"
    assert outreach(scores, "helper") > 10 * outreach(scores, "celebrity")
    assert influence(scores, "helper") == 0
    assert scores.outreach_reasons(at(scores, "helper"))[:2] == [
        "replies to others 30 times (30 accounts)", "shares others' work 8 times (8 accounts)",
    ]


def test_spammer_mentioning_everyone_gains_no_influence_and_thin_outreach() -> None:
    records = [("spammer", f"bg{i % 30}", "mention", T0 + 41 * DAY + i * timedelta(seconds=10)) for i in range(300)]
    records += [("helper", f"bg{i}", "reply", T0 + (22 + i) * DAY) for i in range(20)]
    scores = score_edges(Edges.from_records(records + background()))
    assert influence(scores, "spammer") == 0
    assert outreach(scores, "spammer") < outreach(scores, "helper")  # 300 mentions in an hour < 20 answers over weeks


def test_influence_within_a_topic() -> None:
    records = [(f"a{i}", "bike_expert", "repost", T0 + i * DAY, "bikes") for i in range(10)]
    records += [(f"b{i}", "battery_expert", "repost", T0 + i * DAY, "batteries") for i in range(10)]
    records += [("a1", "battery_expert", "mention", T0, "bikes")]
    edges = Edges.from_records(records)
    by_topic = score_by_topic(edges)
    assert set(by_topic) == {"bikes", "batteries"}
    bikes = by_topic["bikes"]
    assert bikes.accounts[int(np.argmax(bikes.influence))] == "bike_expert"
    assert influence(bikes, "bike_expert") > influence(bikes, "battery_expert") > 0
    assert influence(by_topic["batteries"], "bike_expert") == 0
    assert len(edges.within_topic("nonexistent")) == 0


def test_old_interactions_count_less() -> None:
    records = [(f"old{i}", "then", "repost", T0 + i * HOUR) for i in range(10)]
    records += [(f"new{i}", "now", "repost", T0 + 120 * DAY + i * HOUR) for i in range(10)]
    scores = score_edges(Edges.from_records(records))
    assert influence(scores, "then") < 0.5 * influence(scores, "now")
    slow = score_edges(Edges.from_records(records), params=__import__("goodwill.graph", fromlist=["x"]).InfluenceParams(half_life_days=10_000))
    assert influence(slow, "then") == pytest.approx(influence(slow, "now"), rel=0.01)


def test_no_interactions_and_self_loops() -> None:
    scores = score_edges(Edges.from_records([("me", "me", "mention", T0)]))
    assert scores.influence.tolist() == [0.0] and scores.outreach.tolist() == [0.0]
    assert scores.influence_reasons(0) == ["no one engaged with it"]
    with pytest.raises(ValueError, match="unknown kind 'like'"):
        Edges.from_records([("a", "b", "like", T0)])


def test_communities_split_two_groups_and_name_their_members() -> None:
    left = [f"l{i}" for i in range(6)]
    right = [f"r{i}" for i in range(6)]
    records = [(a, b, "reply", T0 + i * HOUR) for group in (left, right) for i, a in enumerate(group) for b in group if a != b]
    records += [(f"lfan{i}", "l0", "repost", T0 + i * DAY) for i in range(4)]
    records += [("l5", "r5", "mention", T0)]
    edges = Edges.from_records(records)
    scores = score_edges(edges)
    found = find_communities(edges, scores, min_size=3)
    groups = [{edges.accounts[i] for i in c.members} for c in found]
    assert set(left) | {f"lfan{i}" for i in range(4)} in groups
    assert set(right) in groups
    left_community = next(c for c in found if "l0" in {edges.accounts[i] for i in c.members})
    assert left_community.central[0] == "l0"
    assert left_community.size == 10 and left_community.topics == []
    assert set(left_community.generous) <= set(left) | {f"lfan{i}" for i in range(4)}


# --- scoring from per-account figures -------------------------------------------------------------


def figures(rows: dict[str, dict[str, float]]) -> AccountFigures:
    names = list(rows)
    columns = {c for r in rows.values() for c in r}
    return AccountFigures(names, {c: np.array([rows[n].get(c, np.nan) for n in names], dtype=float) for c in columns})


def test_accounts_engagement_beats_followers() -> None:
    scores = score_accounts(figures({
        "celebrity": {"followers": 2_000_000, "following": 50, "listed": 30, "mentions_received": 20, "reposts_received": 15,
                      "mentions_sent": 2, "reposts_sent": 1, "posts": 400},
        "expert": {"followers": 4_000, "following": 800, "listed": 300, "mentions_received": 900, "reposts_received": 2_500,
                   "mentions_sent": 40, "reposts_sent": 60, "posts": 200},
        "helper": {"followers": 90, "following": 400, "listed": 1, "mentions_received": 3, "reposts_received": 1,
                   "mentions_sent": 700, "reposts_sent": 400, "posts": 300},
    }))
    assert influence(scores, "expert") > 3 * influence(scores, "celebrity")
    assert scores.accounts[int(np.argmax(scores.outreach))] == "helper"
    assert influence(scores, "helper") < influence(scores, "celebrity")
    assert "2,000,000 followers (counted little)" in scores.influence_reasons(at(scores, "celebrity"))


def test_accounts_small_counts_are_shrunk() -> None:
    scores = score_accounts(figures({
        "lucky": {"reposts_received": 3, "mentions_received": 1, "posts": 1},
        "proven": {"reposts_received": 3000, "mentions_received": 1000, "posts": 1000},
    }))
    assert influence(scores, "lucky") < influence(scores, "proven")  # 4 per post once is not 4 per post a thousand times


def test_accounts_unknown_is_not_zero() -> None:
    scores = score_accounts(figures({
        "unknown_followers": {"followers": np.nan, "reposts_received": 500, "mentions_received": 200, "listed": 20, "posts": 100},
        "zero_followers": {"followers": 0, "reposts_received": 500, "mentions_received": 200, "listed": 20, "posts": 100},
        "nothing": {},
    }))
    assert influence(scores, "unknown_followers") > influence(scores, "zero_followers")
    assert np.isnan(influence(scores, "nothing")) and np.isnan(outreach(scores, "nothing"))
    assert scores.influence_reasons(at(scores, "unknown_followers"))[-1] == "unknown: followers"


# --- a real graph -----------------------------------------------------------------------------------


def _higgs(name: str, kind: str) -> Edges:
    path = SHARED_DATA / "higgs_twitter" / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing: {path}")
        pytest.skip(f"shared data not found at {path}")
    data = np.loadtxt(path, dtype=np.int64)
    src, dst = np.repeat(data[:, 0], data[:, 2]), np.repeat(data[:, 1], data[:, 2])
    ids, codes = np.unique(np.concatenate([src, dst]), return_inverse=True)
    m = len(src)
    # no times in these files: all interactions on one week, spread evenly
    return Edges([str(i) for i in ids], codes[:m], codes[m:], np.full(m, ("reply", "mention", "repost", "quote").index(kind)),
                 np.linspace(0, 7 * 86_400, m))


def test_higgs_mention_network_sanity() -> None:
    edges = _higgs("higgs-mention_network.edgelist", "mention")
    scores = score_edges(edges)
    top = [scores.accounts[i] for i in np.argsort(-scores.influence)[:10]]
    assert "88" in top[:3]  # the most-mentioned account (in-weight 15,687)
    in_degree = np.bincount(edges.target[edges.source != edges.target], minlength=edges.n_accounts)
    # influence follows attention, but is not the raw count
    corr = np.corrcoef(np.log1p(in_degree), np.log1p(scores.influence))[0, 1]
    assert 0.5 < corr < 0.99

    # 50 spam accounts each mentioning 2,000 random accounts within an hour move nothing at the top
    rng = np.random.default_rng(3)
    n = edges.n_accounts
    spam = np.repeat(np.arange(n, n + 50), 2000)
    targets = rng.integers(0, n, size=len(spam))
    spammed = Edges([*edges.accounts, *(f"spam{i}" for i in range(50))],
                    np.concatenate([edges.source, spam]), np.concatenate([edges.target, targets]),
                    np.concatenate([edges.kind, np.ones(len(spam), dtype=np.int64)]),
                    np.concatenate([edges.time, np.full(len(spam), 3 * 86_400.0)]))
    after = score_edges(spammed)
    top_after = [after.accounts[i] for i in np.argsort(-after.influence)[:10]]
    assert len(set(top) & set(top_after)) >= 9
    assert after.influence[n:].max() == 0


def test_higgs_reply_network_communities() -> None:
    edges = _higgs("higgs-reply_network.edgelist", "reply")
    scores = score_edges(edges)
    found = find_communities(edges, scores, min_size=3)
    assert len(found) > 100
    sizes = [c.size for c in found]
    assert sizes == sorted(sizes, reverse=True)
    assert all(c.central for c in found[:20])

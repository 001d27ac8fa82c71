"""The pure topics core: clusters with known groups, keyphrase labels, alerts on
a real rise and not on noise, share of voice counts."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from goodwill.topics.cluster import find_topics
from goodwill.topics.trends import NEGATIVE, VOLUME, Series, daily, detect
from goodwill.topics.voice import pattern, share_of_voice

VOCAB = {
    "battery": "battery charge charger range cell dies drained volts charging hours".split(),
    "delivery": "delivery order shipped courier tracking parcel late arrived package warehouse".split(),
    "brakes": "brakes brake pads squeak lever hydraulic rotor stopping descent bleed".split(),
}
FILLER = "my the is again today really so help please why still bike ebike".split()


def synthetic(per_group: int = 60, seed: int = 1) -> tuple[list[str], list[int]]:
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for g, words in enumerate(VOCAB.values()):
        for _ in range(per_group):
            picked = [*rng.choice(words, 4, replace=False), *rng.choice(FILLER, 3, replace=False)]
            rng.shuffle(picked)
            texts.append(" ".join(picked) + " @halcyonbikes https://example.com/x")
            truth.append(g)
    return texts, truth


def test_known_groups_are_found_and_labelled_by_their_words() -> None:
    texts, truth = synthetic()
    found = find_topics(texts)
    assert len(found.topics) == 3
    assert adjusted_rand_score(truth, found.assignment) > 0.95
    for topic in found.topics:
        group = list(VOCAB)[truth[int(found.members(topic.id)[0])]]
        assert set(topic.keyphrases[:3]) <= set(VOCAB[group]), topic.keyphrases
        assert "halcyonbikes" not in " ".join(topic.keyphrases)  # handles and links are not subjects
        assert topic.size == 60


def test_given_k_and_an_embedding_function() -> None:
    texts, truth = synthetic(30)

    def embed(batch):  # a stand-in encoder: one axis per group's vocabulary
        return np.asarray([[sum(w in VOCAB[g] for w in t.split()) for g in VOCAB] for t in batch], dtype=float)

    found = find_topics(texts, k=3, embed=embed)
    assert adjusted_rand_score(truth, found.assignment) == 1.0


def test_nothing_to_cluster() -> None:
    assert find_topics([]).topics == []
    empty = find_topics(["", "https://a.example @x", "12 34"])
    assert empty.topics == [] and list(empty.assignment) == [-1, -1, -1]


def noise(days: int, mean: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekly = 1 + 0.3 * np.sin(np.arange(days) * 2 * np.pi / 7)  # busier weekdays
    return rng.poisson(mean * weekly)


def test_a_real_rise_raises_a_volume_alert_with_its_day() -> None:
    counts = noise(60, 12, seed=3)
    counts[55] = 45
    first = date(2026, 1, 1)
    series = Series(first, counts[None, :].astype(np.int64), np.zeros((1, 60), dtype=np.int64))
    alerts = detect(series)
    assert [(a.kind, a.day) for a in alerts] == [(VOLUME, first + timedelta(days=55))]
    assert alerts[0].observed == 45 and 5 < alerts[0].expected < 25 and alerts[0].p_value < 1e-6
    assert "45 messages" in alerts[0].describe()


def test_normal_noise_raises_no_alert() -> None:
    counts = np.stack([noise(90, m, 10 + i) for i, m in enumerate((0.5, 4, 30, 200))])
    negatives = np.random.default_rng(1).binomial(counts, 0.2)
    assert detect(Series(date(2026, 1, 1), counts.astype(np.int64), negatives.astype(np.int64))) == []


def test_false_alarms_stay_near_one_in_a_thousand_days() -> None:
    false_alarms = 0
    for seed in range(25):  # 25 workspaces of 4 topics over 90 days: 2,075 days looked at
        counts = np.stack([noise(90, m, seed * 10 + i) for i, m in enumerate((0.5, 4, 30, 200))])
        negatives = np.random.default_rng(seed).binomial(counts, 0.2)
        false_alarms += len(detect(Series(date(2026, 1, 1), counts.astype(np.int64), negatives.astype(np.int64))))
    assert false_alarms <= 5


def test_a_rise_in_negative_share_alerts_even_at_normal_volume() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(20, 40)
    negatives = rng.binomial(counts, 0.1)
    negatives[39] = counts[39] - 1  # nearly all negative, the volume normal
    alerts = detect(Series(date(2026, 3, 1), counts[None, :].astype(np.int64), negatives[None, :].astype(np.int64)))
    assert [a.kind for a in alerts] == [NEGATIVE]
    assert alerts[0].observed > 0.8 and alerts[0].expected < 0.2


def test_a_new_topic_bursting_from_nothing_alerts() -> None:
    counts = np.zeros(30, dtype=np.int64)
    counts[29] = 8
    assert [a.kind for a in detect(Series(date(2026, 1, 1), counts[None, :], np.zeros((1, 30), dtype=np.int64)))] == [VOLUME]


def test_daily_counts_per_topic() -> None:
    d = date(2026, 2, 1)
    series = daily(np.array([0, 0, 1, -1, 1]), [d, d + timedelta(days=2), d, d, d + timedelta(days=2)],
                   np.array([True, False, False, True, True]), 2)
    assert series.first == d and series.days == [d, d + timedelta(days=1), d + timedelta(days=2)]
    assert series.messages.tolist() == [[1, 0, 1], [1, 0, 1]]
    assert series.negative.tolist() == [[1, 0, 0], [0, 0, 1]]


def test_share_of_voice_counts_each_name_per_week() -> None:
    monday = date(2026, 3, 2)
    texts = [
        "Love my Halcyon Bikes commuter",          # brand
        "@halcyonbikes vs #Voltway, which one?",    # both
        "voltway support is slow",                  # competitor
        "halcyonic vibes",                          # not a whole word: nothing
        "Rivet Cycles rides nicer than HalcyonBikes",  # both (another competitor and the brand)
        "nothing to see",
    ]
    days = [monday, monday + timedelta(days=1), monday + timedelta(days=6), monday, monday + timedelta(days=7), monday]
    rows = share_of_voice(texts, days, ["Halcyon Bikes", "@halcyonbikes"],
                          {"Voltway": ["Voltway"], "Rivet Cycles": ["Rivet Cycles"]}, brand_name="Halcyon Bikes")
    table = {(r.period, r.name): (r.mentions, round(r.share, 3)) for r in rows}
    assert table[(monday, "Halcyon Bikes")] == (2, 0.5)
    assert table[(monday, "Voltway")] == (2, 0.5)
    assert table[(monday, "Rivet Cycles")] == (0, 0.0)
    nxt = monday + timedelta(days=7)
    assert table[(nxt, "Halcyon Bikes")] == (1, 0.5) and table[(nxt, "Rivet Cycles")] == (1, 0.5)
    assert rows[0].is_brand and rows[0].name == "Halcyon Bikes"


def test_name_pattern_needs_whole_words() -> None:
    p = pattern(["Rivet Cycles"])
    assert p.search("rivet   cycles rock") and p.search("#rivetcycles") and not p.search("rivetcyclesx")
    with pytest.raises(ValueError, match="period"):
        share_of_voice(["a"], [date(2026, 1, 1)], ["a"], {}, by="month")

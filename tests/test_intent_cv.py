"""The intent offsets: chosen by coordinate search on out-of-fold scores, applied to the intent columns' biases."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from goodwill.domain.signals import INTENTS
from goodwill.understand.heads import COMPLAINT, HeadScores
from goodwill.understand.training import care, intent_cv, sets, train_heads


def _raw(rows: list[tuple[str, float]]) -> np.ndarray:
    """Raw scores where each row leans toward `label` by `margin` (complaint column strongly negative)."""
    raw = np.full((len(rows), COMPLAINT + 1), -5.0, dtype=np.float32)
    for r, (label, margin) in enumerate(rows):
        raw[r, INTENTS.index(label)] = margin
    return raw


def test_offsets_move_the_rare_intent_back_into_view() -> None:
    # Purchase-intent messages score just below "question": without offsets none is found.
    rows = [("question", 1.0)] * 20 + [("purchase_intent", -0.3)] * 10
    raw = _raw(rows)
    raw[20:, INTENTS.index("question")] = 0.2
    gold = ["question"] * 20 + ["purchase_intent"] * 10
    assert intent_cv.predict(raw, [0.0] * len(INTENTS)).count("purchase_intent") == 0
    offsets = intent_cv.choose(gold, raw)
    assert offsets[INTENTS.index("complaint")] == 0.0
    assert intent_cv.macro_f1(gold, raw, offsets) == pytest.approx(1.0)
    assert intent_cv.macro_f1(gold, raw, offsets) > intent_cv.macro_f1(gold, raw, [0.0] * len(INTENTS))


def test_the_complaint_decision_keeps_its_own_shift() -> None:
    x = np.eye(4, dtype=np.float32)
    with pytest.raises(ValueError, match="COMPLAINT_SHIFT"):
        train_heads.fit_heads(x, [], 0.5, 0.0, np.ones((4, 3), dtype=np.float32), {"complaint": 1.0})


def test_the_shipped_offsets_name_only_non_complaint_intents() -> None:
    for offsets in train_heads.INTENT_OFFSETS.values():
        assert set(offsets) <= set(INTENTS) - {"complaint"}
    # The offsets act inside the softmax of the five other intents; p(complaint) is left as it is.
    raw = _raw([("question", 0.5), ("other", 0.1)])
    shifted = raw.copy()
    shifted[:, INTENTS.index("other")] += 1.0
    assert np.allclose(HeadScores.from_raw(raw).intent[:, INTENTS.index("complaint")],
                       HeadScores.from_raw(shifted).intent[:, INTENTS.index("complaint")])


def _care(gold: list[str], cued: list[bool]) -> list[sets.Item]:
    return [sets.Item(f"message {n}", "care", label, None, None, cued=c) for n, (label, c) in enumerate(zip(gold, cued, strict=True))]


def test_offsets_are_chosen_and_scored_on_the_random_sample_only() -> None:
    # Random items: questions that score a little above suggestion. Cued items (drawn by cue phrases, twice
    # as many): suggestions that score the same way. Choosing on them too pushes suggestion up and turns
    # the random sample's questions into suggestions.
    raw = _raw([("question", 1.0)] * 60)
    raw[:, INTENTS.index("suggestion")] = 0.5
    gold = ["question"] * 20 + ["suggestion"] * 40
    care = _care(gold, [False] * 20 + [True] * 40)
    result = intent_cv.report(care, {"encoder": raw})
    assert result["n"] == 20 and result["n_cued"] == 40
    assert result["counts"]["question"] == 20 and result["counts"]["suggestion"] == 0
    r = result["encoder"]
    assert r["offsets"]["suggestion"] == 0.0
    assert r["nested"]["f1"] == {"question": 1.0}
    assert set(intent_cv.predict(raw[:20], intent_cv.choose(gold, raw))) == {"suggestion"}
    assert r["nested_chosen_with_cued"]["f1"] == {"question": 0.0}


def test_the_blend_share_takes_from_each_head_what_it_gets_right() -> None:
    # The fast head gets the questions right and leans wrong on the praise; the encoder head the reverse, and
    # each is surer where it is right: a blend gets both, either head alone only half.
    gold = ["question"] * 10 + ["praise"] * 10
    fast = _raw([("question", 3.0)] * 10 + [("question", 0.5)] * 10)
    fast[10:, INTENTS.index("praise")] = 0.0
    encoder = _raw([("praise", 0.5)] * 10 + [("praise", 3.0)] * 10)
    encoder[:10, INTENTS.index("question")] = 0.0
    raw = {"fast": fast, "encoder": encoder}
    assert intent_cv.blend(raw, 0.0) == ["question"] * 20 and intent_cv.blend(raw, 1.0) == ["praise"] * 20
    share = intent_cv.choose_share(gold, raw)
    assert 0.0 < share < 1.0 and intent_cv.blend(raw, share) == gold
    care = _care(gold, [False] * 20)
    blended = intent_cv.report(care, raw)["blend"]
    assert blended["share"] == share and blended["by_share"]["0.0"]["macro_f1"] < 0.5
    assert 0.0 <= train_heads.ENCODER_INTENT_SHARE <= 1.0


def test_the_shipped_heads_blend_intents_by_their_shares() -> None:
    from goodwill.understand import heads

    model = heads.load()
    assert model.encoder_intent_share == train_heads.ENCODER_INTENT_SHARE
    assert model.complaint_share == train_heads.ENCODER_COMPLAINT_SHARE
    fast = np.array([[0.7, 0.1, 0.1, 0.05, 0.03, 0.02]], dtype=np.float32)
    encoder = np.array([[0.1, 0.7, 0.1, 0.05, 0.03, 0.02]], dtype=np.float32)
    mixed = model.blend_intent(fast, encoder)
    complaint = INTENTS.index("complaint")
    s_c = model.complaint_share
    assert np.isclose(mixed[0, complaint], s_c * encoder[0, complaint] + (1 - s_c) * fast[0, complaint])
    assert np.allclose(mixed.sum(axis=1), 1.0)


def _rows(n: int, seed: int) -> np.ndarray:
    """`n` random rows of intent probabilities (each sums to 1), some with p(complaint) near 0 or 1."""
    rows = np.random.default_rng(seed).dirichlet(np.full(len(INTENTS), 0.5), size=n).astype(np.float32)
    rows[0] = np.eye(len(INTENTS), dtype=np.float32)[INTENTS.index("complaint")]
    return rows


def test_the_blend_gives_p_complaint_its_own_share_and_rows_that_sum_to_one() -> None:
    from goodwill.understand.heads import blend

    fast, encoder = _rows(50, 1), _rows(50, 2)
    complaint = INTENTS.index("complaint")
    for share, s_c in ((0.3, 0.3), (0.3, 0.5), (0.3, 1.0), (0.0, 1.0), (1.0, 0.0)):
        mixed = blend(fast, encoder, share, s_c)
        np.testing.assert_allclose(mixed.sum(axis=1), 1.0, atol=1e-5)
        assert (mixed >= 0).all()
        np.testing.assert_allclose(mixed[:, complaint], s_c * encoder[:, complaint] + (1 - s_c) * fast[:, complaint], atol=1e-6)
    # s_c = 1: p(complaint) is the encoder head's, whatever the share of the other intents.
    np.testing.assert_allclose(blend(fast, encoder, 0.3, 1.0)[:, complaint], encoder[:, complaint], atol=1e-7)
    # Equal shares: the plain mix of the two rows, as before p(complaint) had a share of its own.
    np.testing.assert_allclose(blend(fast, encoder, 0.3, 0.3), 0.3 * encoder + 0.7 * fast, atol=1e-6)


def test_heads_written_without_a_complaint_share_blend_p_complaint_by_the_intent_share() -> None:
    from dataclasses import replace

    from goodwill.understand import heads

    old = replace(heads.load(), encoder_complaint_share=None)
    again = heads.Heads.from_bytes(old.to_bytes())
    assert again.encoder_complaint_share is None and again.complaint_share == old.encoder_intent_share
    fast, encoder = _rows(20, 3), _rows(20, 4)
    share = old.encoder_intent_share
    np.testing.assert_allclose(again.blend_intent(fast, encoder), share * encoder + (1 - share) * fast, atol=1e-6)
    assert heads.Heads.from_bytes(heads.load().to_bytes()).complaint_share == train_heads.ENCODER_COMPLAINT_SHARE


def test_the_cued_sample_is_marked_in_the_training_items() -> None:
    assert sets.Item("x", "care", "question", None, None).cued is False


def test_tweet_acts_weak_questions_teach_needs_response_only(shared_data: Path) -> None:
    weak = sets.weak_items(shared_data)
    with open(care.LABELS_DIR / "intent.csv", encoding="utf-8", newline="") as f:
        dropped = sum(r["split"] == "train" and (r["dataset"], r["intent"]) in sets.WEAK_INTENT_DROPPED for r in csv.DictReader(f))
    left_out = [i for i in weak if i.intent is None]
    assert dropped > 400 and len(left_out) == dropped
    assert all(i.needs is not None and i.complaint is None for i in left_out)
    # TWCS questions (to brands) keep their label.
    assert sum(i.intent == "question" for i in weak) > 300
    items = sets.training(shared_data)
    assert any(i.source == "weak" and i.intent is None for i in items)
    assert train_heads._head_rows([i for i in items if i.source == "weak" and i.intent is None], "intent")[0].size == 0


def test_needs_share_scores_the_fast_head_at_0_and_the_encoder_head_where_it_reads_at_1() -> None:
    from goodwill.understand.training import needs_share

    gold = [True, True, False, False]
    fast = np.array([0.9, 0.2, 0.7, 0.1], dtype=np.float32)
    encoder = np.array([0.0, 0.8, 0.2, 0.9], dtype=np.float32)
    gate = np.array([False, True, True, False])  # the encoder reads rows 1 and 2 only
    scores = needs_share.by_share(gold, fast, encoder, gate)
    # At 0 the fast head decides everywhere (rows 0 and 2 flagged); at 1 the encoder head decides where it
    # reads (rows 1 flagged, 2 not) and the fast head elsewhere (row 0 flagged, row 3 not).
    assert (scores[0.0]["precision"], scores[0.0]["recall"]) == (0.5, 0.5)
    assert (scores[1.0]["precision"], scores[1.0]["recall"]) == (1.0, 1.0)
    assert set(scores) == set(needs_share.SHARES)


def test_the_weak_labels_held_out_split_is_read_on_its_own(shared_data: Path) -> None:
    with open(care.LABELS_DIR / "intent.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    held = sets.weak_items(shared_data, "heldout")
    assert 0 < len(held) <= sum(r["split"] == "heldout" for r in rows)
    assert len(held) + len(sets.weak_items(shared_data)) <= len(rows)
    assert {i.needs for i in held} == {True, False}
    with pytest.raises(ValueError, match="split must be train or heldout, not 'test'"):
        sets.weak_items(shared_data, "test")

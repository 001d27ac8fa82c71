"""The intent offsets: chosen by coordinate search on out-of-fold scores, applied to the intent columns' biases."""

from __future__ import annotations

import numpy as np
import pytest

from goodwill.domain.signals import INTENTS
from goodwill.understand.heads import COMPLAINT, HeadScores
from goodwill.understand.training import intent_cv, train_heads


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

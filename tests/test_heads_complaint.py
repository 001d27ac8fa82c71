"""The complaint column of the intent heads, the held-out split of complaints_uva2015 and the cross-domain folds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from goodwill.domain.signals import INTENTS
from goodwill.understand import heads
from goodwill.understand.features import LinearModel
from goodwill.understand.heads import COMPLAINT, HeadScores
from goodwill.understand.training import crossdomain, sets


def test_the_complaint_column_decides_p_complaint_and_the_rest_share_what_is_left() -> None:
    raw = np.zeros((3, len(heads.COLUMNS)), dtype=np.float32)
    raw[:, INTENTS.index("question")] = [3.0, 3.0, 0.0]
    raw[:, INTENTS.index("complaint")] = 10.0  # the six-way complaint column does not decide
    raw[:, COMPLAINT] = [4.0, -4.0, 0.0]
    scores = HeadScores.from_raw(raw)
    np.testing.assert_allclose(scores.intent.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(scores.intent[:, INTENTS.index("complaint")], 1 / (1 + np.exp(-raw[:, COMPLAINT])), atol=1e-6)
    assert [INTENTS[k] for k in scores.intent.argmax(axis=1)] == ["complaint", "question", "complaint"]
    # With p(complaint) 0.5, the other five share 0.5 evenly when their columns are equal.
    np.testing.assert_allclose(np.delete(scores.intent[2], INTENTS.index("complaint")), 0.1, atol=1e-6)


def test_the_shipped_heads_have_the_complaint_column_and_explain_a_complaint_by_it() -> None:
    model = heads.load()
    assert model.fast.weights.shape[1] == len(heads.COLUMNS) == len(INTENTS) + 3
    text = "@telco_care the internet has dropped out every evening this week, useless"
    reasons = model.reasons(text, INTENTS.index("complaint"))
    assert reasons and all(r in text for r in reasons)
    vocab = model.fast.vocabulary
    assert all(model.fast.weights[vocab[r], COMPLAINT] > 0.5 for r in reasons)


def test_heads_of_the_old_layout_are_refused() -> None:
    model = heads.load()
    fast = LinearModel(model.fast.vocabulary, model.fast.weights[:, :-1], model.fast.heads, model.fast.version)
    ngrams = LinearModel(model.fast.vocabulary, model.encoder_ngrams.weights[:, :-1], model.fast.heads, model.fast.version)
    old = heads.Heads(fast, ngrams, model.encoder_dense[:, :-1], model.encoder_name, model.version, model.thresholds)
    with pytest.raises(ValueError, match="8 columns, expected 9"):
        heads.Heads.from_bytes(old.to_bytes())


def test_uva_train_and_test_parts_share_no_text_and_training_holds_no_held_out_text(shared_data: Path) -> None:
    train = sets.uva_items(shared_data, "train")
    test = sets.uva_items(shared_data, "test")
    assert 2000 < len(train) < 2600 and 1900 < len(test) < 2400
    assert not {sets.key(i.text) for i in train} & {sets.key(i.text) for i in test}
    assert {i.domain for i in test} == {"airline", "telecom"}
    assert all(i.intent is None and i.is_complaint is not None for i in test)
    assert 0.2 < np.mean([bool(i.complaint) for i in test]) < 0.4
    items = sets.training(shared_data)
    held = sets.held_out(shared_data)
    assert not any(sets.key(i.text) in held for i in items)
    assert {i.source for i in items} == {"care", "weak", "tweetsumm", "suggestions", "uva"}
    # A retweet is matched to the text it repeats.
    assert sets.key("RT @delta: Flight 12 is late again!") == sets.key("flight 12 is LATE again")


def test_industry_is_read_from_the_brand_handles() -> None:
    assert sets.industry("@AmericanAir lost my bag") == "airline"
    assert sets.industry("@comcastcares my internet is down") == "telecom"
    assert sets.industry("@AppleSupport my phone froze") == "other"
    assert sets.industry("I flew with delta today") == "other"  # a name without @ is not a handle


def test_each_fold_trains_without_the_domain_it_tests(shared_data: Path) -> None:
    pool = sets.training(shared_data)
    for name in crossdomain.FOLDS:
        train, test = crossdomain.fold(pool, name)
        assert len(test) > 500 and len(train) > 10000
        assert any(i.complaint for i in test) and not all(i.complaint for i in test)
        train_keys = {sets.key(i.text) for i in train}
        assert not any(sets.key(i.text) in train_keys for i in test)
        if name == "tweetsumm":
            assert not any(i.source == "tweetsumm" for i in train)
        else:
            assert not any(i.domain == name for i in train)
            assert all(i.source == "uva" and i.domain == name for i in test)


def test_the_folds_score_the_blend_at_each_complaint_share() -> None:
    complaint = INTENTS.index("complaint")
    fast = np.full((4, len(INTENTS)), 0.1, dtype=np.float32)
    fast[:, complaint] = [0.2, 0.2, 0.8, 0.8]  # the fast head misses the first two complaints
    encoder = np.full((4, len(INTENTS)), 0.1, dtype=np.float32)
    encoder[:, complaint] = [0.9, 0.9, 0.9, 0.02]  # the encoder head finds them and rejects the last
    fast /= fast.sum(axis=1, keepdims=True)
    encoder /= encoder.sum(axis=1, keepdims=True)
    reports = crossdomain.blend_reports([True, True, True, False], fast, encoder)
    assert list(reports) == [str(c) for c in crossdomain.COMPLAINT_SHARES]
    assert reports["1.0"]["f1"] == pytest.approx(1.0) and reports["0.3"]["f1"] < reports["1.0"]["f1"]

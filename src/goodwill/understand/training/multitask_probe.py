"""A measurement, not a model: would fine-tuning the shared encoder on intents as well as sentiment help the encoder head?

    python -m goodwill.understand.training.multitask_probe finetune [--sentiment-limit N] [--stop-at HH:MM] [--intent-weight W]
    python -m goodwill.understand.training.multitask_probe compare [--encoders shipped,multitask]

``finetune`` tunes all-MiniLM-L6-v2 from its base weights for one epoch on
several tasks at once: the sentiment pool `train_sentiment` fine-tunes on
(SemEval 2013-2016, `_data.sentiment_train`) and the intent training items
(`sets.training`), mean-pooled, one linear head per task (sentiment 3-way,
intent 6-way, complaint yes/no, needs_response yes/no). The loss of a batch
is the sum of the cross-entropies of the tasks some of its items carry, the
three intent tasks' each times `--intent-weight` (default 1). The
recipe is `_finetune.finetune`'s (batch 32, lr 8e-5, 6% warm-up, linear
decay, 64 word pieces). The checkpoint goes to ``build/multitask/``.

``compare`` fits the encoder head's intent and complaint columns (n-grams
plus `train_heads.EMBEDDING_SCALE` times the embedding, `train_heads.C_ENCODER`,
no sentiment features) once on the shipped ONNX encoder's vectors and once
on the multi-task model's, and scores both on two pieces neither the
fine-tuning nor the heads saw:

- the care items of `intent_cv`'s fold 0 (the random sample's only, as
  `intent_cv` scores; the cued ones are left out of training too);
- complaints_uva2015's ``telecom_set1``; as in `crossdomain`'s telecom
  fold, every training item addressed to a telecom is left out as well.

It also gives TweetEval **val** macro-recall of each encoder's sentiment
head alone (argmax, no offsets). The held-out sets of `quality_bench` are
never read (`sets.training` removes their texts; TweetEval test is not
opened).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand._textnorm import normalize
from goodwill.understand.heads import HeadScores
from goodwill.understand.training import _data, embeddings, sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.intent_cv import fold_of
from goodwill.understand.training.train_heads import (
    C_ENCODER,
    EMBEDDING_SCALE,
    binary_report,
    fit_columns,
    intent_report,
    ngram_matrix,
    raw_scores,
)
from goodwill.understand.training.train_sentiment import log, macro_recall

Floats = npt.NDArray[np.float32]
#: The tasks and their number of classes; -100 marks a label an example does not carry.
TASKS = {"sentiment": 3, "intent": len(INTENTS), "complaint": 2, "needs_response": 2}
MISSING = -100
HELD_OUT_DOMAIN = "telecom"
WORK_DIR = Path("build/multitask")
SEED = 13


def held_out_fold(item: sets.Item) -> bool:
    """A care item of `intent_cv`'s fold 0 (cued or not)."""
    return item.source == "care" and fold_of(item) == 0


def split(data: Path) -> tuple[list[sets.Item], list[sets.Item], list[sets.Item]]:
    """(training items, the scored care fold-0 random items, telecom_set1's items)."""
    pool = sets.training(data)
    train = [i for i in pool if not held_out_fold(i) and i.domain != HELD_OUT_DOMAIN]
    care0 = [i for i in pool if held_out_fold(i) and not i.cued]
    telecom = [i for i in pool if i.source == "uva" and i.domain == HELD_OUT_DOMAIN]
    return train, care0, telecom


def _labels(item: sets.Item) -> list[int]:
    """The item's label per task (`TASKS` order), `MISSING` where its set does not say."""
    complaint, needs = item.complaint, item.needs
    return [MISSING, INTENTS.index(item.intent) if item.intent is not None else MISSING,
            MISSING if complaint is None else int(complaint), MISSING if needs is None else int(needs)]


def examples(data: Path, sentiment_limit: int | None) -> tuple[list[str], list[list[int]]]:
    """The fine-tuning texts (normalised as the encoder reads them) and their labels per task: the
    sentiment pool (less any text of the held-out pieces; a seeded sample of `sentiment_limit` if given)
    and the training intent items."""
    train, care0, telecom = split(data)
    held = {sets.key(i.text) for i in care0 + telecom} | {sets.key(i.text) for i in sets.training(data) if held_out_fold(i)}
    texts, labels = _data.sentiment_train(data)
    pool = [(t, y) for t, y in zip(texts, labels, strict=True) if sets.key(t) not in held]
    if sentiment_limit is not None and sentiment_limit < len(pool):
        pool = random.Random(SEED).sample(pool, sentiment_limit)
    out_texts = [t for t, _ in pool] + [normalize(i.text) for i in train]
    out_labels = [[y, MISSING, MISSING, MISSING] for _, y in pool] + [_labels(i) for i in train]
    return out_texts, out_labels


def build_model() -> Any:
    """All-MiniLM-L6-v2 from its base weights, mean-pooled, with one linear head per task."""
    import torch
    from transformers import AutoModel

    from goodwill.understand.training._finetune import base_model_path

    class MultiTask(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_model_path()))
            hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(0.1)
            self.heads = torch.nn.ModuleDict({task: torch.nn.Linear(hidden, n) for task, n in TASKS.items()})

        def pooled(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            return (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)

        def forward(self, input_ids: Any, attention_mask: Any) -> dict[str, Any]:
            pooled = self.dropout(self.pooled(input_ids, attention_mask))
            return {task: head(pooled) for task, head in self.heads.items()}

    return MultiTask()


def finetune(texts: Sequence[str], labels: Sequence[Sequence[int]], work_dir: Path, *, stop_at: float | None = None,
             intent_weight: float = 1.0, lr: float = 8e-5, batch_size: int = 32, threads: int = 2) -> dict[str, Any]:
    """One epoch of multi-task fine-tuning (the recipe of `_finetune.finetune`); stops early at `stop_at`
    (a Unix time). `intent_weight` scales the intent, complaint and needs_response losses against sentiment's.
    Writes ``multitask.pt`` and returns what ran."""
    import torch

    from goodwill.understand.training._finetune import MAX_TOKENS, _batches, load_tokenizer, optimiser, padded

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    work_dir.mkdir(parents=True, exist_ok=True)
    tokenizer, model = load_tokenizer(), build_model()
    ids: list[list[int]] = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    y = torch.tensor([list(row) for row in labels], dtype=torch.long)
    batches = _batches([len(s) for s in ids], batch_size, random.Random(SEED))
    total = len(batches)
    opt, sched = optimiser(model, lr, total, 0.06)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=MISSING)
    model.train()
    t0, running, done = time.time(), 0.0, 0
    for b, idx in enumerate(batches):
        if stop_at is not None and time.time() >= stop_at:
            log(f"stopped at step {b} of {total} (time limit)")
            break
        logits = model(*padded([ids[i] for i in idx], int(tokenizer.pad_token_id)))
        target = y[idx]
        loss = sum((1.0 if task == "sentiment" else intent_weight) * loss_fn(logits[task], target[:, k])
                   for k, task in enumerate(TASKS) if bool((target[:, k] != MISSING).any()))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running += float(loss.detach())
        done = b + 1
        if done % 100 == 0:
            log(f"step {done}/{total} loss {running / 100:.4f} {(time.time() - t0) / done:.2f} s/step")
            running = 0.0
    torch.save(model.state_dict(), work_dir / "multitask.pt")
    run = {"examples": len(texts), "steps": done, "steps_planned": total, "intent_weight": intent_weight,
           "seconds": round(time.time() - t0)}
    (work_dir / "run.json").write_text(json.dumps(run) + "\n")
    return run


def load_model(work_dir: Path) -> Any:
    import torch

    model = build_model()
    model.load_state_dict(torch.load(work_dir / "multitask.pt", map_location="cpu", weights_only=True))
    return model.eval()


def model_outputs(model: Any, texts: Sequence[str], batch_size: int = 64, threads: int = 2) -> tuple[Floats, Floats]:
    """The multi-task model's mean-pooled vectors (float32) and sentiment logits of `texts` (normalised first)."""
    import torch

    from goodwill.understand.training._finetune import MAX_TOKENS, load_tokenizer

    torch.set_num_threads(threads)
    tokenizer = load_tokenizer()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = np.zeros((len(texts), 384), dtype=np.float32)
    sentiment = np.zeros((len(texts), TASKS["sentiment"]), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer([normalize(texts[i]) or " " for i in idx], padding=True, truncation=True, max_length=MAX_TOKENS,
                            return_tensors="pt")
            pooled = model.pooled(enc["input_ids"], enc["attention_mask"])
            vectors[idx] = pooled.float().numpy()
            sentiment[idx] = model.heads["sentiment"](pooled).float().numpy()
    return vectors, sentiment


def score_heads(train: Sequence[sets.Item], pieces: dict[str, Sequence[sets.Item]], vectors: dict[str, Floats]) -> dict[str, Any]:
    """Fit the encoder head's intent and complaint columns on `train` and score each piece.
    `vectors` holds the embedding of "train" and of each piece's texts."""
    from scipy.sparse import hstack

    from goodwill.understand.features import build_vocabulary

    texts = [i.text for i in train]
    vocab = build_vocabulary(texts)
    x = hstack([ngram_matrix(texts, vocab), EMBEDDING_SCALE * vectors["train"]]).tocsr()
    weights = fit_columns(x, train, C_ENCODER, only=("intent", "complaint"))
    out: dict[str, Any] = {}
    for name, items in pieces.items():
        xt = hstack([ngram_matrix([i.text for i in items], vocab), EMBEDDING_SCALE * vectors[name]]).tocsr()
        raw = raw_scores(weights, xt)
        pred = [INTENTS[k] for k in HeadScores.from_raw(raw).intent.argmax(axis=1)]
        part: dict[str, Any] = {"n": len(items),
                                "complaint": binary_report([bool(i.complaint) for i in items], [p == "complaint" for p in pred])}
        if all(i.intent is not None for i in items):
            part["intent"] = intent_report([str(i.intent) for i in items], pred)
        out[name] = part
    return out


def compare(data: Path, encoders: Sequence[str], work_dir: Path) -> dict[str, Any]:
    """Each encoder's head scores on the two held-out pieces and its sentiment head's TweetEval val macro-recall."""
    train, care0, telecom = split(data)
    pieces: dict[str, Sequence[sets.Item]] = {"care_fold0_random": care0, "telecom_set1": telecom}
    texts = {"train": [i.text for i in train], **{name: [i.text for i in items] for name, items in pieces.items()}}
    val_texts, val_gold = _data.tweeteval_split("sentiment", "val")
    out: dict[str, Any] = {"train": len(train), "counts": {
        "care_fold0_random": {label: sum(i.intent == label for i in care0) for label in INTENTS},
        "telecom_set1": {"complaints": sum(bool(i.complaint) for i in telecom)}},
        "always_complaint_telecom_f1": binary_report([bool(i.complaint) for i in telecom], [True] * len(telecom))["f1"]}
    for name in encoders:
        t0 = time.time()
        if name == "shipped":
            from goodwill.understand import sentiment

            vectors = {part: embeddings.embed(ts, progress=False) for part, ts in texts.items()}
            val_logits = np.asarray(sentiment.load_accurate().head(embeddings.shared_encoder()(val_texts)), dtype=np.float32)
        else:
            model = load_model(work_dir)
            vectors = {part: model_outputs(model, ts)[0] for part, ts in texts.items()}
            val_logits = model_outputs(model, val_texts)[1]
        out[name] = {**score_heads(train, pieces, vectors), "tweeteval_val_macro_recall": round(macro_recall(val_gold, val_logits.argmax(axis=1), TASKS["sentiment"]), 4),
                     "seconds": round(time.time() - t0)}
        log(f"{name}: {json.dumps(out[name])}")
    return out


def print_report(result: dict[str, Any]) -> None:
    print(f"heads trained on {result['train']} items; held out: care fold 0 random {result['counts']['care_fold0_random']}, "
          f"telecom_set1 {result['counts']['telecom_set1']} (always complaint F1 {result['always_complaint_telecom_f1']:.3f})")
    for name in ("shipped", "multitask"):
        if name in result:
            r = result[name]
            care, tel = r["care_fold0_random"], r["telecom_set1"]
            print(f"{name:9} care fold 0: intent accuracy {care['intent']['accuracy']:.3f}, macro-F1 {care['intent']['macro_f1']:.3f}, "
                  f"complaint F1 {care['complaint']['f1']:.3f}, question F1 {care['intent']['f1'].get('question', 0.0):.3f}; "
                  f"telecom_set1 complaint F1 {tel['complaint']['f1']:.3f}; TweetEval val macro-recall "
                  f"{100 * r['tweeteval_val_macro_recall']:.1f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.multitask_probe", description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=("finetune", "compare"))
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR)
    parser.add_argument("--sentiment-limit", type=int, default=None, help="a seeded sample of this many sentiment examples")
    parser.add_argument("--stop-at", default=None, help="stop fine-tuning at this UTC time (HH:MM) whatever its state")
    parser.add_argument("--encoders", default="shipped,multitask")
    parser.add_argument("--intent-weight", type=float, default=1.0,
                        help="the intent, complaint and needs_response losses' weight against sentiment's (finetune)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    if args.stage == "finetune":
        stop = None
        if args.stop_at:
            now = time.gmtime()
            hour, minute = map(int, args.stop_at.split(":"))
            stop = time.time() + ((hour * 60 + minute) - (now.tm_hour * 60 + now.tm_min)) * 60 - now.tm_sec
        texts, labels = examples(data, args.sentiment_limit)
        log(f"{len(texts)} examples, {math.ceil(len(texts) / 32)} steps")
        print(json.dumps(finetune(texts, labels, args.work_dir, stop_at=stop, intent_weight=args.intent_weight)))
        return
    result = compare(data, args.encoders.split(","), args.work_dir)
    (args.work_dir / f"compare-{'-'.join(args.encoders.split(','))}.json").write_text(json.dumps(result, indent=1) + "\n")
    print_report(result)


if __name__ == "__main__":
    main()

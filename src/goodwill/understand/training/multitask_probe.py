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
decay, 64 word pieces). The checkpoint goes to ``build/multitask/epoch1.pt``.

``compare`` fits the fast head and the encoder head as `train_heads.train`
does (the fast head over n-grams, the encoder head also over
`train_heads.EMBEDDING_SCALE` times the embedding; their complaint columns
also read the fast or the shipped accurate sentiment) once on the shipped
ONNX encoder's vectors and once on the multi-task model's, and scores the
fast head, the encoder head and their blends (`heads.blend`, the shares of
`BLENDS`) on two pieces neither the fine-tuning nor the heads saw:

- the care items of `intent_cv`'s fold 0 (the random sample's only, as
  `intent_cv` scores; the cued ones are left out of training too);
- complaints_uva2015's ``telecom_set1``; as in `crossdomain`'s telecom
  fold, every training item addressed to a telecom is left out as well.

It also reports needs_response on the care fold (the needs column mixed at
each blend's intent share). When the installed shared encoder is itself
fine-tuned on the intent items (as ``train_sentiment --intent-weight``
makes it), it has seen both pieces' labels: the "shipped" row and the
complaint columns' sentiment (the installed accurate model's) are then
optimistic, and only the multi-task checkpoint's embeddings, with the
needs and intent columns that do not read the sentiment, stay held out.

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
from goodwill.understand.features import build_vocabulary
from goodwill.understand.heads import HeadScores, blend, log_sentiment
from goodwill.understand.training import _data, _finetune, embeddings, sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.intent_cv import fold_of
from goodwill.understand.training.train_heads import (
    C_ENCODER,
    C_FAST,
    EMBEDDING_SCALE,
    ENCODER_COMPLAINT_SHARE,
    ENCODER_INTENT_SHARE,
    THRESHOLDS,
    binary_report,
    fast_sentiment,
    fit_heads,
    intent_report,
    ngram_matrix,
    raw_scores,
)
from goodwill.understand.training.train_sentiment import log, macro_recall, task_rows

Floats = npt.NDArray[np.float32]
#: The tasks and their number of classes; -100 marks a label an example does not carry.
TASKS = {"sentiment": 3, **_finetune.INTENT_TASKS}
MISSING = _finetune.MISSING
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
    return task_rows(pool, train)


def build_model(*, pretrained: bool = True) -> Any:
    """All-MiniLM-L6-v2 from its base weights, mean-pooled, with one linear head per task."""
    return _finetune.build_multitask(TASKS, pretrained=pretrained)


def finetune(texts: Sequence[str], labels: Sequence[Sequence[int]], work_dir: Path, *, stop_at: float | None = None,
             intent_weight: float = 1.0, lr: float = 8e-5, batch_size: int = 32, threads: int = 2,
             val: tuple[Sequence[str], Sequence[int]] = ((), ())) -> dict[str, Any]:
    """One epoch of multi-task fine-tuning (`_finetune.finetune` with the tasks of `TASKS`); stops early at
    `stop_at` (a Unix time). `intent_weight` scales the intent, complaint and needs_response losses against
    sentiment's. Writes ``epoch1.pt`` and returns what ran."""
    t0 = time.time()
    checkpoint = _finetune.finetune(texts, labels, *val, n_labels=TASKS["sentiment"], work_dir=work_dir, epochs=1, lr=lr,
                                    batch_size=batch_size, seed=SEED, threads=threads, log=log, stop_at=stop_at,
                                    tasks={task: 1.0 if task == "sentiment" else intent_weight for task in TASKS})
    progress = json.loads((work_dir / "progress.json").read_text())
    run = {"examples": len(texts), "steps": progress["steps"], "steps_planned": math.ceil(len(texts) / batch_size),
           "intent_weight": intent_weight, "seconds": round(time.time() - t0), "checkpoint": checkpoint.name}
    (work_dir / "run.json").write_text(json.dumps(run) + "\n")
    return run


def load_model(work_dir: Path) -> Any:
    import torch

    model = build_model(pretrained=False)
    model.load_state_dict(torch.load(work_dir / "epoch1.pt", map_location="cpu", weights_only=True))
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


#: (intent share, complaint share) of the encoder head in the blends scored: the shipped pair first.
BLENDS = ((ENCODER_INTENT_SHARE, ENCODER_COMPLAINT_SHARE), (0.5, 0.5), (0.7, 0.7), (1.0, 1.0))


def _head(x: Any, items: Sequence[sets.Item], c: float, sentiment: Floats) -> tuple[Floats, Floats]:
    """One head's columns as `train_heads.fit_heads` fits them (no shift, no offsets)."""
    return fit_heads(x, items, c, 0.0, sentiment)


def _scores(head: tuple[Floats, Floats], x: Any, sentiment: Floats) -> HeadScores:
    w, sent = head
    return HeadScores.from_raw(raw_scores(w, x) + log_sentiment(sentiment) @ sent)


def _report(items: Sequence[sets.Item], probs: Floats, needs: Floats) -> dict[str, Any]:
    """Complaint (and, where the items say, intent and needs_response at `THRESHOLDS`) from intent
    probabilities and p(needs_response)."""
    from sklearn.metrics import average_precision_score

    pred = [INTENTS[k] for k in probs.argmax(axis=1)]
    gold = [bool(i.complaint) for i in items]
    part: dict[str, Any] = {"complaint": {**binary_report(gold, [p == "complaint" for p in pred]),
                                          "average_precision": round(float(average_precision_score(
                                              gold, probs[:, INTENTS.index("complaint")])), 4)}}
    if all(i.intent is not None for i in items):
        part["intent"] = intent_report([str(i.intent) for i in items], pred)
    if all(i.needs is not None for i in items):
        part["needs_response"] = binary_report([bool(i.needs) for i in items], list(needs >= THRESHOLDS["needs_response"]))
    return part


def score_heads(train: Sequence[sets.Item], pieces: dict[str, Sequence[sets.Item]], vectors: dict[str, Floats],
                accurate: dict[str, Floats]) -> dict[str, Any]:
    """Fit the fast head and the encoder head as `train_heads.train` does (n-grams, the encoder head also
    `EMBEDDING_SCALE` times the embedding; the complaint columns also the fast or the accurate sentiment's
    log-probabilities) on `train`, and score each piece with the fast head, the encoder head and their
    blends (`heads.blend`, each pair of `BLENDS`). `vectors` and `accurate` (the shipped accurate sentiment's
    probabilities) hold rows for "train" and for each piece's texts."""
    from scipy.sparse import hstack

    texts = {"train": [i.text for i in train], **{name: [i.text for i in items] for name, items in pieces.items()}}
    vocab = build_vocabulary(texts["train"])
    grams = {part: ngram_matrix(ts, vocab) for part, ts in texts.items()}
    fast_sent = {part: fast_sentiment(ts) for part, ts in texts.items()}
    dense = {part: hstack([grams[part], EMBEDDING_SCALE * vectors[part]]).tocsr() for part in texts}
    fast = _head(grams["train"], train, C_FAST, fast_sent["train"])
    encoder = _head(dense["train"], train, C_ENCODER, accurate["train"])
    out: dict[str, Any] = {}
    for name, items in pieces.items():
        f = _scores(fast, grams[name], fast_sent[name])
        e = _scores(encoder, dense[name], accurate[name])
        out[name] = {"n": len(items), "fast": _report(items, f.intent, f.needs_response),
                     "encoder": _report(items, e.intent, e.needs_response),
                     **{f"blend {share}/{complaint}": _report(items, blend(f.intent, e.intent, share, complaint),
                                                               share * e.needs_response + (1 - share) * f.needs_response)
                        for share, complaint in BLENDS}}
    return out


def compare(data: Path, encoders: Sequence[str], work_dir: Path) -> dict[str, Any]:
    """Each encoder's heads' scores on the two held-out pieces and its sentiment head's TweetEval val macro-recall.
    Both encoders' complaint columns read the shipped accurate sentiment, so only the embedding differs."""
    from goodwill.understand import sentiment

    train, care0, telecom = split(data)
    pieces: dict[str, Sequence[sets.Item]] = {"care_fold0_random": care0, "telecom_set1": telecom}
    texts = {"train": [i.text for i in train], **{name: [i.text for i in items] for name, items in pieces.items()}}
    val_texts, val_gold = _data.tweeteval_split("sentiment", "val")
    out: dict[str, Any] = {"train": len(train), "counts": {
        "care_fold0_random": {label: sum(i.intent == label for i in care0) for label in INTENTS},
        "telecom_set1": {"complaints": sum(bool(i.complaint) for i in telecom)}},
        "always_complaint_telecom_f1": binary_report([bool(i.complaint) for i in telecom], [True] * len(telecom))["f1"]}
    shipped = {part: embeddings.embed(ts, progress=False) for part, ts in texts.items()}
    model = sentiment.load_accurate()
    accurate = {part: model.from_vectors(shipped[part], ts, fast_sentiment(ts)) for part, ts in texts.items()}
    for name in encoders:
        t0 = time.time()
        if name == "shipped":
            vectors = shipped
            val_logits = np.asarray(model.head(embeddings.shared_encoder()(val_texts)), dtype=np.float32)
        else:
            probe = load_model(work_dir)
            vectors = {part: model_outputs(probe, ts)[0] for part, ts in texts.items()}
            val_logits = model_outputs(probe, val_texts)[1]
        out[name] = {**score_heads(train, pieces, vectors, accurate),
                     "tweeteval_val_macro_recall": round(macro_recall(val_gold, val_logits.argmax(axis=1), TASKS["sentiment"]), 4),
                     "seconds": round(time.time() - t0)}
        log(f"{name}: {json.dumps(out[name])}")
    return out


def print_report(result: dict[str, Any]) -> None:
    print(f"heads trained on {result['train']} items; held out: care fold 0 random {result['counts']['care_fold0_random']}, "
          f"telecom_set1 {result['counts']['telecom_set1']} (always complaint F1 {result['always_complaint_telecom_f1']:.3f})")
    for name in ("shipped", "multitask"):
        if name not in result:
            continue
        r = result[name]
        print(f"{name}: TweetEval val macro-recall {100 * r['tweeteval_val_macro_recall']:.1f}")
        care, tel = r["care_fold0_random"], r["telecom_set1"]
        for head in [k for k in care if k != "n"]:
            c, t = care[head], tel[head]["complaint"]
            print(f"  {head:14} care fold 0: intent accuracy {c['intent']['accuracy']:.3f}, macro-F1 {c['intent']['macro_f1']:.3f}, "
                  f"complaint F1 {c['complaint']['f1']:.3f}, question F1 {c['intent']['f1'].get('question', 0.0):.3f}, "
                  f"needs_response F1 {c['needs_response']['f1']:.3f} (P {c['needs_response']['precision']:.2f} "
                  f"R {c['needs_response']['recall']:.2f}); "
                  f"telecom_set1 complaint F1 {t['f1']:.3f} (P {t['precision']:.2f} R {t['recall']:.2f}, "
                  f"average precision {t['average_precision']:.3f})")


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
        print(json.dumps(finetune(texts, labels, args.work_dir, stop_at=stop, intent_weight=args.intent_weight,
                                  val=_data.tweeteval_split("sentiment", "val"))))
        return
    result = compare(data, args.encoders.split(","), args.work_dir)
    (args.work_dir / f"compare-{'-'.join(args.encoders.split(','))}.json").write_text(json.dumps(result, indent=1) + "\n")
    print_report(result)


if __name__ == "__main__":
    main()

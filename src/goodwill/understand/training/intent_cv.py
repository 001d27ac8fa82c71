"""Cross-validation of the intent columns inside the care set's train split, and the intent offsets chosen by it.

`python -m goodwill.understand.training.intent_cv` cuts the hand-labelled
training items (the first sample's train split and the cued sample; source
``care`` in `sets.training`) into five folds by a seeded hash of their text.
Each fold's heads are fitted, with the shipped recipe (`train_heads`), on
every other training item (the other folds' care items, the weak labels,
TweetSumm, suggestion mining and, for the complaint column,
complaints_uva2015's first sets) and score the fold's care items, which
gives out-of-fold intent probabilities for every hand-labelled training
message. The held-out sets are never read.

On those it chooses, per head, an offset for the bias of each of the five
non-complaint intent columns (the complaint column keeps its own decision,
`train_heads.COMPLAINT_SHIFT`): coordinate ascent over a grid, maximising
the intent macro-F1. The estimate of what the offsets gain is nested: the
offsets applied to each fold are chosen on the other four folds only.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.labels import seeded_unit
from goodwill.domain.signals import INTENTS
from goodwill.understand.features import build_vocabulary
from goodwill.understand.heads import COMPLAINT, HeadScores
from goodwill.understand.training import embeddings, sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.crossdomain import sentiment_features
from goodwill.understand.training.train_heads import (
    C_ENCODER,
    C_FAST,
    EMBEDDING_SCALE,
    fit_columns,
    intent_report,
    ngram_matrix,
)

FOLDS = 5
FOLD_SEED = "goodwill-intent-cv-v1"
#: The offsets tried for each non-complaint intent column (log-odds added to its bias).
GRID = tuple(round(-1.0 + 0.25 * k, 2) for k in range(13))
PASSES = 3
Floats = npt.NDArray[np.float32]
_OTHERS = [k for k, label in enumerate(INTENTS) if label != "complaint"]


def fold_of(item: sets.Item) -> int:
    return int(seeded_unit(FOLD_SEED, (sets.key(item.text),)) * FOLDS)


def _raw(weights: Floats, x: Any) -> Floats:
    out: Floats = np.asarray(x @ weights[:-1] + weights[-1], dtype=np.float32)
    return out


def out_of_fold(data: Path) -> tuple[list[sets.Item], dict[str, Floats]]:
    """The care items of the training set and, per head, their out-of-fold raw scores (n, columns)."""
    from scipy.sparse import csr_matrix, hstack

    pool = sets.training(data)
    care = [i for i in pool if i.source == "care"]
    raw = {kind: np.zeros((len(care), COMPLAINT + 1), dtype=np.float32) for kind in ("fast", "encoder")}
    folds = np.array([fold_of(i) for i in care])
    for k in range(FOLDS):
        items = [i for i in pool if i.source != "care" or fold_of(i) != k]
        test = [care[j] for j in np.flatnonzero(folds == k)]
        texts, test_texts = [i.text for i in items], [i.text for i in test]
        vocab = build_vocabulary(texts)
        x, xt = ngram_matrix(texts, vocab), ngram_matrix(test_texts, vocab)
        emb, et = embeddings.embed(texts, progress=False), embeddings.embed(test_texts, progress=False)
        for kind in ("fast", "encoder"):
            c = C_FAST if kind == "fast" else C_ENCODER
            xa, xta = (x, xt) if kind == "fast" else (hstack([x, EMBEDDING_SCALE * emb]).tocsr(), hstack([xt, EMBEDDING_SCALE * et]).tocsr())
            scores = _raw(fit_columns(xa, items, c, only=("intent",)), xta)
            xs = hstack([xa, csr_matrix(sentiment_features(texts, None if kind == "fast" else emb))]).tocsr()
            xts = hstack([xta, csr_matrix(sentiment_features(test_texts, None if kind == "fast" else et))]).tocsr()
            scores[:, COMPLAINT] = _raw(fit_columns(xs, items, c, only=("complaint",)), xts)[:, COMPLAINT]
            raw[kind][folds == k] = scores
        print(f"fold {k}: trained on {len(items)}, scored {len(test)}", flush=True)
    return care, raw


def predict(raw: Floats, offsets: Sequence[float]) -> list[str]:
    """The intents of raw scores with `offsets` (one per intent; the complaint's is ignored) added to the columns."""
    shifted = raw.copy()
    for k in _OTHERS:
        shifted[:, k] += offsets[k]
    return [INTENTS[k] for k in HeadScores.from_raw(shifted).intent.argmax(axis=1)]


def macro_f1(gold: Sequence[str], raw: Floats, offsets: Sequence[float]) -> float:
    return float(intent_report(gold, predict(raw, offsets))["macro_f1"])


def choose(gold: Sequence[str], raw: Floats) -> list[float]:
    """Coordinate ascent over `GRID`, from no offsets; a change is kept only when it raises macro-F1."""
    offsets = [0.0] * len(INTENTS)
    best = macro_f1(gold, raw, offsets)
    for _ in range(PASSES):
        changed = False
        for k in _OTHERS:
            for value in GRID:
                trial = offsets.copy()
                trial[k] = value
                score = macro_f1(gold, raw, trial)
                if score > best + 1e-9:
                    best, offsets, changed = score, trial, True
        if not changed:
            break
    return offsets


def report(care: Sequence[sets.Item], raw: dict[str, Floats]) -> dict[str, Any]:
    gold = [str(i.intent) for i in care]
    folds = np.array([fold_of(i) for i in care])
    out: dict[str, Any] = {"n": len(care), "counts": {label: gold.count(label) for label in INTENTS}}
    for kind, scores in raw.items():
        nested = [""] * len(care)
        for k in range(FOLDS):
            inner = np.flatnonzero(folds != k)
            offsets = choose([gold[j] for j in inner], scores[inner])
            outer = np.flatnonzero(folds == k)
            for j, label in zip(outer, predict(scores[outer], offsets), strict=True):
                nested[j] = label
        chosen = choose(gold, scores)
        out[kind] = {"without": intent_report(gold, predict(scores, [0.0] * len(INTENTS))),
                     "nested": intent_report(gold, nested),
                     "offsets": dict(zip(INTENTS, chosen, strict=True)),
                     "with_chosen_in_sample": intent_report(gold, predict(scores, chosen))}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.intent_cv",
                                     description="Cross-validate the intent columns inside the care train split and choose intent offsets.")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here as JSON")
    args = parser.parse_args(argv)
    care, raw = out_of_fold(data_dir(args.data))
    result = report(care, raw)
    print(f"care train items: {result['n']} {result['counts']}")
    for kind in raw:
        r = result[kind]
        print(f"{kind:8} out of fold, no offsets: accuracy {r['without']['accuracy']:.3f}, macro-F1 {r['without']['macro_f1']:.3f} {r['without']['f1']}")
        print(f"{kind:8} nested (offsets chosen on the other folds): accuracy {r['nested']['accuracy']:.3f}, "
              f"macro-F1 {r['nested']['macro_f1']:.3f} {r['nested']['f1']}")
        print(f"{kind:8} offsets chosen on all folds: {r['offsets']} (in-sample macro-F1 {r['with_chosen_in_sample']['macro_f1']:.3f})")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()

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
the intent macro-F1 **of the first, random sample's items only**. The cued
sample's items (`sets.Item.cued`) train every fold but are never scored:
they were drawn by cue phrases, so among them suggestions, purchase intents
and praise are several times as common as in the messages the heads will
read, and offsets chosen on them favour those intents. The estimate of what
the offsets gain is nested: the offsets applied to each fold's random items
are chosen on the other four folds' random items only. Beside it, the same
nested estimate for offsets chosen on all the care items, cued ones
included (the rule this replaced), scored on the same random items.

It also scores the blend of the two heads' intents (`heads.blend`): each
encoder share of the intent probabilities in `SHARES`, the share chosen
nested, and, at `train_heads.ENCODER_INTENT_SHARE`, each encoder share of
p(complaint) alone in `crossdomain.COMPLAINT_SHARES` (which the
cross-domain folds choose; here it is checked not to cost intent macro-F1).
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
from goodwill.understand.heads import blend as blend_heads
from goodwill.understand.training import embeddings, sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.crossdomain import COMPLAINT_SHARES, sentiment_features
from goodwill.understand.training.train_heads import (
    C_ENCODER,
    C_FAST,
    EMBEDDING_SCALE,
    ENCODER_INTENT_SHARE,
    fit_columns,
    intent_report,
    ngram_matrix,
    raw_scores,
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
            scores = raw_scores(fit_columns(xa, items, c, only=("intent",)), xta)
            xs = hstack([xa, csr_matrix(sentiment_features(texts, None if kind == "fast" else emb))]).tocsr()
            xts = hstack([xta, csr_matrix(sentiment_features(test_texts, None if kind == "fast" else et))]).tocsr()
            scores[:, COMPLAINT] = raw_scores(fit_columns(xs, items, c, only=("complaint",)), xts)[:, COMPLAINT]
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


def nested(gold: Sequence[str], raw: Floats, folds: npt.NDArray[np.int64], chosen_on: npt.NDArray[np.bool_]) -> list[str]:
    """Each fold's intents with the offsets chosen on the other folds' items of `chosen_on`."""
    out = [""] * len(gold)
    for k in range(FOLDS):
        inner = np.flatnonzero((folds != k) & chosen_on)
        offsets = choose([gold[int(j)] for j in inner], raw[inner])
        outer = np.flatnonzero(folds == k)
        for j, label in zip(outer, predict(raw[outer], offsets), strict=True):
            out[j] = label
    return out


#: The encoder head's shares of the intent probabilities tried when blending them with the fast head's.
SHARES = tuple(round(0.1 * k, 1) for k in range(11))


def blend(raw: dict[str, Floats], share: float) -> list[str]:
    """The intents of `share` of the encoder head's intent probabilities and the rest of the fast head's."""
    return _blended(_probabilities(raw), share)


def _probabilities(raw: dict[str, Floats]) -> tuple[Floats, Floats]:
    return HeadScores.from_raw(raw["fast"]).intent, HeadScores.from_raw(raw["encoder"]).intent


def _blended(probabilities: tuple[Floats, Floats], share: float) -> list[str]:
    fast, encoder = probabilities
    return [INTENTS[k] for k in (share * encoder + (1 - share) * fast).argmax(axis=1)]


def choose_share(gold: Sequence[str], raw: dict[str, Floats]) -> float:
    """The share in `SHARES` with the highest intent macro-F1 (the encoder head's alone, 1.0, on a tie)."""
    probabilities = _probabilities(raw)
    scores = {share: float(intent_report(gold, _blended(probabilities, share))["macro_f1"]) for share in SHARES}
    return max(reversed(SHARES), key=lambda share: scores[share])


def _blend_report(gold: Sequence[str], raw: dict[str, Floats], folds: npt.NDArray[np.int64],
                  random: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """Each share's out-of-fold scores on the random sample's items, and the nested estimate: each fold's
    intents with the share chosen on the other folds' random items."""
    scored = np.flatnonzero(random)
    gold_r = [gold[int(j)] for j in scored]
    on_random = {kind: scores[scored] for kind, scores in raw.items()}
    out = [""] * len(gold)
    chosen_per_fold = []
    for k in range(FOLDS):
        inner = np.flatnonzero((folds != k) & random)
        share = choose_share([gold[int(j)] for j in inner], {kind: scores[inner] for kind, scores in raw.items()})
        chosen_per_fold.append(share)
        outer = np.flatnonzero(folds == k)
        for j, label in zip(outer, blend({kind: scores[outer] for kind, scores in raw.items()}, share), strict=True):
            out[j] = label
    probabilities = _probabilities(on_random)
    fast, encoder = probabilities
    by_complaint_share = {str(c): intent_report(gold_r, [INTENTS[k] for k in blend_heads(fast, encoder, ENCODER_INTENT_SHARE, c).argmax(axis=1)])
                          for c in COMPLAINT_SHARES}
    return {"by_share": {str(share): intent_report(gold_r, _blended(probabilities, share)) for share in SHARES},
            "nested": intent_report(gold_r, [out[j] for j in scored]), "chosen_per_fold": chosen_per_fold,
            "share": choose_share(gold_r, on_random), "by_complaint_share": by_complaint_share}


def report(care: Sequence[sets.Item], raw: dict[str, Floats]) -> dict[str, Any]:
    """Out-of-fold scores of the random sample's items: without offsets, with nested offsets (chosen on
    random items; and, as before, on all care items), and the offsets chosen on every random item."""
    gold = [str(i.intent) for i in care]
    folds = np.array([fold_of(i) for i in care], dtype=np.int64)
    random = np.array([not i.cued for i in care], dtype=np.bool_)
    scored = np.flatnonzero(random)
    gold_r = [gold[j] for j in scored]
    out: dict[str, Any] = {"n": int(random.sum()), "n_cued": int((~random).sum()),
                           "counts": {label: gold_r.count(label) for label in INTENTS}}
    everything = np.ones(len(care), dtype=np.bool_)
    for kind, scores in raw.items():
        chosen = choose(gold_r, scores[scored])
        by_random = nested(gold, scores, folds, random)
        by_all = nested(gold, scores, folds, everything)
        out[kind] = {"without": intent_report(gold_r, predict(scores[scored], [0.0] * len(INTENTS))),
                     "nested": intent_report(gold_r, [by_random[j] for j in scored]),
                     "nested_chosen_with_cued": intent_report(gold_r, [by_all[j] for j in scored]),
                     "offsets": dict(zip(INTENTS, chosen, strict=True)),
                     "with_chosen_in_sample": intent_report(gold_r, predict(scores[scored], chosen))}
    if {"fast", "encoder"} <= set(raw):
        out["blend"] = _blend_report(gold, raw, folds, random)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.intent_cv",
                                     description="Cross-validate the intent columns inside the care train split and choose intent offsets.")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here as JSON")
    args = parser.parse_args(argv)
    care, raw = out_of_fold(data_dir(args.data))
    result = report(care, raw)
    print(f"care train items scored (the random sample): {result['n']} {result['counts']}; cued items (trained on, not scored): "
          f"{result['n_cued']}")
    for kind in raw:
        r = result[kind]
        for name, what in (("without", "out of fold, no offsets"), ("nested", "nested (offsets chosen on the other folds' random items)"),
                           ("nested_chosen_with_cued", "nested (offsets chosen on the other folds' random and cued items)")):
            print(f"{kind:8} {what}: accuracy {r[name]['accuracy']:.3f}, macro-F1 {r[name]['macro_f1']:.3f} {r[name]['f1']}")
        print(f"{kind:8} offsets chosen on all folds' random items: {r['offsets']} (in-sample macro-F1 {r['with_chosen_in_sample']['macro_f1']:.3f})")
    if "blend" in result:
        b = result["blend"]
        for share in SHARES:
            r = b["by_share"][str(share)]
            print(f"blend, encoder share {share:.1f}: out of fold accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}")
        print(f"blend, nested (share chosen on the other folds' random items: {b['chosen_per_fold']}): accuracy "
              f"{b['nested']['accuracy']:.3f}, macro-F1 {b['nested']['macro_f1']:.3f} {b['nested']['f1']}")
        print(f"blend: share chosen on all folds' random items {b['share']} (train_heads.ENCODER_INTENT_SHARE)")
        for c, r in b["by_complaint_share"].items():
            print(f"blend, encoder share {ENCODER_INTENT_SHARE}, of p(complaint) {float(c):.2f}: out of fold accuracy {r['accuracy']:.3f}, "
                  f"macro-F1 {r['macro_f1']:.3f} {r['f1']}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""How well complaint detection carries to brands and industries it never saw: leave one domain out.

    python -m goodwill.understand.training.crossdomain [--data ../shared/data] [--recipes shipped,...]

Each fold trains the heads on every training item (`sets.training`) except
one domain's, then scores complaint detection (`intent == complaint`) on that
domain:

- ``airline``: tested on complaints_uva2015's first airline set; trained
  without it and without any message that mentions an airline's handle
  (TWCS, the care set and TweetSumm hold airline conversations);
- ``telecom``: the same for the telecoms (and the TV services they sell);
- ``tweetsumm``: tested on the first customer turns of TweetSumm (complaint
  or question, by the dialog's type); trained without TweetSumm.

The held-out sets (the care test split, complaints_uva2015's second sets)
are not read here: they are removed from every training set, and the
choices made with this protocol (the complaint column, the weight of
complaints_uva2015, the complaint decision's shift) never see them.

Beside each recipe, in the same run, the baselines: always complaint, and
"negative sentiment means complaint" with the fast and with the accurate
sentiment model (on the same vectors). For each recipe the complaint F1 is
given at the trained decision (shift 0) and over a grid of shifts of the
complaint column's log-odds, with the one shift that is best on average over
the folds (`train_heads.COMPLAINT_SHIFT` says which shift the shipped heads take, and why).

For recipes with a complaint column it also scores the cascade's blend of
the two heads (`heads.blend`, unshifted): the other intents mixed by
`train_heads.ENCODER_INTENT_SHARE`, p(complaint) by each encoder share of
`COMPLAINT_SHARES`, with the mean complaint F1 over the folds; each head's
probabilities are computed once per fold.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand.heads import COMPLAINT, HeadScores, blend, log_sentiment
from goodwill.understand.training import embeddings, sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.sets import Item
from goodwill.understand.training.train_heads import (
    C_ENCODER,
    C_FAST,
    EMBEDDING_SCALE,
    ENCODER_INTENT_SHARE,
    SOURCE_WEIGHT,
    binary_report,
    fit_columns,
    ngram_matrix,
    raw_scores,
)

Floats = npt.NDArray[np.float32]
FOLDS = ("airline", "telecom", "tweetsumm")
SHIFTS = tuple(round(x, 2) for x in np.arange(-2.0, 2.01, 0.25))
_COMPLAINT = INTENTS.index("complaint")
#: The encoder head's shares of p(complaint) tried in the blend of the two heads (`heads.blend`).
COMPLAINT_SHARES = (0.3, 0.5, 0.7, 0.85, 1.0)


@dataclass(frozen=True)
class Recipe:
    """One way of training the complaint decision."""

    complaint_column: bool = True  # decide by the complaint column (else by the six-way softmax alone)
    uva: bool = True  # train on complaints_uva2015's first sets (of the other industry)
    source_weight: dict[str, float] = field(default_factory=lambda: dict(SOURCE_WEIGHT))
    c_fast: float = C_FAST
    c_encoder: float = C_ENCODER
    sentiment: bool = False  # the complaint column also reads the sentiment's log-probabilities


RECIPES: dict[str, Recipe] = {
    "before": Recipe(complaint_column=False, uva=False),
    "uva": Recipe(),
    "shipped": Recipe(sentiment=True),
    "uva_x3": Recipe(source_weight={**SOURCE_WEIGHT, "uva": 3.0}),
    "uva_x3_sentiment": Recipe(source_weight={**SOURCE_WEIGHT, "uva": 3.0}, sentiment=True),
}
_INTENT_FITS: dict[tuple[str, str, float, bool], Floats] = {}


def fold(pool: Sequence[Item], name: str) -> tuple[list[Item], list[Item]]:
    """(training items, test items) of one fold."""
    if name == "tweetsumm":
        return [i for i in pool if i.source != "tweetsumm"], [i for i in pool if i.source == "tweetsumm"]
    test = [i for i in pool if i.source == "uva" and i.domain == name]
    return [i for i in pool if i.domain != name], test


def _decide(raw: Floats, column: bool, shift: float) -> npt.NDArray[np.bool_]:
    if not column:
        return np.asarray(raw[:, :len(INTENTS)].argmax(axis=1) == _COMPLAINT)
    shifted = raw.copy()
    shifted[:, COMPLAINT] += shift
    return np.asarray(HeadScores.from_raw(shifted).intent.argmax(axis=1) == _COMPLAINT)


def sentiment_features(texts: Sequence[str], vectors: Floats | None) -> Floats:
    """log p(negative, neutral, positive): the fast model's, or the accurate model's when `vectors` are given."""
    from goodwill.understand import sentiment

    probs = np.asarray(sentiment.load_fast().predict_proba(list(texts)), dtype=np.float32)
    if vectors is not None:
        probs = sentiment.load_accurate().from_vectors(vectors, texts, probs)
    return log_sentiment(probs)


def run_fold(recipe: Recipe, train: Sequence[Item], test: Sequence[Item], name: str = "") -> dict[str, Any]:
    """Complaint F1 of the fast and the encoder head over the shift grid, trained on `train`, scored on `test`."""
    from scipy.sparse import csr_matrix, hstack

    from goodwill.understand.features import build_vocabulary

    items = [i for i in train if recipe.uva or i.source != "uva"]
    texts = [i.text for i in items]
    vocab = build_vocabulary([i.text for i in train if i.source != "uva"] if not recipe.uva else texts)
    x = ngram_matrix(texts, vocab)
    emb = embeddings.embed(texts, progress=False)
    test_texts = [i.text for i in test]
    xt = ngram_matrix(test_texts, vocab)
    et = embeddings.embed(test_texts, progress=False)
    gold = [bool(i.complaint) for i in test]
    out: dict[str, Any] = {"train": len(items), "test": len(test), "complaints": sum(gold)}
    probabilities: dict[str, Floats] = {}
    for kind in ("fast", "encoder"):
        c = recipe.c_fast if kind == "fast" else recipe.c_encoder
        xa, xta = (x, xt) if kind == "fast" else (hstack([x, EMBEDDING_SCALE * emb]).tocsr(), hstack([xt, EMBEDDING_SCALE * et]).tocsr())
        # The six-way intent columns do not depend on complaints_uva2015 (it names no intent): fitted once per fold.
        cache = (name, kind, c, recipe.uva)
        if cache not in _INTENT_FITS or not name:
            _INTENT_FITS[cache] = fit_columns(xa, items, c, source_weight=recipe.source_weight, only=("intent",))
        raw = raw_scores(_INTENT_FITS[cache], xta)
        if recipe.complaint_column:
            if recipe.sentiment:
                xa = hstack([xa, csr_matrix(sentiment_features(texts, None if kind == "fast" else emb))]).tocsr()
                xta = hstack([xta, csr_matrix(sentiment_features(test_texts, None if kind == "fast" else et))]).tocsr()
            w = fit_columns(xa, items, c, source_weight=recipe.source_weight, only=("complaint",))
            raw[:, COMPLAINT] = raw_scores(w, xta)[:, COMPLAINT]
        shifts = SHIFTS if recipe.complaint_column else (0.0,)
        out[kind] = {str(s): binary_report(gold, list(map(bool, _decide(raw, recipe.complaint_column, s)))) for s in shifts}
        probabilities[kind] = HeadScores.from_raw(raw).intent
    if recipe.complaint_column:
        out["blend"] = blend_reports(gold, probabilities["fast"], probabilities["encoder"])
    return out


def blend_reports(gold: Sequence[bool], fast: Floats, encoder: Floats,
                  share: float = ENCODER_INTENT_SHARE) -> dict[str, Any]:
    """Complaint F1 of the two heads' blended intents (`heads.blend`), per encoder share of p(complaint)
    in `COMPLAINT_SHARES`; `fast` and `encoder` are the heads' intent probabilities of the same messages."""
    return {str(c): binary_report(gold, [bool(k == _COMPLAINT) for k in blend(fast, encoder, share, c).argmax(axis=1)])
            for c in COMPLAINT_SHARES}


def baselines(test: Sequence[Item]) -> dict[str, Any]:
    """Always complaint, and negative sentiment means complaint (fast, and accurate on the same vectors)."""
    from goodwill.understand import sentiment

    texts = [i.text for i in test]
    gold = [bool(i.complaint) for i in test]
    fast = sentiment.load_fast().predict_proba(texts)
    out = {"always_complaint": binary_report(gold, [True] * len(gold)),
           "negative_fast": binary_report(gold, [int(np.argmax(p)) == 0 for p in fast])}
    accurate = sentiment.load_accurate()
    probs = accurate.from_vectors(embeddings.embed(texts, progress=False), texts, np.asarray(fast, dtype=np.float32))
    out["negative_accurate"] = binary_report(gold, [int(np.argmax(p)) == 0 for p in probs])
    return out


def protocol(data: Path, recipes: Sequence[str]) -> dict[str, Any]:
    pool = sets.training(data)
    report: dict[str, Any] = {"folds": {}, "recipes": {}}
    for name in FOLDS:
        train, test = fold(pool, name)
        report["folds"][name] = {"train": len(train), "test": len(test), "complaints": sum(bool(i.complaint) for i in test),
                                 "baselines": baselines(test)}
    for r in recipes:
        t0 = time.process_time()
        per = {name: run_fold(RECIPES[r], *fold(pool, name), name) for name in FOLDS}
        summary: dict[str, Any] = {}
        for kind in ("fast", "encoder"):
            shifts = list(per[FOLDS[0]][kind])
            mean = {s: float(np.mean([per[f][kind][s]["f1"] for f in FOLDS])) for s in shifts}
            best = max(shifts, key=lambda s: mean[s])
            summary[kind] = {"mean_f1_at_0": round(mean["0.0"], 4), "best_shift": float(best), "mean_f1_at_best": round(mean[best], 4),
                             "at_best": {f: per[f][kind][best] for f in FOLDS}, "at_0": {f: per[f][kind]["0.0"] for f in FOLDS}}
        if all("blend" in per[f] for f in FOLDS):
            summary["blend"] = {c: {"mean_f1": round(float(np.mean([per[f]["blend"][c]["f1"] for f in FOLDS])), 4),
                                    "folds": {f: per[f]["blend"][c] for f in FOLDS}} for c in per[FOLDS[0]]["blend"]}
        report["recipes"][r] = {"summary": summary, "cpu_s": round(time.process_time() - t0, 1)}
    return report


def print_report(report: dict[str, Any]) -> None:
    for name, f in report["folds"].items():
        b = f["baselines"]
        print(f"fold {name}: train {f['train']}, test {f['test']} ({f['complaints']} complaints); baselines F1: always complaint "
              f"{b['always_complaint']['f1']:.3f}, negative (fast) {b['negative_fast']['f1']:.3f}, "
              f"negative (accurate) {b['negative_accurate']['f1']:.3f}")
    for r, rep in report["recipes"].items():
        for kind, s in rep["summary"].items():
            if kind == "blend":
                continue
            folds = ", ".join(f"{f} {v['f1']:.3f} (P {v['precision']:.2f} R {v['recall']:.2f})" for f, v in s["at_best"].items())
            print(f"{r:10} {kind:8} mean F1 {s['mean_f1_at_0']:.3f} at shift 0; {s['mean_f1_at_best']:.3f} at shift {s['best_shift']:+.2f}: {folds}")
        for c, b in rep["summary"].get("blend", {}).items():
            folds = ", ".join(f"{f} {v['f1']:.3f} (P {v['precision']:.2f} R {v['recall']:.2f})" for f, v in b["folds"].items())
            print(f"{r:10} blend, intent share {ENCODER_INTENT_SHARE}, complaint share {float(c):.2f}: mean F1 {b['mean_f1']:.3f} "
                  f"at shift 0: {folds}")
        print(f"  ({rep['cpu_s']} s CPU)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.crossdomain", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--recipes", default="before,shipped", help=f"recipes to compare (of {', '.join(RECIPES)}; default before,shipped)")
    parser.add_argument("--json", type=Path, default=None, help="also write the full report here")
    args = parser.parse_args(argv)
    report = protocol(data_dir(args.data), [r for r in args.recipes.split(",") if r])
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()

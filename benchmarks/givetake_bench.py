"""Give versus take: precision and recall per class on the fresh test split of
the hand-labelled brand posts (`src/goodwill/advocacy/labels/give_take.csv`,
never used to revise cues or thresholds), for the words head, the full head
(words + the shared encoder) and, as the baseline in the same run,
understanding's promotional score (take when >= 0.5); then the speed of
reading N posts with each head.

    python benchmarks/givetake_bench.py               # speed over 5,000 posts
    python benchmarks/givetake_bench.py --posts 500
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from goodwill.advocacy.give_take_labels import default_data, examples
from goodwill.advocacy.givetake import load_model, read_posts
from goodwill.understand.encoder import load_encoder
from goodwill.understand.enrich import enrich


def scores(truth: list[str], predicted: list[str]) -> dict[str, tuple[float, float, int]]:
    out = {}
    for kind in ("give", "take"):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == kind and p == kind)
        said = sum(1 for p in predicted if p == kind)
        there = sum(1 for t in truth if t == kind)
        out[kind] = (tp / said if said else 0.0, tp / there if there else 0.0, there)
    return out


def line(name: str, truth: list[str], predicted: list[str]) -> str:
    s = scores(truth, predicted)
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    cells = " | ".join(f"{s[k][0]:.2f} | {s[k][1]:.2f}" for k in ("give", "take"))
    return f"| {name} | {cells} | {accuracy:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000, help="posts to read for the speed figures")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    found = examples(default_data())
    test = [e for e in found if e.split == "test" and e.label != "neutral"]
    truth = [e.label for e in test]
    texts = [e.text for e in test]
    replies = [e.is_reply for e in test]
    model = load_model()
    encoder = load_encoder()
    vectors = encoder.embed(texts)
    words = [r.kind if r.kind != "neutral" else "give" for r in read_posts(texts, is_reply=replies, model=model)]
    full = [r.kind if r.kind != "neutral" else "give" for r in read_posts(texts, is_reply=replies, vectors=vectors, model=model)]
    promo = ["take" if p >= 0.5 else "give" for p in enrich(texts, sentiment="fast").promotional]
    n_take = truth.count("take")
    print(f"give/take test split: {len(test)} posts ({len(test) - n_take} give, {n_take} take); "
          f"{sum(1 for e in found if e.split == 'test' and e.label == 'neutral')} neutral left out")
    print("| reader | give precision | give recall | take precision | take recall | accuracy |")
    print("|---|---|---|---|---|---|")
    print(line("baseline: promotional score >= 0.5", truth, promo))
    print(line("words head", truth, words))
    print(line("full head (words + encoder)", truth, full))
    pool = [e.text for e in found]
    batch = (pool * (args.posts // len(pool) + 1))[: args.posts]
    batch = [f"{t} #{i}" for i, t in enumerate(batch)]  # distinct texts, so the encoder embeds each one
    started = time.perf_counter()
    read_posts(batch, model=model)
    words_rate = len(batch) / (time.perf_counter() - started)
    started = time.perf_counter()
    read_posts(batch, vectors=encoder.embed(batch), model=model)
    full_rate = len(batch) / (time.perf_counter() - started)
    started = time.perf_counter()
    enrich(batch, sentiment="fast")
    promo_rate = len(batch) / (time.perf_counter() - started)
    print(f"speed over {len(batch):,} posts (load {load:.1f} on {os.cpu_count()} cores): words head {words_rate:,.0f}/s, "
          f"full head {full_rate:,.0f}/s (encoder included), baseline enrich --fast {promo_rate:,.0f}/s")
    print(f"model {model.version}; {int(np.sum([e.split == 'train' for e in found]))} train labels")


if __name__ == "__main__":
    main()

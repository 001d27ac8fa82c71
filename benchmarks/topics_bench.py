"""Topics: time and peak memory of clustering, labelling and alerting over N
synthetic demo messages (the generator behind `goodwill demo --messages`),
with k chosen by silhouette, the way `goodwill topics refresh` runs.

    python benchmarks/topics_bench.py                 # 100,000 messages
    python benchmarks/topics_bench.py --messages 20000
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime

import numpy as np

from goodwill.demo.synth import generate
from goodwill.topics.cluster import find_topics
from goodwill.topics.trends import daily, detect
from goodwill.topics.voice import share_of_voice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    records = list(generate(args.messages, seed=args.seed, start=datetime(2026, 1, 1, tzinfo=UTC)))
    texts = [r["text"] for r in records]
    days = [datetime.fromisoformat(r["created_at"]).date() for r in records]
    started, cpu = time.perf_counter(), time.process_time()
    found = find_topics(texts, seed=0)
    clustered = time.perf_counter()
    series = daily(found.assignment, days, np.zeros(len(texts), dtype=bool), len(found.topics))
    alerts = detect(series)
    alerted = time.perf_counter()
    voice = share_of_voice(texts, days, ["Halcyon Bikes", "halcyonbikes"], {"Vantor": ["Vantor"], "Pedalwise": ["Pedalwise"]})
    done, cpu_done = time.perf_counter(), time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages: {len(texts):,}; topics: {len(found.topics)}; in a topic: {(found.assignment >= 0).sum():,}")
    print(f"clustering and keyphrases: {clustered - started:.1f} s; alerts: {alerted - clustered:.2f} s "
          f"({len(alerts)} alerts); share of voice: {done - alerted:.1f} s ({len(voice)} rows); "
          f"all: {done - started:.1f} s wall, {cpu_done - cpu:.1f} s CPU; peak RSS {peak:,.0f} MiB; "
          f"load average before: {load:.1f}")


if __name__ == "__main__":
    main()

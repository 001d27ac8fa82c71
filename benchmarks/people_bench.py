"""The people's scores: a scoring run over a synthetic demo workspace, and a person page that reads the stored
scores beside what each view used to cost (scoring the whole interaction graph).

    python benchmarks/people_bench.py                   # 20,000 messages
    python benchmarks/people_bench.py --messages 5000 --views 50

Prints wall and CPU seconds (this process's) for each part.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--views", type=int, default=20)
    args = parser.parse_args()

    from goodwill.config import Settings
    from goodwill.graph.edges import KINDS, Edges
    from goodwill.graph.influence import score_edges
    from goodwill.service import people
    from goodwill.service.demo import build_demo
    from goodwill.service.team import cli_actor
    from goodwill.service.workspace import open_workspace
    from goodwill.store import people as people_store

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    settings = Settings(workspace=Path(tempfile.mkdtemp()) / "ws")
    started = time.perf_counter()
    build_demo(settings, messages=args.messages)  # imports, then scores everyone once
    print(f"built a {args.messages:,}-message demo in {time.perf_counter() - started:.0f} s", flush=True)
    store = open_workspace(settings)
    actor = cli_actor()

    cpu, wall = time.process_time(), time.perf_counter()
    done = people.rescore(store, actor)
    print(f"scoring run: {done['people']:,} people in {time.perf_counter() - wall:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU", flush=True)

    ids = [p["id"] for p in people.list_people(store, actor, limit=args.views)["items"]]
    cpu, wall = time.process_time(), time.perf_counter()
    for pid in ids:
        people.person(store, actor, pid)
    n = max(1, len(ids))
    print(f"person page (stored scores): {(time.perf_counter() - wall) / n * 1000:.1f} ms wall, "
          f"{(time.process_time() - cpu) / n * 1000:.1f} ms CPU per view ({len(ids)} views)", flush=True)

    # The baseline: what each view of the person page used to add, scoring the whole interaction graph.
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in ids:
        with store.begin() as conn:
            records = [(str(s), str(t), k, w) for s, t, k, w in people_store.interaction_records(conn) if k in KINDS]
        score_edges(Edges.from_records(records))
    print(f"baseline, the graph scored per view: {(time.perf_counter() - wall) / n * 1000:.1f} ms wall, "
          f"{(time.process_time() - cpu) / n * 1000:.1f} ms CPU per view", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    store.close()


if __name__ == "__main__":
    main()

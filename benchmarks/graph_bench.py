"""Influence, outreach and communities on a generated interaction graph, beside
networkx's PageRank on the same graph in the same run.

    python benchmarks/graph_bench.py                       # 1,000,000 edges, 200,000 accounts
    python benchmarks/graph_bench.py --size 20000 --accounts 4000

The graph is generated with a seeded generator and written as CSV
(`source,target,kind,time`, ISO 8601 times) to a temporary folder. It is
heavy-tailed: how active an account is and how much attention it draws both
follow power laws (Zipf exponents 0.8 and 1.0); 1,500 communities of
power-law sizes hold 70% of the interactions; 10% of interactions are
answered back; 3% are bursts (hundreds of accounts piling on one target in an
hour); 100 rings of 8 accounts boost each other. Times span 90 days.

Each measured run is a whole process, started and timed from outside, its
peak memory (max RSS) read from the kernel's accounting of that child:

- baseline: networkx reads the CSV (csv module), builds a DiGraph and runs
  `nx.pagerank`;
- `goodwill influence --edges FILE` (reading, scoring, explanations, CSV out);
- `goodwill communities --edges FILE` (the same plus Leiden); the figure
  reported for communities is its time beyond `goodwill influence`.

Goals: influence at least 10x faster than the baseline and under 1 GiB;
communities under 5 s more. On a shared machine, compare the CPU times too:
the wall times stretch with the load (networkx runs on one core; goodwill's
commands use two threads where they can).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GOAL_SPEEDUP = 10.0
GOAL_MEMORY_MB = 1024
GOAL_COMMUNITIES_S = 5.0
DAY = 86_400
START = 1_714_521_600  # 2024-05-01T00:00:00Z

NETWORKX = """
import csv, sys
import networkx as nx
graph = nx.DiGraph()
with open(sys.argv[1], newline="") as f:
    rows = csv.reader(f)
    next(rows)
    graph.add_edges_from((row[0], row[1]) for row in rows)
rank = nx.pagerank(graph)
print(len(rank))
"""


def generate(path: Path, edges: int, accounts: int, seed: int = 7) -> None:
    """Write a heavy-tailed interaction graph as CSV."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    rng = np.random.default_rng(seed)
    n_comm = max(2, min(1500, accounts // 20))
    community = np.sort(rng.zipf(1.6, size=accounts) % n_comm)  # accounts sorted by community
    bounds = np.searchsorted(community, np.arange(n_comm + 1))
    rank = rng.permutation(accounts) + 1
    popularity = rank.astype(np.float64) ** -1.0
    activity = rng.permutation(accounts).astype(np.float64) + 1
    activity = activity ** -0.8
    cum_pop = np.cumsum(popularity)
    cum_pop /= cum_pop[-1]
    cum_act = np.cumsum(activity)
    cum_act /= cum_act[-1]

    ring_size, rings = 8, min(100, accounts // 80)
    ring_edges = rings * ring_size * (ring_size - 1) * 2
    burst_n = int(edges * 0.03)
    base = max(0, edges - ring_edges - burst_n)
    answered = int(base * 0.10)
    first = base - answered

    src = np.searchsorted(cum_act, rng.random(first))
    inside = rng.random(first) < 0.7
    c = community[src]
    lo, hi = np.r_[0.0, cum_pop][bounds[c]], cum_pop[np.maximum(bounds[c + 1] - 1, 0)]
    u = np.where(inside, lo + rng.random(first) * (hi - lo), rng.random(first))
    dst = np.minimum(np.searchsorted(cum_pop, u), accounts - 1)
    when = START + rng.random(first) * 90 * DAY
    back = rng.choice(first, size=answered)
    src = np.concatenate([src, dst[back]])
    dst = np.concatenate([dst, src[back]])
    when = np.concatenate([when, when[back] + rng.exponential(6 * 3600, size=answered)])
    kind = rng.choice(4, size=len(src), p=[0.3, 0.3, 0.3, 0.1])

    # bursts: hundreds of accounts on one target within an hour
    targets = rng.integers(0, accounts, size=max(1, burst_n // 300))
    b_dst = np.repeat(targets, 300)[:burst_n]
    b_src = rng.integers(0, accounts, size=len(b_dst))
    b_when = START + np.repeat(rng.random(len(targets)) * 90 * DAY, 300)[:burst_n] + rng.random(len(b_dst)) * 3600
    # rings: 8 accounts reposting each other twice
    members = rng.choice(accounts, size=(rings, ring_size), replace=False) if rings else np.zeros((0, ring_size), int)
    r_src, r_dst = [], []
    for ring in members:
        for a in ring:
            for b in ring:
                if a != b:
                    r_src += [a, a]
                    r_dst += [b, b]
    r_when = START + rng.random(len(r_src)) * 90 * DAY
    src = np.concatenate([src, b_src, np.asarray(r_src, dtype=np.int64)])
    dst = np.concatenate([dst, b_dst, np.asarray(r_dst, dtype=np.int64)])
    when = np.concatenate([when, b_when, r_when])
    kind = np.concatenate([kind, rng.choice(4, size=len(b_dst), p=[0.2, 0.5, 0.2, 0.1]), np.full(len(r_src), 2)])

    names = np.char.add("user", np.arange(accounts).astype(str))
    kinds = np.asarray(["reply", "mention", "repost", "quote"])
    stamps = np.datetime_as_string(when.astype("datetime64[s]"), unit="s", timezone="UTC")
    table = pa.table({"source": names[src], "target": names[dst], "kind": kinds[kind], "time": stamps})
    pacsv.write_csv(table, path)


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, float, str]:
    """Run `cmd` as a child process: its wall time (s), CPU time (s), peak memory (MB) and its output."""
    sink = stdout.open("wb") if stdout else subprocess.PIPE
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = b"" if stdout else proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    if stdout:
        sink.close()  # type: ignore[union-attr]
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000, help="interactions (edges)")
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (the median is reported)")
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: a temporary directory).")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="graph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        path = work / "edges.csv"
        t0 = time.perf_counter()
        # in a child process, so that the measured children do not inherit this one's peak memory
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=generate, args=(path, args.size, args.accounts))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("generating the graph failed")
        print(f"generated {args.size:,} interactions among {args.accounts:,} accounts in "
              f"{time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB CSV)")
        goodwill = [sys.executable, "-m", "goodwill"]
        results: dict[str, list[tuple[float, float, float]]] = {"networkx": [], "influence": [], "communities": []}
        for _ in range(args.repeat):
            t, cpu, mem, out = run([sys.executable, "-c", NETWORKX, str(path)])
            results["networkx"].append((t, cpu, mem))
            ranked = int(out.strip())
            t, cpu, mem, _ = run([*goodwill, "influence", "--edges", str(path)], stdout=work / "influence.csv")
            results["influence"].append((t, cpu, mem))
            t, cpu, mem, _ = run([*goodwill, "communities", "--edges", str(path)], stdout=work / "communities.csv")
            results["communities"].append((t, cpu, mem))
        with (work / "influence.csv").open() as f:
            scored = sum(1 for _ in f) - 1
        with (work / "communities.csv").open() as f:
            found = sum(1 for _ in f) - 1

        def med(name: str) -> tuple[float, float, float]:
            runs = results[name]
            return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs)

        nx_t, nx_c, nx_m = med("networkx")
        inf_t, inf_c, inf_m = med("influence")
        com_t, com_c, com_m = med("communities")
        print()
        print("| run | seconds (median) | CPU seconds (median) | peak MB | output |")
        print("|---|---|---|---|---|")
        print(f"| baseline: networkx read + DiGraph + pagerank | {nx_t:.2f} | {nx_c:.2f} | {nx_m:.0f} | {ranked:,} ranked |")
        print(f"| goodwill influence --edges | {inf_t:.2f} | {inf_c:.2f} | {inf_m:.0f} | {scored:,} accounts scored |")
        print(f"| goodwill communities --edges | {com_t:.2f} | {com_c:.2f} | {com_m:.0f} | {found:,} communities of 3+ |")
        print()
        print("all runs (wall s): " + "; ".join(f"{k} " + ", ".join(f"{r[0]:.2f}" for r in v) for k, v in results.items()))
        print("all runs (CPU s): " + "; ".join(f"{k} " + ", ".join(f"{r[1]:.2f}" for r in v) for k, v in results.items()))
        print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
        speedup = nx_t / inf_t
        print(f"influence speed-up in CPU time: {nx_c / inf_c:.1f}x; communities beyond influence in CPU time: {com_c - inf_c:.2f} s")
        extra = com_t - inf_t
        print(f"influence speed-up over networkx: {speedup:.1f}x (goal {GOAL_SPEEDUP:.0f}x): "
              f"{'met' if speedup >= GOAL_SPEEDUP else 'NOT met'}")
        print(f"influence peak memory: {inf_m:.0f} MB (goal < {GOAL_MEMORY_MB} MB): {'met' if inf_m < GOAL_MEMORY_MB else 'NOT met'}")
        print(f"communities beyond influence: {extra:.2f} s (goal < {GOAL_COMMUNITIES_S:.0f} s): "
              f"{'met' if extra < GOAL_COMMUNITIES_S else 'NOT met'}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

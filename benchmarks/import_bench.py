"""Import speed and memory, beside a plain-sqlite3 baseline in the same run;
then full-text search latency on the imported workspace.

    python benchmarks/import_bench.py                 # 1,000,000 messages
    python benchmarks/import_bench.py --messages 50000

The input is a generated JSONL file in Goodwill's generic format
(`goodwill.demo.synth`). The baseline reads the same file with the standard
library and writes the same message rows with `executemany` into an
equivalent table: the same columns, the same unique and secondary indexes,
and an FTS5 index filled after each batch, with the same connection settings
(WAL, synchronous=NORMAL, 64 MB cache) and batch size. Its rows carry the same
account ids and thread roots (kept in dicts), so index writes follow the same
patterns; the JSON columns are left as empty lists. Goodwill's import also
checks the whole file first, resolves threads, accounts, people and
interactions, which the baseline does not.

Goals (issue 2): import within 2x of the baseline's time and under 1 GiB peak
memory; search median under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GOAL_RATIO = 2.0
GOAL_MEMORY_MB = 1024
GOAL_SEARCH_MS = 50
BATCH = 5000
SEARCH_WORDS = [
    "battery", "refund", "delivery", "app", "login", "brake", "warranty", "range", "charger", "winter",
    "thanks", "order", "support", "broken", "love", "ride", "commute", "motor", "tyre", "service",
    "\"battery range\"", "bat*", "late delivery", "app update", "frame size",
]


def baseline(path: Path, db: Path) -> None:
    """The reference: stdlib json + sqlite3 executemany into an equivalent indexed table."""
    conn = sqlite3.connect(db)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, platform VARCHAR(40) NOT NULL, "
        "platform_id VARCHAR(200) NOT NULL, account_id INTEGER NOT NULL, kind VARCHAR(20) NOT NULL, "
        "text TEXT NOT NULL, created_at DATETIME NOT NULL, url TEXT, reply_to_id VARCHAR(200), "
        "thread_root_id VARCHAR(200) NOT NULL, quote_of_id VARCHAR(200), repost_of_id VARCHAR(200), "
        "mentions JSON NOT NULL, hashtags JSON NOT NULL, links JSON NOT NULL, metrics JSON NOT NULL, "
        "raw JSON NOT NULL, is_brand BOOLEAN NOT NULL, ingest_run_id INTEGER, UNIQUE (platform, platform_id))"
    )
    for i, cols in enumerate(("account_id", "created_at", "platform, thread_root_id", "platform, reply_to_id")):
        conn.execute(f"CREATE INDEX ix_{i} ON messages ({cols})")
    conn.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    sql = (
        "INSERT INTO messages (platform, platform_id, account_id, kind, text, created_at, url, reply_to_id, "
        "thread_root_id, quote_of_id, repost_of_id, mentions, hashtags, links, metrics, raw, is_brand, "
        "ingest_run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
    )
    rows: list[tuple[object, ...]] = []
    last = 0
    # The same account ids and thread roots Goodwill stores, kept the cheapest
    # way (dicts in memory), so both write rows with the same index patterns.
    account_ids: dict[tuple[str, str], int] = {}
    roots: dict[tuple[str, str], str] = {}

    def flush() -> None:
        nonlocal last
        conn.executemany(sql, rows)
        conn.execute("INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE id > ?", (last,))
        last = conn.execute("SELECT max(id) FROM messages").fetchone()[0] or 0
        conn.commit()
        rows.clear()

    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            metrics = {k: r[k] for k in ("likes", "reposts", "replies") if r.get(k) is not None}
            platform, reply_to = r["platform"], r["reply_to"]
            account = account_ids.setdefault((platform, r["author"].lower()), len(account_ids) + 1)
            root = roots.get((platform, reply_to), reply_to) if reply_to else r["id"]
            roots[(platform, r["id"])] = root
            rows.append((
                platform, r["id"], account, r["kind"], r["text"], r["created_at"].replace("T", " ").replace("Z", ".000000"),
                None, reply_to, root, None, None, "[]", "[]", "[]",
                json.dumps(metrics), line.rstrip("\n"), r["is_brand"], 1,
            ))
            if len(rows) == BATCH:
                flush()
    flush()
    conn.close()


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run `cmd`; return (seconds, peak MB of the process tree's summed RSS, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return seconds, peak, out


def _tree_rss_mb(pid: int) -> float:
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


def search_latency(workspace: Path, queries: int) -> tuple[float, float, int]:
    from goodwill.config import Settings
    from goodwill.service.search import search_messages
    from goodwill.service.workspace import open_workspace, operator

    store = open_workspace(Settings(workspace=workspace))
    rng = random.Random(5)
    times = []
    hits = 0
    for word in SEARCH_WORDS:  # warm the page cache once
        search_messages(store, operator(), word)
    for _ in range(queries):
        q = rng.choice(SEARCH_WORDS)
        t = time.perf_counter()
        hits += len(search_messages(store, operator(), q, limit=20))
        times.append((time.perf_counter() - t) * 1000)
    store.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep files here (default: a temporary directory).")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="goodwill-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"synthetic-{args.messages}.jsonl"
    if not data.exists():
        from goodwill.demo import synth

        t = time.perf_counter()
        synth.write_jsonl(data, args.messages)
        print(f"generated {args.messages:,} messages ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s")
    base_db = work / "baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{base_db}{suffix}").unlink(missing_ok=True)
    b_sec, b_mem, _ = measure([sys.executable, __file__, "--baseline", str(data), str(base_db)])
    workspace = work / "workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    goodwill = [sys.executable, "-m", "goodwill", "--workspace", str(workspace)]
    subprocess.run([*goodwill, "init", "--name", "Benchmark"], check=True, capture_output=True)
    g_sec, g_mem, out = measure([*goodwill, "import", str(data)])
    median, p95, hits = search_latency(workspace, args.queries)
    ratio = g_sec / b_sec
    n = args.messages
    print(f"\nimport of {n:,} messages (JSONL, {data.stat().st_size / 1e6:.0f} MB)")
    print("| run | seconds | messages/s | peak memory (MB) |")
    print("|---|---|---|---|")
    print(f"| baseline: sqlite3 executemany | {b_sec:.1f} | {n / b_sec:,.0f} | {b_mem:.0f} |")
    print(f"| goodwill import | {g_sec:.1f} | {n / g_sec:,.0f} | {g_mem:.0f} |")
    print(f"\ngoodwill / baseline time: {ratio:.2f}x (goal <= {GOAL_RATIO}x): {'met' if ratio <= GOAL_RATIO else 'NOT met'}")
    print(f"peak memory {g_mem:.0f} MB (goal < {GOAL_MEMORY_MB} MB): {'met' if g_mem < GOAL_MEMORY_MB else 'NOT met'}")
    print(
        f"search over {n:,} messages, {args.queries} queries: median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"{hits / args.queries:.1f} hits/query (goal median < {GOAL_SEARCH_MS} ms): "
        f"{'met' if median < GOAL_SEARCH_MS else 'NOT met'}"
    )
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--baseline":
        baseline(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()

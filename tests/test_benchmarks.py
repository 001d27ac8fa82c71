"""The benchmark scripts keep working: each runs at a tiny size and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_bench_runs_small(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_bench.py"), "--messages", "3000", "--queries", "20",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"\| baseline: sqlite3 executemany \| [\d.]+ \| [\d,]+ \| \d+ \|", out)
    assert re.search(r"\| goodwill import \| [\d.]+ \| [\d,]+ \| \d+ \|", out)
    assert re.search(r"goodwill / baseline time: [\d.]+x", out)
    assert re.search(r"search over 3,000 messages, 20 queries: median [\d.]+ ms", out)


def test_web_bench_runs_small(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "web_bench.py"), "--messages", "3000", "--requests", "40",
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for label in ("baseline: GET /api/v1/health", "conversation list page", "thread page", "API conversations", "API thread"):
        assert re.search(rf"\| {re.escape(label)} \| [\d.]+ \| [\d.]+ \| \d+ \|", out), label
    assert re.search(r"plan \(list\): .*ix_threads_last_at", out)
    assert re.search(r"goal p95 < 100 ms for list and thread pages: (met|NOT met)", out)
    assert re.search(r"overview page \(whole-workspace counts\), one client: median \d+ ms", out)

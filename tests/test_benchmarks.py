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

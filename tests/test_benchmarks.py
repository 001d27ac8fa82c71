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


def test_understand_bench_runs_small(shared_data: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "understand_bench.py"), "--messages", "3000", "--classify-lines", "3000"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for run in ("vader", "goodwill", "goodwill x2"):
        assert re.search(rf"\| {run} \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d.]+ \| [\d,]+ \|", out), run
    assert re.search(r"goodwill classify --workers 2 on 3,000 lines: 3,000 lines out", out)
    assert re.search(r"\| hand-checked \(gold\) \| 200 \| 0\.\d+ \| 0\.\d+ \| 0\.\d+ \|", out)
    assert re.search(r"\| VADER \(compound, \+-0\.05\) \| 57\.0 \|", out)  # the published figure, measured again
    assert re.search(r"needs_response predicted for [\d.]+%", out)

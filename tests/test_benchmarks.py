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
         "--seconds", "2", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for label in ("baseline: GET /api/v1/health", "conversation list page", "thread page", "API conversations", "API thread",
                  "case list page", "case list page, one band"):
        assert re.search(rf"\| {re.escape(label)} \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \|", out), label
    assert re.search(r"plan \(list\): .*ix_threads_last_at", out)
    assert re.search(r"plan \(case list: one status's first page\): .*COVERING INDEX ix_cases_list_order", out)
    assert "TEMP B-TREE" not in out.split("plan (case list", 1)[1].split("\n", 1)[0]
    # The unassigned list reads the order index alone too (its assignee is in the index), as a team's would.
    assert re.search(r"plan \(case list: one status, unassigned\): SEARCH cases USING COVERING INDEX ix_cases_list_order", out)
    assert re.search(r"goal p95 < 100 ms for the conversation list, case list and thread pages: (met|NOT met)", out)
    assert re.search(r"overview page \(whole-workspace counts\), one client: median \d+ ms", out)


def test_web_bench_compares_thread_counts(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "web_bench.py"), "--messages", "2000", "--requests", "30",
         "--seconds", "1", "--workdir", str(tmp_path), "--kinds", "baseline", "--threads", "1,3", "--rounds", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for round_ in (1, 2):
        for threads in (1, 3):
            assert re.search(rf"\| {round_} \| {threads} \| baseline: GET /api/v1/health \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+ \|",
                             out), (round_, threads)
    for threads in (1, 3):
        assert re.search(rf"\| {threads} \| baseline: GET /api/v1/health \| 2 \| [\d.]+ \| [\d.]+ \|", out), threads


def test_listen_bench_runs_small(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "listen_bench.py"), "--events", "3000", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"\| baseline: receive only \| [\d.]+ \| 3,000 \| [\d,]+ \| - \|", out)
    kept = re.search(r"\| filter \+ normalise \| [\d.]+ \| 3,000 \| [\d,]+ \| ([\d,]+) kept \|", out)
    stored = re.search(r"\| end to end \(listen --once, SQLite\) \| [\d.]+ \| 3,000 \| [\d,]+ \| ([\d,]+) stored", out)
    assert kept and stored
    # About 3% of the events mention the brand; the store holds those (and edits that now do).
    assert 30 <= int(kept.group(1).replace(",", "")) <= 200
    assert int(stored.group(1).replace(",", "")) >= int(kept.group(1).replace(",", ""))
    assert re.search(r"end to end: [\d,]+ events/s \(goal 20,000\): (met|NOT met)", out)


def test_quality_bench_runs_small(shared_data: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "quality_bench.py"), "--modes", "fast", "--limit", "300"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"TweetEval sentiment test \(300\): macro-recall 0\.\d+", out)
    assert re.search(r"complaints_uva2015 held-out sets \(300 distinct tweets, \d+ complaints\): intent == complaint F1 0\.\d+.*always complaint F1 0\.\d+", out)
    assert re.search(r"inbox check \(33 messages\): complaints flagged needs_response \d of 6; chit-chat flagged needs_response \d+ of 10; "
                     r"emergencies urgency=high \d of 3", out)
    assert re.search(r"care set, fresh test split \(300\): intent accuracy 0\.\d+, macro-F1 0\.\d+ \(majority class", out)
    assert re.search(r"always-urgent phrases \(money\): care training labels \(300, \d+ urgent\): fire on \d+, \d+ labelled urgent; "
                     r"TWCS customer tweets \(300\): fire on \d+", out)


def test_understand_bench_runs_small(shared_data: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "understand_bench.py"), "--messages", "1500", "--classify-lines", "1500",
         "--quality-limit", "1000"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for run in ("vader", "goodwill --fast", "goodwill", "goodwill x2", "accurate"):
        assert re.search(rf"\| {run} \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d.]+ \| [\d,]+ \|", out), run
    assert re.search(r"--fast: [\d,]+/s, [\d.]+ x VADER \(goal >= 1\)", out)
    assert re.search(r"default \(cascade\): [\d,]+/s at best, [\d.]+ x VADER \(goal >= 0\.25\); the encoder read \d+%", out)
    for flags in ("--fast --workers 1", "--fast", "(default)"):
        assert re.search(rf"\| goodwill classify {re.escape(flags)} \| 1,500 \| [\d.]+ \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d.]+ \| [\d,]+ \|", out), flags
    assert re.search(r"goodwill classify --fast on \d+ cores: [\d.]+ x VADER's rate \(goal >= 1\): (met|NOT met)", out)
    assert re.search(r"goodwill classify \(default\) on \d+ cores: [\d.]+ x VADER's rate \(goal >= 0\.25\): (met|NOT met)", out)
    assert re.search(r"\| VADER \(compound, \+-0\.05\) \| 57\.0 \|", out)  # the published figure, measured again
    assert re.search(r"needs_response predicted for [\d.]+%", out)


def test_graph_bench_runs_small(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "graph_bench.py"), "--size", "20000", "--accounts", "4000",
         "--repeat", "1", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"generated 20,000 interactions among 4,000 accounts", out)
    ranked = re.search(r"\| baseline: networkx read \+ DiGraph \+ pagerank \| [\d.]+ \| [\d.]+ \| \d+ \| ([\d,]+) ranked \|", out)
    scored = re.search(r"\| goodwill influence --edges \| [\d.]+ \| [\d.]+ \| \d+ \| ([\d,]+) accounts scored \|", out)
    assert ranked and scored and ranked.group(1) == scored.group(1)  # the same accounts
    assert re.search(r"\| goodwill communities --edges \| [\d.]+ \| [\d.]+ \| \d+ \| [\d,]+ communities of 3\+ \|", out)
    assert re.search(r"influence speed-up over networkx: [\d.]+x \(goal 10x\): (met|NOT met)", out)
    assert re.search(r"communities beyond influence: -?[\d.]+ s \(goal < 5 s\): (met|NOT met)", out)


def test_signin_bench_runs_small() -> None:
    result = subprocess.run(
        [sys.executable, "signin_bench.py", "--flood", "10", "--rounds", "1"],
        capture_output=True, text=True, timeout=300, cwd=ROOT / "benchmarks",
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"quiet: API median [\d.]+ ms, worst [\d.]+ ms \(40 calls\)", result.stdout)
    assert re.search(r"flood of 10 sign-ins x 1: API median [\d.]+ ms, .*answers \{", result.stdout)


def test_tone_bench_runs_small() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tone_bench.py"), "--repeat", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.search(r"69 drafts; whole flag set right on \d+%; micro precision [\d.]+, recall [\d.]+", result.stdout)
    assert re.search(r"no_answer\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+", result.stdout)
    assert re.search(r"speed: \d+ µs per check", result.stdout)


def test_givetake_bench_runs_small(shared_data: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "givetake_bench.py"), "--posts", "200"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"give/take test split: \d+ posts \(\d+ give, \d+ take\)", out)
    for reader in ("baseline: promotional score >= 0.5", "words head", r"full head \(words \+ encoder\)"):
        assert re.search(rf"\| {reader} \| [01]\.\d\d \| [01]\.\d\d \| [01]\.\d\d \| [01]\.\d\d \| [01]\.\d{{3}} \|", out), reader
    assert re.search(r"speed over 200 posts .*: words head [\d,]+/s, full head [\d,]+/s", out)


def test_kb_bench_runs_small(shared_data: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "kb_bench.py"), "--limit", "40"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "| BM25 alone | test |" in result.stdout and "tuned weight" in result.stdout


def test_inbox_bench_kb_part_runs_small(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "inbox_bench.py"), "--part", "kb", "--articles", "200",
                             "--queries", "20"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert re.search(r"knowledge base: 200 articles, 20 messages", result.stdout)
    assert re.search(r"suggest \(hybrid, service\)\s+p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", result.stdout)
    assert re.search(r"CPU time of this process per suggestion: [\d.]+ ms", result.stdout)
    assert re.search(r"the same messages again \(kept vectors\)\s+p50\s+[\d.]+ ms", result.stdout)
    assert re.search(r"baseline: BM25 alone", result.stdout) and "goal p95 < 50 ms" in result.stdout


def test_inbox_bench_cases_part_runs_small() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "inbox_bench.py"), "--part", "cases", "--messages", "3000"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"\| baseline: read the messages with signals and threads \| [\d.]+ \| [\d.]+ \| [\d,]+ \|", out)
    assert re.search(r"\| goodwill: open, route and prioritise cases \| [\d.]+ \| [\d.]+ \| [\d,]+ \|", out)
    opened = re.search(r"opened ([\d,]+), joined", out)
    assert opened and int(opened.group(1).replace(",", "")) > 0
    assert re.search(r"case list \(50 most urgent\)\s+p50\s+[\d.]+ ms", out)
    assert re.search(r"goal < 10 s for 100,000 messages, in proportion for 3,000: < 0.30 s: (met|NOT met) "
                     r"\([\d.]+ s wall, [\d.]+ s CPU\)", out)


def test_gate_bench_runs(shared_data: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gate_bench.py")],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 7 and "care test split: 521 messages" in result.stdout
    fast, _, *_, every = rows[1:]
    assert fast.split(" | ")[1] == "0.000" and every.split(" | ")[1] == "1.000"


def test_people_bench_runs_small() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "people_bench.py"), "--messages", "2000", "--views", "5"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"scoring run: [\d,]+ people in [\d.]+ s wall, [\d.]+ s CPU", out)
    assert re.search(r"person page \(stored scores\): [\d.]+ ms wall, [\d.]+ ms CPU per view", out)
    assert re.search(r"baseline, the graph scored per view: [\d.]+ ms wall, [\d.]+ ms CPU per view", out)

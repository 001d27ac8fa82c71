"""Influence and outreach on a generated graph give the ranking, scores and reasons of the reference.

tests/data/graph_reference.csv.gz holds what the straightforward scoring
(main at f64f720, before the scoring was made fast) gave on the benchmark's
generated graph at a small size (8,000 interactions among 1,500 accounts,
seed 7): every account with its rank, its influence and outreach at full
precision, and the reasons in words as `goodwill influence` printed them.
The fast scoring must agree up to floating-point noise: scores within 1e-9
(relative), the same reasons word for word, and a ranking that differs at most
where the reference's scores tie.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from goodwill.graph import score_edges
from goodwill.graph.read import read_edges

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "data" / "graph_reference.csv.gz"


def _generate(path: Path) -> None:
    spec = importlib.util.spec_from_file_location("graph_bench", ROOT / "benchmarks" / "graph_bench.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(path, 8000, 1500)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "edges.csv"
    _generate(path)
    return path


@pytest.fixture(scope="module")
def reference() -> list[dict[str, str]]:
    with gzip.open(REFERENCE, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _ranked_consistently(order: list[str], ref: dict[str, dict[str, str]]) -> None:
    """Each account is ranked no lower than the next one by the reference's scores (ties may swap)."""
    for a, b in zip(order, order[1:], strict=False):
        ka = (float(ref[a]["influence"]), float(ref[a]["outreach"]))
        kb = (float(ref[b]["influence"]), float(ref[b]["outreach"]))
        tie = np.isclose(ka[0], kb[0], rtol=1e-9, atol=1e-12)
        assert ka[0] > kb[0] or (tie and (ka[1] >= kb[1] or np.isclose(ka[1], kb[1], rtol=1e-9, atol=1e-12))), (a, b, ka, kb)


@pytest.mark.parametrize("threads", [1, 2])
def test_scores_match_the_reference(graph: Path, reference: list[dict[str, str]], threads: int) -> None:
    scores = score_edges(read_edges(graph), threads=threads)
    ref = {r["account"]: r for r in reference}
    assert sorted(scores.accounts) == sorted(ref)
    expected_influence = np.asarray([float(ref[a]["influence"]) for a in scores.accounts])
    expected_outreach = np.asarray([float(ref[a]["outreach"]) for a in scores.accounts])
    np.testing.assert_allclose(scores.influence, expected_influence, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scores.outreach, expected_outreach, rtol=1e-9, atol=1e-12)
    assert (scores.influence > 0).sum() == (expected_influence > 0).sum()
    influence_reasons, outreach_reasons = scores.explain()
    assert influence_reasons.to_pylist() == [ref[a]["influence_reasons"] for a in scores.accounts]
    assert outreach_reasons.to_pylist() == [ref[a]["outreach_reasons"] for a in scores.accounts]
    ahead = score_edges(read_edges(graph), threads=threads, reasons=True)  # the reasons worked out beside the ranking
    assert ahead.reasons is not None and ahead.reasons[0].equals(influence_reasons) and ahead.reasons[1].equals(outreach_reasons)
    np.testing.assert_array_equal(ahead.influence, scores.influence)


@pytest.mark.parametrize("as_json", [False, True])
def test_the_command_ranks_as_the_reference(graph: Path, reference: list[dict[str, str]], as_json: bool) -> None:
    """As a process, through the entry point the benchmark times."""
    result = subprocess.run(
        [sys.executable, "-m", "goodwill", "influence", "--edges", str(graph), *(["--json"] if as_json else [])],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    if as_json:
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        for row in rows:
            row["influence_reasons"] = "; ".join(row["influence_reasons"])
            row["outreach_reasons"] = "; ".join(row["outreach_reasons"])
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
    ref = {r["account"]: r for r in reference}
    order = [r["account"] for r in rows]
    assert sorted(order) == sorted(ref)
    _ranked_consistently(order, ref)
    for row in rows:
        want = ref[row["account"]]
        assert float(row["influence"]) == pytest.approx(round(float(want["influence"]), 4), abs=1.01e-4)
        assert float(row["outreach"]) == pytest.approx(round(float(want["outreach"]), 4), abs=1.01e-4)
        assert (row["influence_reasons"], row["outreach_reasons"]) == (want["influence_reasons"], want["outreach_reasons"])
    # the leaders are not ties: they come in the reference's order
    assert order[:50] == [r["account"] for r in reference[:50]]

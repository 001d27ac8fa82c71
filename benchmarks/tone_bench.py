"""The tone check against a labelled set of draft replies: precision and recall per flag, and its speed.

    python benchmarks/tone_bench.py                    # the set in benchmarks/data/tone_drafts.jsonl
    python benchmarks/tone_bench.py --repeat 2000      # checks timed (default 200 passes over the set)
    python benchmarks/tone_bench.py --set benchmarks/data/tone_twcs.csv   # real brand replies (../shared/data)

The set is written by us (not taken from any data set): customer messages
and draft replies on Bluesky, Mastodon, X and Reddit in the style of brand
support replies, good ones and bad ones, each labelled with the flags it
should raise (`labels`), with the knowledge-base article suggested for the
message where one is (`article`: title, url, and its fit as the knowledge base scores it, `score`). Precision and recall
are counted per flag over the drafts; "exact" is the share of drafts whose
whole set of flags is right. The baseline in the same run is a flag-nothing
checker (precision undefined, recall 0) and, for speed, a pass that only
lower-cases each draft.

`tone_twcs.csv` holds 60 real customer tweets and the brand replies to them
from Customer Support on Twitter (`../shared/data/twcs/twcs_head5000.csv`,
pairs drawn with `random.seed(12)`), as ids and our labels only: the texts
are read from the shared data and checked against each row's `sha` (the
first 12 hex digits of SHA-256 of question, newline, reply). No article is
suggested for them, so `no_link` is not labelled there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path

from goodwill.domain.tone import FLAG_CODES, Article
from goodwill.inbox.tone import check

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "data" / "tone_drafts.jsonl"


def load_twcs(path: Path, data: Path) -> list[dict]:
    """The labelled TWCS pairs, their texts read from the shared data and checked."""
    labelled = list(csv.DictReader(path.open(encoding="utf-8")))
    texts: dict[tuple[str, str], str] = {}
    for name in {r["file"] for r in labelled}:
        with (data / "twcs" / name).open(encoding="utf-8", newline="") as f:
            texts.update({(name, t["tweet_id"]): t["text"] for t in csv.DictReader(f)})
    rows = []
    for n, r in enumerate(labelled, 2):
        question, reply = texts[(r["file"], r["question_row"])], texts[(r["file"], r["row"])]
        if hashlib.sha256(f"{question}\n{reply}".encode()).hexdigest()[:12] != r["sha"]:
            raise SystemExit(f"{path}:{n}: the shared data's texts changed (sha {r['sha']})")
        rows.append({"id": f"twcs-{r['row']}", "platform": "twitter", "question": question, "draft": reply,
                     "labels": r["labels"].split()})
    return rows


def load(path: Path, data: Path = HERE.parent.parent / "shared" / "data") -> list[dict]:
    if path.suffix == ".csv":
        return load_twcs(path, data)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            unknown = set(row["labels"]) - set(FLAG_CODES)
            if unknown:
                raise SystemExit(f"{path}:{n}: unknown label {sorted(unknown)}")
            rows.append(row)
    return rows


def run(row: dict) -> list[str]:
    article = row.get("article")
    articles = [Article("a", article["title"], article["url"], float(article["score"]))] if article else []
    return check(row["draft"], platform=row["platform"], question=row["question"], articles=articles).codes


def evaluate(rows: list[dict]) -> dict:
    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in FLAG_CODES}
    exact = 0
    misses = []
    for row in rows:
        got, want = set(run(row)), set(row["labels"])
        exact += got == want
        if got != want:
            misses.append({"id": row["id"], "extra": sorted(got - want), "missed": sorted(want - got)})
        for c in FLAG_CODES:
            counts[c]["tp"] += c in got and c in want
            counts[c]["fp"] += c in got and c not in want
            counts[c]["fn"] += c in want and c not in got
    per_flag = {}
    for c, k in counts.items():
        p = k["tp"] / (k["tp"] + k["fp"]) if k["tp"] + k["fp"] else None
        r = k["tp"] / (k["tp"] + k["fn"]) if k["tp"] + k["fn"] else None
        per_flag[c] = {**k, "precision": p, "recall": r, "support": k["tp"] + k["fn"]}
    tp = sum(k["tp"] for k in counts.values())
    fp = sum(k["fp"] for k in counts.values())
    fn = sum(k["fn"] for k in counts.values())
    return {"drafts": len(rows), "exact": exact / len(rows), "per_flag": per_flag,
            "micro_precision": tp / (tp + fp) if tp + fp else None, "micro_recall": tp / (tp + fn) if tp + fn else None,
            "misses": misses}


def timing(rows: list[dict], repeat: int) -> dict:
    start = time.perf_counter()
    for _ in range(repeat):
        for row in rows:
            row["draft"].lower()
    base = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        for row in rows:
            run(row)
    spent = time.perf_counter() - start
    n = repeat * len(rows)
    return {"checks": n, "us_per_check": spent / n * 1e6, "baseline_us_per_lower": base / n * 1e6}


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = load(args.set)
    result = evaluate(rows)
    result["timing"] = timing(rows, args.repeat)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['drafts']} drafts; whole flag set right on {result['exact']:.0%}; "
          f"micro precision {fmt(result['micro_precision'])}, recall {fmt(result['micro_recall'])} "
          "(baseline flagging nothing: recall 0.00)")
    print(f"{'flag':<12} {'support':>7} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}")
    for c, k in result["per_flag"].items():
        print(f"{c:<12} {k['support']:>7} {k['tp']:>3} {k['fp']:>3} {k['fn']:>3} {fmt(k['precision']):>9} "
              f"{fmt(k['recall']):>6}")
    t = result["timing"]
    print(f"speed: {t['us_per_check']:.0f} µs per check over {t['checks']:,} checks "
          f"(baseline: lower-casing the draft, {t['baseline_us_per_lower']:.2f} µs)")
    for m in result["misses"]:
        print(f"  {m['id']}: extra {m['extra']}, missed {m['missed']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

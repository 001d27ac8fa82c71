"""Knowledge-base suggestions: how well `goodwill kb suggest`'s ranking finds
the help document a brand's agent linked, on the IBM customer-care
conversations (Ganhotra et al., EMNLP 2020), beside BM25 alone and the
encoder alone, in the same run.

    python benchmarks/kb_bench.py                 # tune on one half, report on the other
    python benchmarks/kb_bench.py --limit 120     # fewer conversations (the test suite's size)

The data (``../shared/data/ibm_cdp_customer_care``) has 525 conversations of
24 brands, each ending with an agent's tweet that links one help document;
each brand has a list of candidate documents. The documents' text is not in
the data, so each document is represented by what the data provides:

- its title: the words of its URL's path (``.../listen-offline-troubleshooting``);
- its body: the agent replies that linked it in OTHER conversations, with
  links and @handles taken out. The conversation being ranked never sees its
  own agent reply: its document's body is rebuilt without it.

The message is the customer's turns before the agent's link, joined. For each
conversation the ranker orders all of its brand's candidate documents; the
score is the gold document's reciprocal rank (MRR) and whether it is in the
first five (recall@5).

Split: the conversations are split in two halves by a hash of their session
id (seeded, reproducible). The fusion weight is chosen on the first half
(`tune`) by MRR over a grid, and every figure is reported on the second
(`test`). Rows: BM25 alone (weight 1), the encoder alone (weight 0),
reciprocal rank fusion of the two (k=60, no tuning), and the hybrid at the
tuned weight and at the weight the product ships.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from goodwill.domain.knowledge import Article  # noqa: E402
from goodwill.inbox.knowledge import LEXICAL_WEIGHT, Ranker, dense_text  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ibm_cdp_customer_care"
_LINK = re.compile(r"https?://\S+|https?: //\S+")
_HANDLE = re.compile(r"@\w+")
GRID = [round(x, 2) for x in np.linspace(0.0, 1.0, 21)]


def clean(text: str) -> str:
    return " ".join(_HANDLE.sub(" ", _LINK.sub(" ", text)).split())


def load(limit: int | None) -> tuple[list[dict[str, Any]], dict[str, list[str]], dict[str, str]]:
    conversations = json.loads((DATA / "dev.json").read_text(encoding="utf-8"))
    if limit:
        conversations = conversations[:limit]
    candidates: dict[str, list[str]] = {}
    with (DATA / "company_docIDs.tsv").open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 2:
                candidates[row[0]] = [d.strip() for d in row[1].split(",") if d.strip()]
    urls: dict[str, str] = {}
    with (DATA / "docID_url.tsv").open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 2:
                urls[row[0].strip()] = row[1].strip()
    return conversations, candidates, urls


def original_url(url: str) -> str:
    """``https://web.archive.org/web/2020.../https://help.x.com/a-b`` -> ``https://help.x.com/a-b``."""
    match = re.match(r"https?://web\.archive\.org/web/\d+[a-z_]*/(.+)$", url)
    return match.group(1) if match else url


def half_of(conversation: dict[str, Any]) -> str:
    digest = hashlib.sha256(b"kb-bench-2026:" + conversation["dialogHeader"]["sessionID"].encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "test"


def query_of(conversation: dict[str, Any]) -> str:
    return clean(" ".join(t["message"] for t in conversation["dialogContent"] if "client" in t))


class CachedEmbed:
    """The shared encoder, remembering each text's vector (documents repeat across conversations)."""

    def __init__(self) -> None:
        from goodwill.understand.encoder import load_encoder

        self.encoder = load_encoder()
        self.memo: dict[str, np.ndarray[Any, Any]] = {}
        self.seconds = 0.0

    def __call__(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            start = time.perf_counter()
            for text, vector in zip(missing, self.encoder.embed(missing), strict=True):
                self.memo[text] = vector
            self.seconds += time.perf_counter() - start
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, self.encoder.dimensions), np.float32)


def scores_per_conversation(conversations: list[dict[str, Any]], candidates: dict[str, list[str]],
                            urls: dict[str, str], embed: CachedEmbed) -> list[tuple[str, list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """For each conversation: its half, its brand's candidate ids, and the normalised BM25 and cosine arrays."""
    replies: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for n, c in enumerate(conversations):
        replies[(c["dialogHeader"]["company"], c["agentURL"]["doc_id"])].append((n, clean(c["agentURL"]["url_utterance"])))
    out = []
    for n, c in enumerate(conversations):
        brand = c["dialogHeader"]["company"]
        ids = candidates.get(brand, [])
        gold = c["agentURL"]["doc_id"]
        if gold not in ids:
            continue
        articles = []
        for doc in ids:
            body = "\n".join(text for m, text in replies.get((brand, doc), []) if m != n)  # never this conversation's own reply
            url = original_url(urls.get(doc, ""))
            articles.append(Article(id=doc, title="", body=body, url=url))
        ranker = Ranker(articles, vectors=embed([dense_text(a) for a in articles]), embed=embed, lexical_weight=0.5)
        text = query_of(c)
        raw = ranker.lexical_scores(text)
        best = float(raw.max()) if len(raw) else 0.0
        lexical = raw / best if best > 0 else raw
        meaning = np.clip(ranker.meaning_scores(text), 0.0, 1.0)
        out.append((half_of(c), ids, lexical, meaning, ids.index(gold)))
    return out  # type: ignore[return-value]


def rank_of(scores: np.ndarray[Any, Any], gold: int) -> int:
    """1-based rank of the gold document; ties broken against it (no credit for a tie)."""
    return int((scores > scores[gold]).sum() + (scores[np.arange(len(scores)) != gold] == scores[gold]).sum()) + 1


def metrics(rows: list[Any], fuse: Any) -> dict[str, float]:
    ranks = [rank_of(fuse(lexical, meaning), gold) for _, _, lexical, meaning, gold in rows]
    return {"conversations": len(ranks), "mrr": float(np.mean([1.0 / r for r in ranks])) if ranks else 0.0,
            "recall@5": float(np.mean([r <= 5 for r in ranks])) if ranks else 0.0,
            "recall@1": float(np.mean([r <= 1 for r in ranks])) if ranks else 0.0}


def convex(weight: float) -> Any:
    return lambda lexical, meaning: weight * lexical + (1 - weight) * meaning


def rrf(lexical: np.ndarray[Any, Any], meaning: np.ndarray[Any, Any], k: int = 60) -> np.ndarray[Any, Any]:
    def ranks(s: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        order = np.argsort(-s, kind="stable")
        r = np.empty(len(s))
        r[order] = np.arange(1, len(s) + 1)
        return r
    return np.asarray(1 / (k + ranks(lexical)) + 1 / (k + ranks(meaning)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N conversations")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"missing {DATA}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    conversations, candidates, urls = load(args.limit)
    embed = CachedEmbed()
    rows = scores_per_conversation(conversations, candidates, urls, embed)
    tune = [r for r in rows if r[0] == "tune"]
    test = [r for r in rows if r[0] == "test"]
    grid = {w: metrics(tune, convex(w))["mrr"] for w in GRID}
    tuned = max(grid, key=lambda w: (grid[w], -abs(w - 0.5)))
    print(f"conversations: {len(rows)} with their gold document among the brand's candidates "
          f"({len(tune)} tune, {len(test)} test); candidates per brand: median "
          f"{int(np.median([len(r[1]) for r in rows])) if rows else 0}")
    print("tune-half MRR by BM25 weight: " + ", ".join(f"{w:.2f}:{m:.3f}" for w, m in grid.items()))
    print(f"tuned weight {tuned:.2f}; the product ships {LEXICAL_WEIGHT:.2f}")
    table = [
        ("BM25 alone", convex(1.0)),
        ("encoder alone", convex(0.0)),
        ("reciprocal rank fusion (k=60)", rrf),
        (f"hybrid, tuned weight {tuned:.2f}", convex(tuned)),
        (f"hybrid, shipped weight {LEXICAL_WEIGHT:.2f}", convex(LEXICAL_WEIGHT)),
    ]
    print("\n| ranker | half | conversations | MRR | recall@5 | recall@1 |\n|---|---|---|---|---|---|")
    for name, fuse in table:
        for label, half in (("test", test), ("tune", tune)):
            m = metrics(half, fuse)
            print(f"| {name} | {label} | {m['conversations']} | {m['mrr']:.3f} | {m['recall@5']:.3f} | {m['recall@1']:.3f} |")
    print(f"\nencoder time {embed.seconds:.1f} s for {len(embed.memo)} texts; total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

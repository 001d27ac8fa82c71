"""Reading the customer-care corpora under the shared data folder.

Used by the labelling and training scripts (never at run time): the committed
labels name messages by dataset and id, and the texts are joined back in from
the data folder, which is not part of the package.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: Where the data folder is looked for when none is given: `../shared/data`
#: beside the repository, then the current directory's `../shared/data`.
DEFAULT_DATA = Path(__file__).resolve().parents[4].parent / "shared" / "data"


@dataclass
class Example:
    """One customer message, with the evidence around it."""

    dataset: str  # twcs | tweet_acts
    id: str  # tweet_id for twcs, 1-based row number for tweet_acts
    text: str
    group: str  # conversation / author key used to split train from held-out
    brand: str = ""  # the brand the message was sent to, when known
    replies: list[str] = field(default_factory=list)  # the brand's replies, when known
    has_reply: bool | None = None  # whether the brand answered (None: unknown)
    act: str = ""  # tweet_acts' own label
    topics: list[str] = field(default_factory=list)  # Kecht et al.'s topic labels
    followup: bool = False  # a customer's later turn, answering the brand


def data_dir(path: Path | None = None) -> Path:
    candidates = [path] if path else [DEFAULT_DATA, Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if c is not None and (c / "twcs").is_dir():
            return c
    raise FileNotFoundError(f"no data folder with twcs/ found (tried {', '.join(str(c) for c in candidates)})")


def _twcs_rows(data: Path) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for name in ("twcs_head5000.csv", "twcs_kaggle_sample.csv"):
        with open(data / "twcs" / name, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["tweet_id"], r)
    return rows


def twcs(data: Path) -> Iterator[Example]:
    """Customer (inbound) tweets of the TWCS samples, with the brand's replies."""
    rows = _twcs_rows(data)
    kecht: dict[str, dict[str, str]] = {}
    for f in sorted((data / "twcs" / "labeled_kecht2021").glob("*-inbound.csv")):
        with open(f, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                kecht.setdefault(r["tweet_id"], r)

    def root(tid: str) -> str:
        seen = 0
        while (parent := rows.get(tid, {}).get("in_response_to_tweet_id")) and parent in rows and seen < 50:
            tid, seen = parent, seen + 1
        return tid

    def brand_of(r: dict[str, str]) -> str:
        for rid in r.get("response_tweet_id", "").split(","):
            reply = rows.get(rid)
            if reply and reply["inbound"] != "True":
                return reply["author_id"]
        parent = rows.get(r.get("in_response_to_tweet_id", ""))
        if parent and parent["inbound"] != "True":
            return parent["author_id"]
        return ""

    for tid, r in rows.items():
        if r["inbound"] != "True":
            continue
        replies = [rows[x]["text"] for x in r["response_tweet_id"].split(",") if x in rows and rows[x]["inbound"] != "True"]
        parent = rows.get(r["in_response_to_tweet_id"])
        followup = parent is not None and parent["inbound"] != "True"
        yield Example("twcs", tid, r["text"], "twcs:" + root(tid), brand_of(r), replies, bool(r["response_tweet_id"].strip()),
                      followup=followup)
    meta = [c for c in next(iter(kecht.values()), {}) if c not in {
        "main_tweet_id", "tweet_id", "in_response_to_tweet_id", "response_tweet_id", "created_at", "author_id", "inbound", "text", "company"}]
    for tid, r in kecht.items():
        if tid in rows:
            continue
        topics = [c for c in meta if r.get(c) == "1"]
        yield Example("twcs", tid, r["text"], "twcs:" + r["main_tweet_id"], r["company"], [],
                      bool(r["response_tweet_id"].strip()), topics=topics, followup=r["main_tweet_id"] != tid)


def tweet_acts(data: Path) -> Iterator[Example]:
    """Tweet Acts rows, first copy of each text only (the set repeats retweets)."""
    seen: set[str] = set()
    with open(data / "tweet_acts" / "TWEET_DATA.csv", encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f), 1):
            if len(row) != 2:
                continue
            text, act = row
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            group = "acts:" + hashlib.sha1(key.encode()).hexdigest()[:12]
            yield Example("tweet_acts", str(n), text, group, act=act)


def load(data: Path) -> dict[tuple[str, str], Example]:
    return {(e.dataset, e.id): e for src in (twcs(data), tweet_acts(data)) for e in src}

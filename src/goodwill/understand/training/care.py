"""The hand-labelled customer-care set: its sources, its sample and its labels.

The labels (`labels/care.csv`) were given by reading each message against
`docs/annotation-guidelines.md`. They hold no text: each row names its
message by data set, file and row id, with a hash of the text, and
`messages()` rebuilds the texts from the shared data folder (a changed or
missing text is an error naming the row).

The sample was drawn once, with a fixed seed, from customer messages in
`twcs` (the head file), `twcs_extra`, `tweetsumm_labelled`,
`ibm_cdp_customer_care` and `tweet_acts`; `complaints_uva2015` is kept out
of it, as the unseen cross-industry complaint test. At most one message is
taken per customer (per dialog for TweetSumm and IBM), and repeated texts
are dropped. The `test` split, about a quarter, was fixed by a hash of the
key before any model was trained on these labels; it is never used to revise
rules, features or thresholds.

A second, targeted sample (`cued_sample`, labels in `labels/care_cued.csv`,
training only) holds messages with purchase, suggestion, praise or question
cue phrases, so the rare intents have more examples.

`python -m goodwill.understand.training.care batch N` prints batch N of the
sample (100 messages) for labelling, `... cued-batch N` the same for the cued
sample; `... check` verifies the labels against the data folder and prints
their counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from goodwill.domain.labels import seeded_unit, text_hash
from goodwill.domain.signals import INTENTS
from goodwill.understand.training.corpus import data_dir

LABELS_DIR = Path(__file__).parent / "labels"
CARE_LABELS = LABELS_DIR / "care.csv"
#: The second, targeted sample: messages with a purchase, suggestion, praise or question cue (training only).
CUED_LABELS = LABELS_DIR / "care_cued.csv"
SAMPLE_SEED = "goodwill-care-sample-v1"
CUED_SEED = "goodwill-care-cued-v1"
#: The cue kinds of the second sample (`rules.CUES`), taken in turn; purchase twice a round, since
#: most messages with a purchase cue ("how much", "in stock") turn out to be questions or complaints.
CUED_KINDS = ("c:purchase", "c:suggest", "c:praise", "c:question")
CUED_ROUND = ("c:purchase", "c:suggest", "c:purchase", "c:praise", "c:question")
TEST_SEED = "goodwill-care-test-v1"
TEST_SHARE = 0.24
BATCH = 100
URGENCY_REASONS = ("safety", "money", "legal", "escalation", "leaving")
FIELDS = ("dataset", "file", "row", "sha", "split", "intent", "needs_response", "urgency", "urgency_reason", "reasons")

#: How many messages the sample takes from each source, in this order.
QUOTAS = {"twcs_extra": 800, "twcs": 350, "tweetsumm_labelled": 450, "ibm_cdp_customer_care": 350, "tweet_acts": 150}


@dataclass(frozen=True)
class CareMessage:
    """One customer message of the sources the hand labels are drawn from."""

    dataset: str
    file: str
    row: str  # the tweet id, or the dialog and turn for IBM, or the 1-based line for Tweet Acts
    text: str
    group: str  # the customer (or dialog): at most one message each

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.dataset, self.file, self.row)

    @property
    def sha(self) -> str:
        return text_hash(self.text)


def split_of(key: tuple[str, str, str]) -> str:
    """`test` or `train`, fixed by a hash of the key (decided before any modelling)."""
    return "test" if seeded_unit(TEST_SEED, key) < TEST_SHARE else "train"


def _twcs_file(path: Path, dataset: str, skip_source: str = "") -> Iterator[CareMessage]:
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["inbound"] != "True" or (skip_source and skip_source in r.get("source", "")):
                continue
            yield CareMessage(dataset, path.name, r["tweet_id"], r["text"], f"twcs:{r['author_id']}")


def sources(data: Path) -> Iterator[CareMessage]:
    """Every customer message of the five sources (before sampling)."""
    yield from _twcs_file(data / "twcs" / "twcs_head5000.csv", "twcs")
    for part in sorted((data / "twcs_extra").glob("twcs_extra_part*.csv")):
        # The AmazonHelp rows labelled for sentiment stay unseen (a brand-sentiment check).
        yield from _twcs_file(part, "twcs_extra", skip_source="hassanj47")
    path = data / "tweetsumm_labelled" / "tweetsumm_tweets_derived.csv"
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["role"] == "Customer" and r["in_shared_head5000"] == "0" and r["in_twcs_extra"] == "0":
                yield CareMessage("tweetsumm_labelled", path.name, r["tweet_id"], r["text"], f"tweetsumm:{r['dialog_id']}")
    path = data / "ibm_cdp_customer_care" / "dev.json"
    for d, dialog in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        company = dialog["dialogHeader"]["company"]
        for t, turn in enumerate(dialog["dialogContent"]):
            if turn.get("client") and turn["client"] != company and turn.get("message"):
                yield CareMessage("ibm_cdp_customer_care", path.name, f"{d}:{t}", turn["message"], f"ibm:{d}")
    path = data / "tweet_acts" / "TWEET_DATA.csv"
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if row and not row[0].startswith("RT @"):
                yield CareMessage("tweet_acts", path.name, str(n), row[0], f"acts:{n}")


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", re.sub(r"@\w+|https?://\S+", "", text.lower())).strip()


def sample(data: Path) -> list[CareMessage]:
    """The labelling sample, in labelling order: per source, messages ordered by
    a seeded hash, one per customer or dialog, no repeated text; the sources
    interleaved by the same hash."""
    by_source: dict[str, list[CareMessage]] = {}
    for m in sources(data):
        by_source.setdefault(m.dataset, []).append(m)
    seen_groups: set[str] = set()
    seen_texts: set[str] = set()
    chosen: list[CareMessage] = []
    for dataset, quota in QUOTAS.items():
        taken = 0
        for m in sorted(by_source.get(dataset, []), key=lambda m: seeded_unit(SAMPLE_SEED, m.key)):
            norm = _norm(m.text)
            if taken >= quota:
                break
            if m.group in seen_groups or norm in seen_texts or not norm:
                continue
            seen_groups.add(m.group)
            seen_texts.add(norm)
            chosen.append(m)
            taken += 1
    chosen.sort(key=lambda m: seeded_unit(SAMPLE_SEED + "/order", m.key))
    return chosen


def cued_sample(data: Path) -> list[CareMessage]:
    """The second labelling sample, for the intents the first has few of: customer messages of the same
    sources that hold a purchase, suggestion, praise or question cue phrase (`rules.CUES`), the
    kinds taken in turn (`CUED_ROUND`), each in an order fixed by a seeded hash; one message per customer (none of
    those of the first sample), no repeated text, and no text of the first sample or of a held-out set
    (`sets.held_out`: by the matching key and by the text's hash), so no held-out message is read."""
    from goodwill.understand import rules
    from goodwill.understand.training import sets

    first = sample(data)
    held = sets.held_out(data)
    first_groups = {m.group for m in first}
    first_keys = {sets.key(m.text) for m in first}
    first_shas = {m.sha for m in first}
    queues: dict[str, list[CareMessage]] = {kind: [] for kind in CUED_KINDS}
    for m in sorted(sources(data), key=lambda m: seeded_unit(CUED_SEED, m.key)):
        k = sets.key(m.text)
        if m.group in first_groups or k in held or k in first_keys or m.sha in first_shas:
            continue
        found = set(rules.CUES.find(rules.words(m.text)))
        kind = next((c for c in CUED_KINDS if c in found), None)
        if kind is not None:
            queues[kind].append(m)
    seen_groups: set[str] = set()
    seen_texts: set[str] = set()
    chosen: list[CareMessage] = []
    while any(queues.values()):
        for kind in CUED_ROUND:
            while queues[kind]:
                m = queues[kind].pop(0)
                norm = _norm(m.text)
                if m.group in seen_groups or norm in seen_texts or not norm:
                    continue
                seen_groups.add(m.group)
                seen_texts.add(norm)
                chosen.append(m)
                break
    return chosen


def read_labels(path: Path = CARE_LABELS) -> list[dict[str, str]]:
    """The label rows, each checked: an unknown intent or urgency is an error naming the line."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, r in enumerate(rows, start=2):
        for field, allowed in (("intent", INTENTS), ("needs_response", ("0", "1")), ("urgency", ("high", "normal", "low")),
                               ("split", ("train", "test")), ("urgency_reason", ("", *URGENCY_REASONS))):
            if r.get(field) not in allowed:
                raise ValueError(f"{path}:{n}: field {field!r} is {r.get(field)!r}, expected one of {', '.join(map(repr, allowed))}")
    return rows


@dataclass(frozen=True)
class Labelled:
    """A hand-labelled message with its text joined back in."""

    message: CareMessage
    split: str
    intent: str
    needs_response: bool
    urgency: str
    urgency_reason: str
    reasons: tuple[str, ...]


def messages(data: Path | None = None, path: Path = CARE_LABELS) -> list[Labelled]:
    """The hand-labelled messages, texts rebuilt from the data folder."""
    root = data_dir(data)
    index = {m.key: m for m in sources(root)}
    out: list[Labelled] = []
    for n, r in enumerate(read_labels(path), start=2):
        m = index.get((r["dataset"], r["file"], r["row"]))
        if m is None:
            raise ValueError(f"{path}:{n}: no message {r['dataset']}/{r['file']} row {r['row']} in {root}")
        if m.sha != r["sha"]:
            raise ValueError(f"{path}:{n}: the text of {r['dataset']}/{r['file']} row {r['row']} changed (hash {m.sha}, labelled {r['sha']})")
        out.append(Labelled(m, r["split"], r["intent"], r["needs_response"] == "1", r["urgency"], r["urgency_reason"],
                            tuple(x for x in r["reasons"].split("|") if x)))
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.care", description="The hand-labelled care set.")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    sub = parser.add_subparsers(dest="command", required=True)
    batch = sub.add_parser("batch", help="print one batch of the sample for labelling")
    batch.add_argument("n", type=int)
    cued = sub.add_parser("cued-batch", help="print one batch of the second (cued) sample for labelling")
    cued.add_argument("n", type=int)
    sub.add_parser("check", help="check the labels against the data folder and print their counts")
    args = parser.parse_args(argv)
    if args.command == "batch":
        for i, m in enumerate(sample(data_dir(args.data))[args.n * BATCH:(args.n + 1) * BATCH], start=args.n * BATCH):
            print(f"{i}\t{_one_line(m.text)}")
        return
    if args.command == "cued-batch":
        for i, m in enumerate(cued_sample(data_dir(args.data))[args.n * BATCH:(args.n + 1) * BATCH], start=args.n * BATCH):
            print(f"{i}\t{m.dataset}\t{m.file}\t{m.row}\t{m.sha}\t{_one_line(m.text)}")
        return
    labelled = messages(args.data)
    for split in ("train", "test"):
        part = [x for x in labelled if x.split == split]
        print(f"{split}: {len(part)} messages; intent {dict(Counter(x.intent for x in part))}; "
              f"needs_response {sum(x.needs_response for x in part)}; urgency {dict(Counter(x.urgency for x in part))}")


if __name__ == "__main__":
    main()

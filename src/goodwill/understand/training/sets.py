"""The labelled sets the intent, needs-response and urgency heads learn from and are scored on.

Training sets (never the care set's test split, and never a text that is also
in it):

- ``care``: the hand-labelled care set's train split (intent, needs_response,
  urgency), the strongest labels;
- ``weak``: the weak labels of ``labels/intent.csv`` (TWCS and Tweet Acts;
  intent and needs_response), train split only;
- ``tweetsumm``: the first customer turn of each TweetSumm dialog, labelled
  complaint or question by the dialog's type (needs_response yes);
- ``suggestions``: SemEval-2019 suggestion-mining sentences labelled as
  suggestions (forum posts, not tweets; few and down-weighted).

Held out, for scores only:

- ``care_test``: the care set's fresh test split;
- ``uva``: complaints_uva2015, tweets to five airlines and six telecoms
  labelled complaint or not by two judges (unseen brands, unseen year);
  its 857 repeated texts are dropped.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from goodwill.understand._textnorm import normalize
from goodwill.understand.training import care
from goodwill.understand.training.corpus import load

URGENT = "high"


@dataclass(frozen=True)
class Item:
    """One labelled text. A label of None means the set does not say."""

    text: str
    source: str
    intent: str | None
    needs: bool | None
    urgent: bool | None
    weight: float = 1.0


def _norm(text: str) -> str:
    return normalize(text).lower()


def care_items(data: Path, split: str) -> list[Item]:
    return [Item(x.message.text, "care", x.intent, x.needs_response, x.urgency == URGENT, 1.0)
            for x in care.messages(data) if x.split == split]


def weak_items(data: Path) -> list[Item]:
    examples = load(data)
    with open(care.LABELS_DIR / "intent.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [Item(examples[(r["dataset"], r["id"])].text, "weak", r["intent"], r["needs_response"] == "1", None, 1.0)
            for r in rows if r["split"] == "train" and (r["dataset"], r["id"]) in examples]


def tweetsumm_items(data: Path) -> list[Item]:
    base = data / "tweetsumm_labelled"
    with open(base / "tweetsumm_dialogs_labelled.csv", encoding="utf-8", newline="") as f:
        kind = {r["dialog_id"]: r["dialog_type_en"] for r in csv.DictReader(f)}
    first: dict[str, tuple[int, str]] = {}
    with open(base / "tweetsumm_tweets_derived.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["role"] == "Customer":
                turn = int(r["turn_index"])
                if r["dialog_id"] not in first or turn < first[r["dialog_id"]][0]:
                    first[r["dialog_id"]] = (turn, r["text"])
    return [Item(text, "tweetsumm", kind[d], True, None, 1.0) for d, (_, text) in first.items()
            if kind.get(d) in ("complaint", "question")]


def suggestion_items(data: Path) -> list[Item]:
    path = data / "suggestion_mining_semeval2019" / "V1.4_Training.csv"
    out: list[Item] = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) == 3 and row[2] == "1":
                out.append(Item(row[1].strip('"'), "suggestions", "suggestion", None, None, 0.3))
    return out


def uva_items(data: Path) -> list[Item]:
    """complaints_uva2015 (complaint or not), one item per distinct text."""
    seen: set[str] = set()
    out: list[Item] = []
    for path in sorted((data / "complaints_uva2015" / "final_labels").glob("*_finalLabels.csv")):
        # Only telecom_set2 is UTF-8; the others are latin-1 (see the data set's SOURCE.md).
        encoding = "utf-8" if path.name.startswith("telecom_set2") else "latin-1"
        with open(path, encoding=encoding, newline="") as f:
            for n, r in enumerate(csv.DictReader(f), start=2):
                try:
                    label = float(r["finalLabel"])
                except ValueError:
                    raise ValueError(f"{path}:{n}: field 'finalLabel' is {r['finalLabel']!r}, expected 0 or 1") from None
                key = _norm(r["text"])
                if key in seen:
                    continue
                seen.add(key)
                out.append(Item(r["text"], "uva", "complaint" if label >= 0.5 else None, None, None))
    return out


def training(data: Path) -> list[Item]:
    """Every training item, with texts of the held-out sets removed."""
    held = {_norm(i.text) for i in care_items(data, "test")} | {_norm(i.text) for i in uva_items(data)}
    items = care_items(data, "train") + weak_items(data) + tweetsumm_items(data) + suggestion_items(data)
    out: list[Item] = []
    seen: set[str] = set()
    for item in items:  # the care labels come first and win over weaker labels of the same text
        key = _norm(item.text)
        if key in held or key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


def describe(items: list[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in items:
        counts[i.source] = counts.get(i.source, 0) + 1
    return counts


if __name__ == "__main__":
    from goodwill.understand.training.corpus import data_dir

    root = data_dir(None)
    print(json.dumps(describe(training(root))))

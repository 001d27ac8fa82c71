"""The labelled sets the intent, needs-response and urgency heads learn from and are scored on.

Training sets (never the care set's test split, and never a text that is also
in it):

- ``care``: the hand-labelled care set's train split and its second, cued
  sample (intent, needs_response, urgency), the strongest labels;
- ``weak``: the weak labels of ``labels/intent.csv`` (TWCS and Tweet Acts;
  intent and needs_response), train split only;
- ``tweetsumm``: the first customer turn of each TweetSumm dialog, labelled
  complaint or question by the dialog's type (needs_response yes);
- ``suggestions``: SemEval-2019 suggestion-mining sentences labelled as
  suggestions (forum posts, not tweets; few and down-weighted).

- ``uva``: complaints_uva2015's first sets (``airlines_set1``,
  ``telecom_set1``): tweets to five airlines and six telecoms labelled
  complaint or not by two judges; they teach the complaint column only
  (a non-complaint says nothing about which other intent it is).

Held out, for scores only, never used for any choice:

- ``care_test``: the care set's fresh test split;
- ``uva_test``: complaints_uva2015's second sets (``airlines_set2``,
  ``telecom_set2``), less every text that also occurs in the first sets.

Texts are matched across sets by `key` (lower case; mentions, links, a
leading "RT" and punctuation dropped), so a retweet of a held-out text is
not trained on either. Repeated texts are kept once, the first label wins.

Each item carries its `domain`: the industry of the brands it is addressed
to (``airline``, ``telecom``, or ``other``), read from the handles it
mentions (`industry`) or, for complaints_uva2015, from its file. The
cross-domain protocol (`crossdomain`) leaves one industry out by it.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from goodwill.understand._textnorm import normalize
from goodwill.understand.training import care
from goodwill.understand.training.corpus import load

URGENT = "high"
#: Customer-care handles of airlines and telecoms (and TV services sold by them), lower case.
INDUSTRY_HANDLES = {
    "airline": frozenset("delta americanair united jetblue southwestair british_airways virginatlantic virginamerica alaskaair "
                         "airasiasupport aircanada klm lufthansa ryanair easyjet emirates qantas spiritairlines flyfrontier "
                         "hawaiianair westjet".split()),
    "telecom": frozenset("att attcares comcast comcastcares xfinity xfinitysupport verizon verizonsupport vzwsupport tmobile "
                         "tmobilehelp sprint sprintcare ask_spectrum hulu hulu_support dish dishnetwork directv coxhelp o2 "
                         "idea_cares safaricom_care glocare virginmedia ee bt_uk btcare vodafoneuk threeuk uscellular "
                         "boostcare centurylink".split()),
}
_HANDLE = re.compile(r"@(\w+)")


@dataclass(frozen=True)
class Item:
    """One labelled text. A label of None means the set does not say."""

    text: str
    source: str
    intent: str | None
    needs: bool | None
    urgent: bool | None
    weight: float = 1.0
    is_complaint: bool | None = None  # for sets that say complaint or not without naming the other intent
    domain: str = "other"
    #: A care item of the cued sample (drawn by cue phrases, so its intents are not at their natural
    #: prevalence), not of the first, random sample.
    cued: bool = False

    @property
    def complaint(self) -> bool | None:
        """Complaint or not, when the set says."""
        return self.intent == "complaint" if self.intent is not None else self.is_complaint


def industry(text: str) -> str:
    """The industry of the brand handles a text mentions: airline, telecom, or other."""
    handles = {h.lower() for h in _HANDLE.findall(text)}
    for name, known in INDUSTRY_HANDLES.items():
        if handles & known:
            return name
    return "other"


def _norm(text: str) -> str:
    return normalize(text).lower()


def key(text: str) -> str:
    """The text as sets are matched: lower case, mentions, links, a leading RT and punctuation dropped."""
    k = re.sub(r"^rt\b\s*", "", care._norm(text))
    return k or "=" + _norm(text)  # a text of mentions and emoji only is matched as it is


def care_items(data: Path, split: str) -> list[Item]:
    """The hand-labelled care set's `split`; the train split includes the second, cued sample (`care.cued_sample`)."""
    labelled = [(x, False) for x in care.messages(data)]
    if split == "train":
        labelled += [(x, True) for x in care.messages(data, care.CUED_LABELS)]
    return [Item(x.message.text, "care", x.intent, x.needs_response, x.urgency == URGENT, 1.0, domain=industry(x.message.text), cued=cued)
            for x, cued in labelled if x.split == split]


#: Weak intent labels left out of the intent and complaint columns (their needs_response labels stay):
#: questions among Tweet Acts. Tweet Acts are general tweets, not messages to brands; the hand labels call a
#: question not put to a brand `other` (all 109 Tweet Acts rows of the first sample's train split are `other`),
#: while the labelling functions called 491 of them questions by their form alone.
WEAK_INTENT_DROPPED = {("tweet_acts", "question")}


def weak_items(data: Path, split: str = "train") -> list[Item]:
    """The weak labels of one split: ``train`` (trained on) or ``heldout`` (never trained on; `needs_share`
    measures on it)."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be train or heldout, not {split!r}")
    examples = load(data)
    with open(care.LABELS_DIR / "intent.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [Item(examples[(r["dataset"], r["id"])].text, "weak",
                 None if (r["dataset"], r["intent"]) in WEAK_INTENT_DROPPED else r["intent"], r["needs_response"] == "1", None, 1.0,
                 domain=industry(examples[(r["dataset"], r["id"])].text))
            for r in rows if r["split"] == split and (r["dataset"], r["id"]) in examples]


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
    return [Item(text, "tweetsumm", kind[d], True, None, 1.0, domain=industry(text)) for d, (_, text) in first.items()
            if kind.get(d) in ("complaint", "question")]


def suggestion_items(data: Path) -> list[Item]:
    path = data / "suggestion_mining_semeval2019" / "V1.4_Training.csv"
    out: list[Item] = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) == 3 and row[2] == "1":
                out.append(Item(row[1].strip('"'), "suggestions", "suggestion", None, None, 0.3))
    return out


UVA_TRAIN = ("airlines_set1", "telecom_set1")
UVA_TEST = ("airlines_set2", "telecom_set2")


def uva_items(data: Path, part: str = "test") -> list[Item]:
    """complaints_uva2015, one item per distinct text: `part` "train" (the first sets),
    "test" (the second sets, less any text of the first) or "all"."""
    names = {"train": UVA_TRAIN, "test": UVA_TRAIN + UVA_TEST, "all": UVA_TRAIN + UVA_TEST}[part]
    seen: set[str] = set()
    out: list[Item] = []
    for name in names:
        path = data / "complaints_uva2015" / "final_labels" / f"{name}_finalLabels.csv"
        # Only telecom_set2 is UTF-8; the others are latin-1 (see the data set's SOURCE.md).
        encoding = "utf-8" if name == "telecom_set2" else "latin-1"
        with open(path, encoding=encoding, newline="") as f:
            for n, r in enumerate(csv.DictReader(f), start=2):
                try:
                    label = float(r["finalLabel"])
                except ValueError:
                    raise ValueError(f"{path}:{n}: field 'finalLabel' is {r['finalLabel']!r}, expected 0 or 1") from None
                k = key(r["text"])
                if k in seen:
                    continue
                seen.add(k)
                if part == "test" and name in UVA_TRAIN:
                    continue
                out.append(Item(r["text"], "uva", None, None, None, is_complaint=label >= 0.5, domain=name.split("_")[0].rstrip("s")))
    return out


def held_out(data: Path) -> set[str]:
    """The keys of every held-out text (the care test split, complaints_uva2015's second sets)."""
    return {key(i.text) for i in care_items(data, "test")} | {key(i.text) for i in uva_items(data, "test")}


def training(data: Path) -> list[Item]:
    """Every training item, with texts of the held-out sets removed."""
    held = held_out(data)
    items = care_items(data, "train") + weak_items(data) + tweetsumm_items(data) + suggestion_items(data) + uva_items(data, "train")
    out: list[Item] = []
    seen: set[str] = set()
    for item in items:  # the care labels come first and win over weaker labels of the same text
        k = key(item.text)
        if k in held or k in seen:
            continue
        seen.add(k)
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

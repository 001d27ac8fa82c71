"""Quality of the signals on data the models never trained on: the figures of issue 10's table.

    python benchmarks/quality_bench.py [--data ../shared/data] [--modes fast,cascade,accurate] [--limit N]

Prints, for each understanding mode that is installed (`enrich(texts,
sentiment=mode)`; "cascade" and "accurate" need the accurate extra):

- TweetEval sentiment test (12,284 tweets), macro-recall;
- brand-customer sentiment, macro-recall: the 300 AmazonHelp customer tweets
  labelled negative / neutral / positive (100 each) and the Sanders corpus
  tweets at Apple, Google, Microsoft and Twitter (irrelevant ones left out);
- complaint detection on complaints_uva2015's held-out second sets (tweets
  to five airlines and six telecoms, 2015, two judges; repeated texts and
  texts of the first sets, which the heads train on, dropped): F1 of
  `intent == complaint`, beside "always complaint" and the rule "negative
  sentiment means complaint" (with the mode's own sentiment);
- the inbox check: 33 hand-written customer messages
  (`benchmarks/data/inbox_check.csv`, written before the models were trained
  and never used to tune them): complaints flagged needs_response, chit-chat
  flagged needs_response, emergencies rated urgency=high;
- intent, needs_response and urgency on the hand-labelled care set's fresh
  test split (521 messages), with the majority-class and the "negative means
  complaint" baselines beside.
None of these sets is trained on (see docs/models.md).

Before the modes it prints how often the urgency phrases that always make a
message urgent (money lost; safety and leaving) fire on messages that are
not held out: the care set's training labels (how many of those fired on are
labelled urgent) and the TWCS customer tweets (how many fire at all).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from goodwill.domain.signals import INTENTS, SENTIMENTS
from goodwill.understand import rules
from goodwill.understand.enrich import MODES, Mode, enrich
from goodwill.understand.training import care, sets
from goodwill.understand.training._data import tweeteval_split
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.train_heads import binary_report, intent_report

INBOX = Path(__file__).parent / "data" / "inbox_check.csv"


def macro_recall(gold: Sequence[str], pred: Sequence[str]) -> float:
    labels = sorted(set(gold))
    return sum(sum(g == p == label for g, p in zip(gold, pred, strict=True)) / gold.count(label) for label in labels) / len(labels)


def amazonhelp(data: Path) -> tuple[list[str], list[str]]:
    path = data / "amazonhelp_sentiment_hassanj47" / "amazonhelp_annotations.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def sanders(data: Path) -> tuple[list[str], list[str]]:
    path = data / "sanders_brand_sentiment" / "full-corpus.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Sentiment"] in SENTIMENTS]
    return [r["TweetText"] for r in rows], [r["Sentiment"] for r in rows]


def installed(mode: Mode) -> bool:
    if mode == "fast":
        return True
    from goodwill.understand import sentiment

    return sentiment.load_accurate() is not None


def always_urgent_phrases(data: Path, limit: int) -> None:
    """How often the money phrases, and all the phrases that always make a message urgent, fire on
    the care set's training labels and on TWCS customer tweets (neither held out)."""
    train = sets.care_items(data, "train")
    held = sets.held_out(data)
    twcs = [m.text for m in care.sources(data) if m.dataset in ("twcs", "twcs_extra") and sets.key(m.text) not in held]
    if limit:
        train, twcs = train[:limit], twcs[:limit]
    for name, kinds in {"money": {"money"}, "money, safety or leaving": {"money", "safety", "leaving"}}.items():
        fired = [i for i in train if kinds & set(rules.urgency_reasons(i.text))]
        on_twcs = sum(bool(kinds & set(rules.urgency_reasons(t))) for t in twcs)
        print(f"always-urgent phrases ({name}): care training labels ({len(train):,}, {sum(bool(i.urgent) for i in train)} urgent): "
              f"fire on {len(fired)}, {sum(bool(i.urgent) for i in fired)} labelled urgent; TWCS customer tweets ({len(twcs):,}): "
              f"fire on {on_twcs} ({100 * on_twcs / max(len(twcs), 1):.2f}%)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--modes", default=",".join(MODES), help="understanding modes to measure (default: all installed)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N texts of each set (a quick run)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    cut = (lambda xs: xs[: args.limit]) if args.limit else (lambda xs: xs)
    modes = [m for m in args.modes.split(",") if m in MODES and installed(m)]  # type: ignore[arg-type]

    tweeteval = tweeteval_split("sentiment", "test", data)
    te_texts, te_gold = cut(tweeteval[0]), [SENTIMENTS[k] for k in cut(tweeteval[1])]
    brand = {"AmazonHelp customers (300)": amazonhelp(data), "Sanders brand tweets": sanders(data)}
    uva = cut(sets.uva_items(data, "test"))
    care_test = cut(sets.care_items(data, "test"))
    with open(INBOX, encoding="utf-8", newline="") as f:
        inbox = list(csv.DictReader(f))

    print(f"data {data}; modes {', '.join(modes)}")
    always_urgent_phrases(data, args.limit)
    for mode in modes:
        t0 = time.perf_counter()
        print(f"\n## mode: {mode}")
        pred = [s.sentiment for s in enrich(te_texts, sentiment=mode)]
        print(f"TweetEval sentiment test ({len(te_texts):,}): macro-recall {macro_recall(te_gold, pred):.3f}")
        for name, (texts, gold) in brand.items():
            texts, gold = cut(texts), cut(gold)
            pred = [s.sentiment for s in enrich(texts, sentiment=mode)]
            print(f"brand-customer sentiment, {name} ({len(texts):,}): macro-recall {macro_recall(gold, pred):.3f}")

        signals = list(enrich([i.text for i in uva], sentiment=mode))
        gold_c = [bool(i.complaint) for i in uva]
        model = binary_report(gold_c, [s.intent == "complaint" for s in signals])
        rule = binary_report(gold_c, [s.sentiment == "negative" for s in signals])
        always = binary_report(gold_c, [True] * len(gold_c))
        print(f"complaints_uva2015 held-out sets ({len(uva):,} distinct tweets, {sum(gold_c):,} complaints): intent == complaint "
              f"F1 {model['f1']:.3f} (precision {model['precision']:.2f}, recall {model['recall']:.2f}); "
              f"negative sentiment means complaint F1 {rule['f1']:.3f} (precision {rule['precision']:.2f}, recall {rule['recall']:.2f}); "
              f"always complaint F1 {always['f1']:.3f}")

        signals = list(enrich([r["text"] for r in inbox], sentiment=mode))
        by_kind = {k: [s for r, s in zip(inbox, signals, strict=True) if r["kind"] == k] for k in ("complaint", "chitchat", "emergency")}
        print(f"inbox check ({len(inbox)} messages): complaints flagged needs_response "
              f"{sum(s.needs_response for s in by_kind['complaint'])} of {len(by_kind['complaint'])}; chit-chat flagged needs_response "
              f"{sum(s.needs_response for s in by_kind['chitchat'])} of {len(by_kind['chitchat'])}; emergencies urgency=high "
              f"{sum(s.urgency == 'high' for s in by_kind['emergency'])} of {len(by_kind['emergency'])}")

        signals = list(enrich([i.text for i in care_test], sentiment=mode))
        gold_i = [str(i.intent) for i in care_test]
        intent = intent_report(gold_i, [s.intent for s in signals])
        majority = max(INTENTS, key=gold_i.count)
        base = intent_report(gold_i, [majority] * len(gold_i))
        gold_c = [g == "complaint" for g in gold_i]
        complaint = binary_report(gold_c, [s.intent == "complaint" for s in signals])
        rule = binary_report(gold_c, [s.sentiment == "negative" for s in signals])
        needs = binary_report([bool(i.needs) for i in care_test], [s.needs_response for s in signals])
        urgent = binary_report([bool(i.urgent) for i in care_test], [s.urgency == "high" for s in signals])
        print(f"care set, fresh test split ({len(care_test)}): intent accuracy {intent['accuracy']:.3f}, macro-F1 {intent['macro_f1']:.3f} "
              f"(majority class '{majority}': {base['accuracy']:.3f} / {base['macro_f1']:.3f}); per intent F1 {intent['f1']}")
        print(f"  complaint F1 {complaint['f1']:.3f} (negative means complaint {rule['f1']:.3f}); needs_response F1 {needs['f1']:.3f} "
              f"(P {needs['precision']:.2f}, R {needs['recall']:.2f}); urgency=high P {urgent['precision']:.2f}, R {urgent['recall']:.2f}, "
              f"F1 {urgent['f1']:.3f} ({urgent['positives']} urgent)")
        print(f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()

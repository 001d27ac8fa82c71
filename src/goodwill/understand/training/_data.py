"""Reading the TweetEval and SemEval training data from the shared data folder."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from goodwill.understand._textnorm import normalize

TASKS = ("sentiment", "emotion", "offensive")


def data_root() -> Path:
    """``$GOODWILL_DATA`` or ``../shared/data`` beside the repository (``/work/shared/data``)."""
    env = os.environ.get("GOODWILL_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").exists() and candidate.is_dir():
            return candidate
    return Path("/work/shared/data")


def _lines(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [line.rstrip("\n").rstrip("\r").strip() for line in fh]


def tweeteval_split(task: str, split: str, root: Path | None = None) -> tuple[list[str], list[int]]:
    """Texts (normalised) and integer labels of a TweetEval split."""
    base = (root or data_root()) / "tweeteval" / "datasets" / task
    texts = _lines(base / f"{split}_text.txt")
    labels_raw = _lines(base / f"{split}_labels.txt")
    if len(texts) != len(labels_raw):
        raise ValueError(f"{base}: {split}_text.txt has {len(texts)} lines but {split}_labels.txt has {len(labels_raw)}")
    labels: list[int] = []
    for n, raw in enumerate(labels_raw, start=1):
        try:
            labels.append(int(raw))
        except ValueError:
            raise ValueError(f"{base / (split + '_labels.txt')}:{n}: label {raw!r} is not an integer") from None
    return [normalize(t) for t in texts], labels


def sentiment_train(root: Path | None = None) -> tuple[list[str], list[int]]:
    """The SemEval 2013-2016 pool with TweetEval val/test removed (TweetEval's own train text is missing)."""
    path = (root or data_root()) / "semeval2017_task4a" / "sentiment_train_substitute.tsv"
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for n, row in enumerate(reader, start=2):
            try:
                label = int(row["label"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{n}: field 'label' is {row.get('label')!r}, expected 0, 1 or 2") from None
            texts.append(normalize(row["text"] or ""))
            labels.append(label)
    return texts, labels


# TweetEval emotion labels as sentiment: anger and sadness are negative, joy and optimism positive.
EMOTION_TO_SENTIMENT = {0: 0, 1: 2, 2: 2, 3: 0}


def emotion_as_sentiment(root: Path | None = None) -> tuple[list[str], list[int]]:
    """TweetEval emotion train tweets with polarity labels. The SemEval sentiment pool lost its emoji
    (they appear as "??"), so these are the only labelled tweets that teach what emoji mean."""
    texts, labels = tweeteval_split("emotion", "train", root)
    return texts, [EMOTION_TO_SENTIMENT[x] for x in labels]


def brand_sentiment(root: Path | None = None) -> tuple[list[str], list[int]]:
    """The CrowdFlower brand-sentiment tweets (brand_sentiment_crowdflower: Apple in 2014, Apple and
    Google products at SXSW 2011) as negative / neutral / positive; "not relevant" and "can't tell"
    rows are left out, and so is any text of TweetEval's sentiment test (normalised)."""
    base = (root or data_root()) / "brand_sentiment_crowdflower"
    test = set(tweeteval_split("sentiment", "test", root)[0])
    texts: list[str] = []
    labels: list[int] = []
    with (base / "Apple-Twitter-Sentiment-DFE.csv").open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"1": 0, "3": 1, "5": 2}.get(row["sentiment"])
            if label is not None:
                texts.append(normalize(row["text"] or ""))
                labels.append(label)
    with (base / "judge-1377884607_tweet_product_company.csv").open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"Negative emotion": 0, "No emotion toward brand or product": 1, "Positive emotion": 2}.get(
                row["is_there_an_emotion_directed_at_a_brand_or_product"])
            if label is not None and row["tweet_text"]:
                texts.append(normalize(row["tweet_text"]))
                labels.append(label)
    keep = [i for i, t in enumerate(texts) if t and t not in test]
    return [texts[i] for i in keep], [labels[i] for i in keep]


def train_split(task: str, root: Path | None = None, *, with_emotion: bool = False,
                with_brand: bool = False) -> tuple[list[str], list[int]]:
    if task == "sentiment":
        texts, labels = sentiment_train(root)
        if with_emotion:
            more_texts, more_labels = emotion_as_sentiment(root)
            texts, labels = texts + more_texts, labels + more_labels
        if with_brand:
            more_texts, more_labels = brand_sentiment(root)
            texts, labels = texts + more_texts, labels + more_labels
        return texts, labels
    return tweeteval_split(task, "train", root)


def label_names(task: str, root: Path | None = None) -> list[str]:
    base = (root or data_root()) / "tweeteval" / "datasets" / task / "mapping.txt"
    names: list[str] = []
    for line in _lines(base):
        if line:
            names.append(line.split("\t")[1].strip())
    return names

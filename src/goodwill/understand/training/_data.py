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


def train_split(task: str, root: Path | None = None, *, with_emotion: bool = False) -> tuple[list[str], list[int]]:
    if task == "sentiment":
        texts, labels = sentiment_train(root)
        if with_emotion:
            more_texts, more_labels = emotion_as_sentiment(root)
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

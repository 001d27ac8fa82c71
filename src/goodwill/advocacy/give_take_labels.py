"""The hand-labelled give-versus-take set: brand posts and replies from
Customer Support on Twitter (`twcs` and `twcs_extra` in the shared data).

The labels (`labels/give_take.csv`) were given by reading each message
against `docs/give-take.md`. They hold no text: each row names its message
by data set, file and tweet id with a hash of the text, and `examples()`
rebuilds the texts from the shared data folder (a changed or missing text is
an error naming the row).

The sample was drawn once, with a fixed seed, from the brands' own tweets:
every standalone brand post (a tweet that replies to nothing), then replies
with a selling or promoting cue (so that taking posts are not too rare to
learn and to measure), then replies drawn at random. Repeated texts (after
removing handles, links and signatures) are dropped. The `test` split, a
share fixed by a hash of the key before any model was trained, is never used
to revise cues, features or thresholds.

`python -m goodwill.advocacy.give_take_labels batch N` prints batch N of the
sample (100 messages) for labelling; `... check` verifies the labels against
the data folder and prints their counts.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from goodwill.domain.labels import seeded_unit, text_hash

LABELS = Path(__file__).parent / "labels" / "give_take.csv"
SAMPLE_SEED = "goodwill-give-take-sample-v1"
TEST_SEED = "goodwill-give-take-test-v1"
TEST_SHARE = 0.28
BATCH = 100
FIELDS = ("dataset", "file", "row", "sha", "split", "label", "subtype")

#: Each kind and the subtypes it may have (see docs/give-take.md).
SUBTYPES: dict[str, tuple[str, ...]] = {
    "give": ("help", "educate", "share", "community"),
    "take": ("promote", "sell", "ask"),
    "neutral": ("other",),
}

#: How many messages the sample takes from each part, in this order; the
#: second round (labelled after the first) adds replies of the consumer brands
#: that answer fans with offers, where taking replies are commonest.
ROUNDS = ({"standalone": 180, "cue": 230, "random": 230}, {"fans": 160})
FAN_BRANDS = ("McDonalds", "Walmart", "ChipotleTweets")

_CUE = re.compile(
    r"(?i)\b(?:check out|shop|buy|order (?:now|online|today)|sale|discount|\d+% off|deals?|promo|offer|"
    r"follow us|giveaway|sweepstakes|enter to win|introducing|launch|available now|pre-?order|free shipping|"
    r"limited time|book (?:now|today|your)|download|try (?:our|the new)|new menu|app store)\b"
)


@dataclass(frozen=True)
class BrandPost:
    """One of the brands' own tweets."""

    dataset: str
    file: str
    row: str  # the tweet id
    text: str
    brand: str
    standalone: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.dataset, self.file, self.row)

    @property
    def sha(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True)
class Example:
    """A labelled brand post: its text and its hand label."""

    key: tuple[str, str, str]
    text: str
    split: str
    label: str
    subtype: str
    is_reply: bool


def default_data() -> Path:
    """The shared data folder beside the checkout (`../shared/data`)."""
    for candidate in (Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[4] / "shared" / "data"):
        if (candidate / "twcs").is_dir():
            return candidate
    raise FileNotFoundError("no shared data folder with twcs/ found beside the checkout (../shared/data)")


def split_of(key: tuple[str, str, str]) -> str:
    """`test` or `train`, fixed by a hash of the key (decided before any modelling)."""
    return "test" if seeded_unit(TEST_SEED, key) < TEST_SHARE else "train"


def _files(data: Path) -> list[tuple[str, Path]]:
    return [("twcs", data / "twcs" / "twcs_head5000.csv")] + [
        ("twcs_extra", p) for p in sorted((data / "twcs_extra").glob("twcs_extra_part*.csv"))
    ]


def sources(data: Path) -> Iterator[BrandPost]:
    """Every brand tweet of `twcs` and `twcs_extra` (before sampling)."""
    for dataset, path in _files(data):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if r["inbound"] == "False":
                    standalone = not r["in_response_to_tweet_id"]
                    yield BrandPost(dataset, path.name, r["tweet_id"], r["text"], r["author_id"], standalone)


def _norm(text: str) -> str:
    text = re.sub(r"@\w+|https?://\S+|[\^/-]\s?[A-Z]{1,4}\s*$", "", text.strip())
    return re.sub(r"\W+", " ", text.lower()).strip()


def _part(post: BrandPost) -> str:
    if post.standalone:
        return "standalone"
    return "cue" if _CUE.search(post.text) else "random"


def sample(data: Path) -> list[BrandPost]:
    """The labelling sample, in labelling order: round by round, per part,
    posts ordered by a seeded hash, no repeated text; the parts of a round
    interleaved by the same hash."""
    posts = list(sources(data))
    seen: set[str] = set()
    chosen: list[BrandPost] = []
    for n, quotas in enumerate(ROUNDS):
        by_part: dict[str, list[BrandPost]] = {}
        for post in posts:
            part = _part(post) if n == 0 else ("fans" if post.brand in FAN_BRANDS and not post.standalone else "")
            by_part.setdefault(part, []).append(post)
        this_round: list[BrandPost] = []
        for part, quota in quotas.items():
            taken = 0
            for post in sorted(by_part.get(part, []), key=lambda p: seeded_unit(SAMPLE_SEED, p.key)):
                if taken >= quota:
                    break
                norm = _norm(post.text)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                this_round.append(post)
                taken += 1
        chosen.extend(sorted(this_round, key=lambda p: seeded_unit(SAMPLE_SEED + ":order", p.key)))
    return chosen


def read_labels(path: Path = LABELS) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=2):
        kind, subtype = row["label"], row["subtype"]
        if kind not in SUBTYPES or subtype not in SUBTYPES[kind]:
            raise ValueError(f"{path.name} line {n}: unknown label {kind}/{subtype}")
        if row["split"] != split_of((row["dataset"], row["file"], row["row"])):
            raise ValueError(f"{path.name} line {n}: split {row['split']!r} is not the one the key fixes")
    return rows


def examples(data: Path, path: Path = LABELS) -> list[Example]:
    """The labelled examples with their texts rebuilt from the data folder."""
    rows = read_labels(path)
    wanted = {(r["dataset"], r["file"], r["row"]) for r in rows}
    posts = {p.key: p for p in sources(data) if p.key in wanted}
    out = []
    for n, r in enumerate(rows, start=2):
        key = (r["dataset"], r["file"], r["row"])
        post = posts.get(key)
        if post is None:
            raise ValueError(f"{path.name} line {n}: {'/'.join(key)} is not in {data}")
        if post.sha != r["sha"]:
            raise ValueError(f"{path.name} line {n}: the text of {'/'.join(key)} has changed (sha {r['sha']})")
        out.append(Example(key, post.text, r["split"], r["label"], r["subtype"], not post.standalone))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("batch", "check"))
    parser.add_argument("n", nargs="?", type=int, default=0)
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    args = parser.parse_args(argv)
    data = args.data or default_data()
    if args.command == "batch":
        for i, post in enumerate(sample(data)[args.n * BATCH : (args.n + 1) * BATCH]):
            text = " ".join(post.text.split())
            print(f"{args.n * BATCH + i}\t{post.dataset}\t{post.file}\t{post.row}\t{post.brand}\t{text}")
        return
    found = examples(data)
    print(f"{len(found)} labels")
    for split in ("train", "test"):
        counts = Counter(f"{e.label}/{e.subtype}" for e in found if e.split == split)
        kinds = Counter(e.label for e in found if e.split == split)
        print(split, dict(kinds), dict(sorted(counts.items())))


if __name__ == "__main__":
    main()

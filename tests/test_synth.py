"""The synthetic workspace generator: shape, validity and realism of what it streams."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import random
import re
import string
import tomllib
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from types import GeneratorType

import pytest

from goodwill.demo.synth import FIELDS, PLATFORMS, brand_handles, generate, order_key, write_csv, write_jsonl
from goodwill.domain.text import mentions

N = 12_000
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(generate(N, seed=11))


def _time(record: dict) -> datetime:
    return datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))


def _thread_roots(records: list[dict]) -> dict[str, str]:
    """id -> id of the post that started its thread (records must be in stream order)."""
    root: dict[str, str] = {}
    for r in records:
        root[r["id"]] = r["id"] if r["reply_to"] is None else root[r["reply_to"]]
    return root


def test_exact_count_and_fields(records):
    assert len(records) == N
    for r in records:
        assert tuple(r) == FIELDS
        assert r["platform"] in PLATFORMS
        assert isinstance(r["is_brand"], bool)
        assert all(isinstance(r[k], int) and r[k] >= 0 for k in ("likes", "reposts", "replies"))
        assert r["text"] and r["author"] and r["author_name"]
        assert not r["author"].startswith("@")
        assert ISO.match(r["created_at"])


def test_small_and_empty_streams():
    assert list(generate(0)) == []
    for n in (1, 2, 5, 49):
        assert len(list(generate(n, seed=n))) == n


def test_generate_is_lazy():
    stream = generate(2_000_000)
    assert isinstance(stream, GeneratorType)
    first = next(stream)
    assert first["id"] == "s1"
    stream.close()


def test_deterministic_for_same_seed():
    a = list(generate(3000, seed=5))
    b = list(generate(3000, seed=5))
    c = list(generate(3000, seed=6))
    assert a == b
    assert a != c


def test_ids_unique_and_numbered_in_stream_order(records):
    assert [r["id"] for r in records] == [f"s{i}" for i in range(1, N + 1)]


def test_replies_point_to_earlier_records_on_same_platform(records):
    seen: dict[str, dict] = {}
    for r in records:
        parent_id = r["reply_to"]
        if parent_id is not None:
            parent = seen.get(parent_id)
            assert parent is not None, f"{r['id']} replies to {parent_id}, not yielded before it"
            assert parent["platform"] == r["platform"]
            gap = _time(r) - _time(parent)
            assert timedelta(seconds=30) <= gap <= timedelta(days=2)
        seen[r["id"]] = r


def test_reply_counts_match_the_stream(records):
    children = Counter(r["reply_to"] for r in records if r["reply_to"])
    # Every counted reply is in the stream, except a few planned ones cut off by the end of n.
    mismatched = [r for r in records if r["replies"] != children[r["id"]]]
    assert all(r["replies"] > children[r["id"]] for r in mismatched)
    assert len(mismatched) < 0.01 * N


def test_kinds_per_platform(records):
    for r in records:
        if r["reply_to"] is None:
            assert r["kind"] == ("review" if r["platform"] == "reviews" else "post")
        else:
            assert r["kind"] == ("comment" if r["platform"] == "reddit" else "reply")


def test_chronological_and_inside_window(records):
    times = [r["created_at"] for r in records]
    assert times == sorted(times)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    assert start <= _time(records[0])
    assert _time(records[-1]) < start + timedelta(days=90)
    assert _time(records[-1]) > start + timedelta(days=85)  # the whole window is used


def test_custom_window_and_brand():
    start = datetime(2025, 12, 30, 22, 17, 5, tzinfo=UTC)
    rs = list(generate(2000, seed=3, brand="acmecycles", start=start, days=7))
    assert all(start <= _time(r) < start + timedelta(days=7) for r in rs)
    handles = brand_handles("acmecycles")
    assert handles["mastodon"] == "acme@cycles.example"
    assert {r["author"] for r in rs if r["is_brand"]} <= set(handles.values())
    assert any("@acme" in r["text"] for r in rs if not r["is_brand"])


def test_shuffled_records_can_be_put_back_in_a_valid_order(records):
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    restored = sorted(shuffled, key=order_key)
    position = {r["id"]: i for i, r in enumerate(restored)}
    assert all(position[r["reply_to"]] < position[r["id"]] for r in restored if r["reply_to"])


def test_platform_mix(records):
    share = Counter(r["platform"] for r in records)
    target = {"twitter": 0.50, "mastodon": 0.15, "bluesky": 0.15, "reddit": 0.12, "reviews": 0.08}
    for platform, expected in target.items():
        assert abs(share[platform] / N - expected) < 0.03, (platform, share[platform] / N)


def test_brand_handles_per_platform(records):
    expected = brand_handles("halcyonbikes")
    assert expected == {
        "twitter": "halcyonbikes",
        "mastodon": "halcyon@bikes.example",
        "bluesky": "halcyonbikes.bsky.social",
        "reddit": "halcyonbikes",
        "reviews": "halcyonbikes",
    }
    for r in records:
        assert r["is_brand"] == (r["author"] == expected[r["platform"]])


def test_brand_share_is_in_band_and_mostly_replies(records):
    brand = [r for r in records if r["is_brand"]]
    assert 0.06 <= len(brand) / N <= 0.11
    replies = sum(r["reply_to"] is not None for r in brand)
    assert 0.7 <= replies / len(brand) < 1.0  # mostly answers, plus its own posts
    links = [r for r in brand if "https://halcyonbikes.example/help/" in r["text"]]
    assert len(links) > 0.2 * len(brand)


def test_reply_share_and_thread_depth(records):
    by_id = {r["id"]: r for r in records}
    assert 0.33 <= sum(r["reply_to"] is not None for r in records) / N <= 0.47
    depth: dict[str, int] = {}
    for r in records:
        depth[r["id"]] = 0 if r["reply_to"] is None else depth[r["reply_to"]] + 1
    depths = Counter(d for d in depth.values() if d)
    shallow = sum(depths[d] for d in (1, 2, 3))
    assert shallow > 0.85 * sum(depths.values())  # mostly 1-3 deep
    assert max(depths) >= 8  # and now and then a long back-and-forth
    # Customers answer the brand back, and other people join threads.
    assert any(r["reply_to"] and by_id[r["reply_to"]]["is_brand"] and not r["is_brand"] for r in records)
    roots = _thread_roots(records)
    joiners = {
        r["id"] for r in records
        if r["reply_to"] and not r["is_brand"] and r["author"] != by_id[roots[r["id"]]]["author"]
    }
    assert len(joiners) > 0.3 * sum(r["reply_to"] is not None for r in records)


def test_some_customer_threads_stay_unanswered(records):
    roots = _thread_roots(records)
    answered = {roots[r["id"]] for r in records if r["is_brand"] and r["reply_to"]}
    handles = set(brand_handles("halcyonbikes").values())
    asking = [
        r for r in records
        if r["reply_to"] is None and not r["is_brand"]
        and (set(mentions(r["text"])) & handles or r["platform"] == "reviews")
    ]
    share = sum(r["id"] in answered for r in asking) / len(asking)
    assert 0.15 < share < 0.85, share  # the brand answers many, not all


def test_brand_answers_about_two_thirds_of_questions_and_complaints():
    from goodwill.demo.synth import _Synth, _utc

    synth = _Synth(20_000, 2, "halcyonbikes", _utc(None), 90)
    for _ in synth.stream():
        pass
    rate = synth.stats["support_answered"] / synth.stats["support_roots"]
    assert 0.58 <= rate <= 0.75, rate


def test_heavy_tailed_authors(records):
    counts = sorted(Counter((r["platform"], r["author"]) for r in records if not r["is_brand"]).values(), reverse=True)
    customer = sum(counts)
    top = counts[: max(1, len(counts) // 100)]
    assert sum(top) / customer > 0.15  # the top 1% write far more than 1%
    assert sum(c <= 2 for c in counts) / len(counts) > 0.5  # most post once or twice
    assert counts[0] >= 50
    assert len(counts) > N / 16  # a population of about n/8, most of whom show up


def test_mentions_are_heavy_tailed(records):
    brand = set(brand_handles("halcyonbikes").values())
    mentioned = Counter(
        handle for r in records if r["platform"] in ("twitter", "mastodon", "bluesky")
        for handle in mentions(r["text"]) if handle not in brand
    )
    counts = sorted(mentioned.values(), reverse=True)
    top = counts[: max(1, len(counts) // 100)]
    assert sum(top) / sum(counts) > 0.1


def test_daily_rhythm(records):
    hours = Counter(_time(r).hour for r in records)
    night = sum(hours[h] for h in range(2, 6))
    late_morning = sum(hours[h] for h in range(10, 14))
    assert late_morning > 4 * night


def test_texts_vary(records):
    texts = [r["text"] for r in records]
    assert len(set(texts)) > 0.3 * N
    lengths = [len(t) for t in texts]
    assert min(lengths) < 15 and max(lengths) > 200
    assert any(tag in t for t in texts for tag in ("#ebike", "#bikecommute"))
    assert any(re.search(r"[äöüéñ¿]", t) for t in texts)  # a few non-English posts


def test_handles_look_like_handles(records):
    for r in itertools.islice((r for r in records if not r["is_brand"]), 2000):
        handle = r["author"]
        if r["platform"] == "twitter":
            assert re.fullmatch(r"[a-z0-9_]{1,15}", handle), handle
        elif r["platform"] == "mastodon":
            assert re.fullmatch(r"[a-z0-9_]+@[a-z0-9.\-]+", handle), handle
        elif r["platform"] == "bluesky":
            assert re.fullmatch(r"[a-z0-9\-]+\.bsky\.social", handle), handle
        assert " " not in handle


def _from_csv(row: dict[str, str]) -> dict:
    out: dict = dict(row)
    out["reply_to"] = row["reply_to"] or None
    out["is_brand"] = {"true": True, "false": False}[row["is_brand"]]
    for key in ("likes", "reposts", "replies"):
        out[key] = int(row[key])
    return out


def test_writers_produce_the_same_records(tmp_path):
    jsonl, table = tmp_path / "w.jsonl", tmp_path / "w.csv"
    assert write_jsonl(jsonl, 1500, seed=4, days=30) == 1500
    assert write_csv(table, 1500, seed=4, days=30) == 1500
    expected = list(generate(1500, seed=4, days=30))
    with open(jsonl, encoding="utf-8") as fh:
        from_jsonl = [json.loads(line) for line in fh]
    with open(table, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == FIELDS
        from_csv = [_from_csv(row) for row in reader]
    assert from_jsonl == expected
    assert from_csv == expected
    assert any("\n" in r["text"] for r in from_csv)  # multi-line reddit posts survive the round trip


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        generate(-1)
    with pytest.raises(ValueError):
        generate(10, days=0)
    with pytest.raises(ValueError):
        generate(10, brand="halcyon bikes")


# SHA-256 of the first records of three streams, one JSON object per line with
# sorted keys, taken from the generator as it was when its phrase tables still
# lived in the module: moving them to data files changed no record.
PINNED = [
    ({"n": 20_000, "seed": 7}, "019bde23fa63c9cac7cc676c11ceaf78efbaaae0b4f36868f8fbea27106d76a6"),
    (
        {"n": 5_000, "seed": 3, "brand": "voltracycles", "start": datetime(2025, 1, 6, tzinfo=UTC), "days": 30},
        "4b46b99dcc8546010c399bbcd4462825c5159f2ca0e52460b070613f9f61b027",
    ),
    ({"n": 200, "seed": 123}, "52d15b0452182fca8dac9d0a613a16df25cfeccb05069298d89530e31dc0656e"),
]


@pytest.mark.parametrize(("kwargs", "digest"), PINNED, ids=["20k", "other-brand", "200"])
def test_streams_are_pinned(kwargs, digest):
    h = hashlib.sha256()
    for record in generate(**kwargs):
        h.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    assert h.hexdigest() == digest


def test_phrase_tables_come_from_the_data_files():
    from goodwill.demo import synth

    topics = tomllib.loads(files("goodwill.demo").joinpath("phrases/topics.toml").read_text(encoding="utf-8"))
    assert synth._TOPIC_NAMES == tuple(topics)
    assert synth._TOPICS["battery"][1] == tuple(topics["battery"]["questions"])
    # every {slot} a phrase uses has values to be filled with
    slots = set(synth._WORD_SLOTS) | set(synth._NUMBER_SLOTS) | {"brandname", "app", "brand", "link"}
    banks = [v for v in vars(synth).values() if isinstance(v, tuple) and v and all(isinstance(s, str) for s in v)]
    banks += [b for t in synth._TOPICS.values() for b in t[1:]]
    banks += list(synth._REVIEW_TITLES.values()) + list(synth._REVIEW_BODIES.values())
    used = {name for bank in banks for phrase in bank for _, name, _, _ in string.Formatter().parse(phrase) if name}
    assert used <= slots, used - slots


def test_bad_phrase_tables_are_named():
    from goodwill.demo.synth import _strings, _topic

    with pytest.raises(ValueError, match=r"demo/phrases/world.toml, field 'slots.city': expected a non-empty list"):
        _strings("world.toml", {"slots": {"city": ["Oslo", 3]}}, "slots", "city")
    with pytest.raises(ValueError, match=r"field 'praise'"):
        _strings("conversations.toml", {}, "praise")
    with pytest.raises(ValueError, match=r"topics.toml, field 'app.help_page'"):
        _topic("topics.toml", {"app": {"questions": ["?"]}}, "app")


def test_a_table_the_generator_does_not_read_is_named():
    from goodwill.demo.synth import _check_all_read

    with pytest.raises(ValueError, match=r"demo/phrases/world.toml: tables the generator does not use: slots.colour"):
        _check_all_read({"world.toml": {"slots": {"color": ["red"], "colour": ["red"]}}})

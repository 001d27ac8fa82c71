"""The tone check's rules (pure): each flag, its reason quoting the words, platform lengths, and its
precision and recall on the labelled drafts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from goodwill.domain.tone import FLAG_CODES, Article
from goodwill.inbox.tone import check, post_length, question_kinds, questions_in
from tests.conftest import require_shared_data

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
FW = Article("fw-2-1", "Firmware 2.1: motor cut-out fix", "https://halcyon.example/help/fw-2-1", 0.82)
WHY = "Why did my bike cut out going uphill?"


def flags(draft: str, **kw: object) -> dict[str, object]:
    return {f.code: f for f in check(draft, **kw).flags}  # type: ignore[arg-type]


def test_a_good_reply_raises_nothing() -> None:
    result = check("Sorry for the wait, Sam. Order 4471 left our warehouse this morning; delivery is due Thursday.",
                   platform="bluesky", question="When will my order ship? It's been 5 days.")
    assert result.flags == () and result.as_dict()["ok"] is True and result.limit == 300


@pytest.mark.parametrize(("draft", "code", "quoted"), [
    ("Your order is on its way! Check out our new spring collection, 20% off with code SPRING20.", "promotional",
     "check out our"),
    ("It's the most amazing, game-changing bike on the market.", "promotional", "amazing"),
    ("That's simply not true. Our frames pass every test and we stand by our quality.", "defensive", "we stand by"),
    ("There is no issue with the app; it is working as intended.", "defensive", "working as intended"),
    ("If you had read the manual you would know the chain needs tensioning.", "blame", "If you had read"),
    ("That sounds like user error. You should have fitted the screen protector.", "blame", "user error"),
    ("THANK YOU SO MUCH!!! WE LOVE OUR CUSTOMERS!!!", "shouting", "!!!"),
    ("Bristol Cycle Co. stocks our bikes. #ebike #cycling #halcyon", "hashtags", "#ebike"),
])
def test_each_flag_says_why_quoting_the_words_and_suggests_a_fix(draft: str, code: str, quoted: str) -> None:
    found = flags(draft)
    assert code in found, found
    flag = found[code]
    assert quoted.lower() in flag.why.lower()  # type: ignore[attr-defined]
    assert flag.fix and flag.severity in ("high", "medium", "low")  # type: ignore[attr-defined]


def test_a_single_ordinary_word_is_not_hype() -> None:
    assert "promotional" not in flags("Our state-of-the-art motor is sealed to IPX5, so rain is fine.")
    assert "promotional" not in flags("Yes: students get 10% off with a student card.",
                                      question="Is there a student discount?")


@pytest.mark.parametrize(("question", "draft"), [
    ("When will my refund arrive?", "We're sorry for the inconvenience. Please DM us your order number."),
    ("How do I pair the bike with the app?", "Thanks for reaching out! We'd love to help, please send us a DM."),
    ("Why was my account suspended?", "We understand your frustration. Please contact our support team."),
    ("Still waiting on my order from 3 weeks ago, any update??", "We're looking into this for you. Stay tuned!"),
    ("Do you ship to Norway?", "We truly care about all our customers!"),
    ("Why can't I get any service in my house", "It might be a number of things, please DM so we can take a look."),
    ("Will that change?", "Hey there, having billing issues? Shoot us a DM for further assistance!"),
])
def test_no_answer_to_the_question_asked(question: str, draft: str) -> None:
    flag = flags(draft, question=question)["no_answer"]
    assert question[:20] in flag.why  # type: ignore[attr-defined]


@pytest.mark.parametrize(("question", "draft"), [
    ("When will my order ship?", "It left the warehouse today; delivery is due Thursday."),
    ("How do I reset the display?", "Hold power and minus for 10 seconds, then release."),
    ("Why is the range lower in winter?", "Because cells deliver less energy in the cold."),
    ("How much is a battery?", "€549, or €399 under warranty."),
    ("Can I ride the C2 in heavy rain?", "Yes: it is rated IPX5."),
    ("Is the motor waterproof?", "The motor is sealed to IPX5, so rain is fine."),
    ("The app keeps crashing when I open the map.", "Sorry: version 3.2 fixes the map crash, update it in the store."),
])
def test_a_concrete_answer_is_not_flagged(question: str, draft: str) -> None:
    assert "no_answer" not in flags(draft, question=question)


def test_statements_ask_nothing_and_waiting_asks_when() -> None:
    assert questions_in("The app crashes when I open the map. Can you fix it?") == " Can you fix it?"
    assert question_kinds("The app crashes when I open the map.") == []
    assert question_kinds("When you roll the month, it does not appear and hangs") == []
    assert question_kinds("When will it ship") == ["when"]
    assert question_kinds("Still waiting for my refund") == ["when"]
    assert question_kinds("How do I pair it and why does it beep?") == ["how", "why"]


def test_no_link_when_an_article_fits_and_none_when_it_does_not() -> None:
    draft = "That's the overheating fault in firmware 2.0; updating to 2.1 fixes it."
    flag = flags(draft, question=WHY, articles=[FW])["no_link"]
    assert FW.url in flag.fix and "Firmware 2.1" in flag.why  # type: ignore[attr-defined]
    assert "no_link" not in flags(draft + " " + FW.url, question=WHY, articles=[FW])  # type: ignore[operator]
    weak = Article("fw", FW.title, FW.url, 0.2)
    assert "no_link" not in flags(draft, question=WHY, articles=[weak])


def test_lengths_per_platform() -> None:
    family = "👨‍👩‍👧‍👦"
    assert post_length(family * 3, "bluesky") == 3  # graphemes, as Bluesky counts
    assert post_length(family, None) == len(family) == 7
    url = "https://halcyon.example/" + "a" * 100
    assert post_length(url, "mastodon") == 23 and post_length(url, "twitter") == 23
    long = "The part is on its way and arrives by Thursday. " * 8  # 383 characters once trimmed
    assert flags(long, platform="bluesky")["too_long"].severity == "high"  # type: ignore[attr-defined]
    assert "too_long" not in flags(long, platform="mastodon")
    assert "too_long" not in flags(long * 10, platform="reddit")
    assert "383 graphemes" in flags(long, platform="bluesky")["too_long"].why  # type: ignore[attr-defined]


def test_hashtags_on_reddit_and_acronyms_are_not_shouting() -> None:
    assert "hashtags" in flags("20 km is fine for it. #ebike", platform="reddit")
    assert "hashtags" not in flags("Welcome, Jo! #HalcyonRides", platform="bluesky")
    assert "shouting" not in flags("Use the USB-C port; the LED turns green. NOTE: not on holidays.")


def _bench() -> object:
    sys.path.insert(0, str(BENCH))
    try:
        import tone_bench
    finally:
        sys.path.remove(str(BENCH))
    return tone_bench


@pytest.mark.parametrize(("name", "precision", "recall"), [("tone_drafts.jsonl", 0.95, 0.9),
                                                           ("tone_heldout.jsonl", 0.8, 0.85),
                                                           ("tone_twcs.csv", 0.5, 0.55)])
def test_precision_and_recall_on_the_labelled_drafts(name: str, precision: float, recall: float) -> None:
    bench = _bench()
    if name.endswith(".csv"):
        rows = bench.load(BENCH / "data" / name, require_shared_data())  # type: ignore[attr-defined]
    else:
        rows = bench.load(BENCH / "data" / name)  # type: ignore[attr-defined]
    assert {code for r in rows for code in r["labels"]} <= set(FLAG_CODES)
    result = bench.evaluate(rows)  # type: ignore[attr-defined]
    assert result["micro_precision"] >= precision and result["micro_recall"] >= recall, result["misses"]


"""The hand-labelled care set: it rebuilds from the shared data and holds what the guidelines promise."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from goodwill.understand.training import care


def test_care_labels_rebuild_from_the_shared_data(shared_data: Path) -> None:
    labelled = care.messages(shared_data)
    assert len(labelled) >= 2000
    assert len({x.message.key for x in labelled}) == len(labelled)
    # The split is the seeded hash of the key, fixed before any modelling.
    assert all(x.split == care.split_of(x.message.key) for x in labelled)
    test = [x for x in labelled if x.split == "test"]
    assert 450 <= len(test) <= 600
    # complaints_uva2015 is not in the care set: it has complaint labels of its own (docs/models.md).
    assert not any(x.message.dataset == "complaints_uva2015" for x in labelled)
    for x in labelled:
        text = " ".join(x.message.text.split()).lower()
        assert all(r.lower() in text for r in x.reasons), (x.message.key, x.reasons)
        assert (x.urgency == "high") == bool(x.urgency_reason)
        if x.urgency != "high":
            assert x.urgency == ("normal" if x.needs_response or x.intent == "complaint" else "low")
    intents = Counter(x.intent for x in labelled)
    assert set(intents) == {"question", "complaint", "praise", "suggestion", "purchase_intent", "other"}


def test_care_sample_is_the_labelled_set(shared_data: Path) -> None:
    """The committed labels are exactly the seeded sample, in its order."""
    keys = [(r["dataset"], r["file"], r["row"]) for r in care.read_labels()]
    assert keys == [m.key for m in care.sample(shared_data)][: len(keys)]


def test_a_changed_text_is_an_error_naming_the_line(shared_data: Path, tmp_path: Path) -> None:
    rows = care.read_labels()[:3]
    rows[1] = {**rows[1], "sha": "000000000000"}
    path = tmp_path / "care.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=care.FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=r"care\.csv:3: the text of .* changed"):
        care.messages(shared_data, path)


def test_an_unknown_label_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "care.csv"
    path.write_text(",".join(care.FIELDS) + "\ntwcs,twcs_head5000.csv,1,abc,train,rant,1,normal,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"care\.csv:2: field 'intent' is 'rant'"):
        care.read_labels(path)


def test_cued_labels_are_a_prefix_of_the_cued_sample_and_hold_no_held_out_text(shared_data: Path) -> None:
    """The second sample (labels/care_cued.csv) trains only, never repeats the first, never reads a held-out text."""
    from goodwill.understand.training import sets

    rows = care.read_labels(care.CUED_LABELS)
    keys = [(r["dataset"], r["file"], r["row"]) for r in rows]
    assert len(rows) >= 400 and all(r["split"] == "train" for r in rows)
    assert keys == [m.key for m in care.cued_sample(shared_data)][: len(keys)]
    first = care.messages(shared_data)
    assert not set(keys) & {x.message.key for x in first}
    test_shas = {x.message.sha for x in first if x.split == "test"}
    held = sets.held_out(shared_data)
    for x in care.messages(shared_data, care.CUED_LABELS):
        assert x.message.sha not in test_shas and sets.key(x.message.text) not in held
        text = " ".join(x.message.text.split()).lower()
        assert all(r.lower() in text for r in x.reasons), (x.message.key, x.reasons)
        assert (x.urgency == "high") == bool(x.urgency_reason)
    counts = Counter(r["intent"] for r in rows)
    assert counts["purchase_intent"] >= 20 and counts["suggestion"] >= 50 and counts["praise"] >= 50

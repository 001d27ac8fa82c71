"""The generic reader's fast path gives the same message as the field-by-field
reader for any record it accepts, and hands every other record over."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from goodwill.domain import ParsedMessage
from goodwill.errors import ImportFileError
from goodwill.ingest.readers import ImportOptions, read_messages
from goodwill.ingest.readers.fields import Fields, resolve_columns
from goodwill.ingest.readers.generic import fast_reader, generic_message

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PATH = Path("records.jsonl")

good = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)  # values the fast path takes
good_time = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.isoformat()
)
ints = st.integers(-(2**63), 2**64 - 1)  # what JSON Lines files can hold
# Values chosen to sit on both sides of every check the fast path makes.
tricky_text = st.sampled_from(["", " ", "a", " a", "a ", "@a", "a\x00b", "x" * 401, "12.0", "12", "réponse ✓"])
words = st.one_of(tricky_text, st.text(max_size=12))
times = st.one_of(
    st.sampled_from([
        "2024-05-01T09:30:00+00:00", "2024-05-01T09:30:00Z", "2024-05-01T09:30:00", "2024-05-01 09:30:00+02:00",
        "1714555800", "Tue Oct 31 22:10:47 +0000 2017", "1800-01-01T00:00:00+00:00", "9999-01-01T00:00:00+00:00",
        "next tuesday", "",
    ]),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
)
any_value = st.one_of(st.none(), good, words, st.integers(-5, 2**64 - 1), st.booleans(), st.floats(allow_nan=False), st.just(12.0))
kinds = st.one_of(st.none(), st.sampled_from(["post", "reply", "quote", "repost", "Post", "comment", "review", ""]), ints)
brands = st.one_of(st.none(), st.booleans(), st.sampled_from(["true", "false", "True", "1", "0", "yes", "", "maybe"]))
metrics = st.one_of(st.none(), st.integers(-1, 2**64 - 1), st.sampled_from(["", "3", "03", "3.0", "-1", "٣", "1e3", "9" * 19]), st.booleans())
platforms = st.one_of(st.none(), st.sampled_from(["", "twitter", "Mastodon", "bad platform", "x" * 41]), ints)

# Per field: values the fast path should take, and values around its edges.
FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "id": (good, st.one_of(words, st.integers(0, 10**6))),
    "author": (good, st.one_of(words, ints)),
    "text": (st.one_of(good, words), ints),
    "created_at": (good_time, st.one_of(times, st.integers(0, 2**31))),
    "platform": (st.sampled_from(["twitter", "mastodon", ""]), platforms),
    "reply_to": (good, any_value),
    "quote_of": (good, any_value),
    "repost_of": (good, any_value),
    "author_id": (good, any_value),
    "author_name": (good, any_value),
    "url": (good, any_value),
    "kind": (st.sampled_from(["post", "reply", "quote", "repost"]), kinds),
    "is_brand": (st.sampled_from([True, False, "true", "false", ""]), brands),
    "likes": (st.one_of(st.integers(0, 10**6), st.integers(0, 10**6).map(str)), metrics),
    "reposts": (st.integers(0, 10**6), metrics),
    "rating": (st.integers(0, 5).map(str), metrics),
}
REQUIRED = ("id", "author", "text", "created_at")


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """The required fields and up to four optional ones, each usually clean and
    now and then a value at the edge of what the fast path takes."""
    names = [*REQUIRED, *draw(st.lists(st.sampled_from(sorted(set(FIELDS) - set(REQUIRED))), max_size=4, unique=True))]
    record: dict[str, Any] = {}
    for name in names:
        clean, edge = FIELDS[name]
        record[name] = draw(edge if draw(st.integers(0, 4)) == 0 else clean)
    return record


options = st.builds(ImportOptions, platform=st.sampled_from([None, "mastodon"]))


def generic(record: dict[str, Any], columns: dict[str, str], opts: ImportOptions) -> ParsedMessage | ImportFileError:
    try:
        return generic_message(Fields(PATH, 3, record, columns), opts)
    except ImportFileError as exc:
        return exc


@PROPS
@given(record=records(), opts=options)
# A time that is valid where it was written but before year 1 in UTC: the fast path once crashed on it.
@example(record={"id": "1", "author": "a", "text": "x", "created_at": "0001-01-01T00:00:00+02:34:48"}, opts=ImportOptions())
def test_the_fast_path_agrees_with_the_field_by_field_reader(record: dict[str, Any], opts: ImportOptions) -> None:
    columns = resolve_columns(record.keys(), {}, nested=True)
    fast = fast_reader(columns, opts)
    assert fast is not None  # flat columns with an id: the fast path is on
    quick = fast(3, dict(record))
    slow = generic(dict(record), columns, opts)
    if quick is None:
        return  # handed over: the field-by-field reader decides, errors and all
    # What the fast path accepts, the careful reader accepts too, with the same message.
    assert not isinstance(slow, ImportFileError), f"fast path accepted a record the reader refuses: {slow}"
    assert quick == slow


@PROPS
@given(batch=st.lists(records(), min_size=1, max_size=8))
def test_a_file_reads_the_same_as_record_by_record(tmp_path_factory: Any, batch: list[dict[str, Any]]) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "records.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in batch))
    columns = resolve_columns(batch[0].keys(), {}, nested=True)
    expected: list[ParsedMessage] = []
    failed: ImportFileError | None = None
    for number, record in enumerate(batch, 1):
        try:
            expected.append(generic_message(Fields(path, number, record, columns), ImportOptions()))
        except ImportFileError as exc:
            failed = exc
            break
    try:
        got = list(read_messages(path, ImportOptions(format="jsonl", encoding="utf-8")))
    except ImportFileError as exc:
        assert failed is not None and str(exc) == str(failed)
        return
    assert failed is None
    assert got == expected

"""Timestamps in the many forms exports write them, always read to aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.domain.timeparse import EARLIEST, LATEST, parse_time

NEW_YORK = ZoneInfo("America/New_York")
PROPS = settings(max_examples=100, deadline=None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-10-31T22:10:47Z", utc(2017, 10, 31, 22, 10, 47)),
        ("2017-10-31T22:10:47z", utc(2017, 10, 31, 22, 10, 47)),
        ("2017-10-31T22:10:47+00:00", utc(2017, 10, 31, 22, 10, 47)),
        ("2017-10-31T22:10:47+02:00", utc(2017, 10, 31, 20, 10, 47)),
        ("2017-10-31T22:10:47-05:30", utc(2017, 11, 1, 3, 40, 47)),
        ("2017-10-31 22:10:47+0100", utc(2017, 10, 31, 21, 10, 47)),
        ("2017-10-31T22:10:47.123456Z", utc(2017, 10, 31, 22, 10, 47, 123456)),
        ("2017-10-31T22:10:47.5+00:00", utc(2017, 10, 31, 22, 10, 47, 500000)),
        ("  2017-10-31T22:10:47Z \n", utc(2017, 10, 31, 22, 10, 47)),
        ("2017-10-31", utc(2017, 10, 31)),
    ],
)
def test_iso_8601(value: str, expected: datetime) -> None:
    got = parse_time(value)
    assert got == expected
    assert got.tzinfo is UTC


def test_zone_in_the_text_wins_over_the_default() -> None:
    assert parse_time("2017-10-31T22:10:47Z", NEW_YORK) == utc(2017, 10, 31, 22, 10, 47)
    assert parse_time("2017-10-31T22:10:47+02:00", NEW_YORK) == utc(2017, 10, 31, 20, 10, 47)


def test_naive_is_utc_by_default() -> None:
    assert parse_time("2017-10-31T22:10:47") == utc(2017, 10, 31, 22, 10, 47)
    assert parse_time("2017-10-31 22:10") == utc(2017, 10, 31, 22, 10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-15 12:00:00", utc(2024, 1, 15, 17)),  # EST, UTC-5
        ("2024-07-04 12:00:00", utc(2024, 7, 4, 16)),  # EDT, UTC-4
        ("2024-03-10 01:59:59", utc(2024, 3, 10, 6, 59, 59)),  # just before spring forward
        ("2024-03-10 03:00:00", utc(2024, 3, 10, 7)),  # just after
        ("2024-11-03 00:30:00", utc(2024, 11, 3, 4, 30)),  # EDT, before fall back
        ("2024-11-03 02:30:00", utc(2024, 11, 3, 7, 30)),  # EST, after
        ("07/04/2024 12:00", utc(2024, 7, 4, 16)),  # through dateutil
    ],
)
def test_naive_takes_the_default_zone_with_dst(value: str, expected: datetime) -> None:
    got = parse_time(value, NEW_YORK)
    assert got == expected
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue Oct 31 22:10:47 +0000 2017", utc(2017, 10, 31, 22, 10, 47)),
        ("Wed Oct 11 06:55:44 +0000 2017", utc(2017, 10, 11, 6, 55, 44)),
        ("Mon Aug 29 13:00:00 +0000 2011", utc(2011, 8, 29, 13)),
        ("Tue Oct 31 22:10:47 -0530 2017", utc(2017, 11, 1, 3, 40, 47)),
        ("Tue Oct 31 22:10:47 +0100 2017", utc(2017, 10, 31, 21, 10, 47)),
        ("Thu Feb 29 23:59:59 +0000 2024", utc(2024, 2, 29, 23, 59, 59)),
    ],
)
def test_twitter_form(value: str, expected: datetime) -> None:
    assert parse_time(value) == expected
    assert parse_time(value, NEW_YORK) == expected  # the offset in the text wins


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1509487847", utc(2017, 10, 31, 22, 10, 47)),
        ("1509487847123", utc(2017, 10, 31, 22, 10, 47, 123000)),
        ("1509487847.25", utc(2017, 10, 31, 22, 10, 47, 250000)),
        ("946684800", utc(2000, 1, 1)),
        ("946684800000", utc(2000, 1, 1)),
        ("4102444799", utc(2099, 12, 31, 23, 59, 59)),
        ("1278030120000", utc(2010, 7, 2, 0, 22)),  # not the ISO basic date 1278-03-01
        ("1999030100", utc(2033, 5, 6, 22, 8, 20)),
    ],
)
def test_epoch_seconds_and_milliseconds(value: str, expected: datetime) -> None:
    assert parse_time(value) == expected
    assert parse_time(value, NEW_YORK) == expected  # epochs are UTC whatever the default


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_empty_raises(value: str) -> None:
    with pytest.raises(ValueError, match="empty timestamp"):
        parse_time(value)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "yesterday",
        "not a date at all",
        "nan",
        "1e10",
        "\x00",
        "2017-13-01",
        "2017-10-31T25:00:00",
        "2017-02-30",
        "Tue Feb 30 22:10:47 +0000 2017",  # twitter form, impossible day
        "Tue Oct 31 22:10:47 +9999 2017",  # twitter form, impossible offset
        "2017-10-31T22:10:47+25:00",
        "99999999999999999999",
        # Incomplete dates must not be completed with today's date.
        "12:30",
        "10",
        "Oct",
        "Oct 2017",
        "Tuesday",
        "2017",
    ],
)
def test_garbage_raises_a_readable_value_error(value: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time(value)
    message = str(info.value)
    assert repr(value.strip()[:60]) in message, message
    assert "Traceback" not in message and len(message) < 200


@pytest.mark.parametrize(
    "value",
    [
        "1989-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
        "2150-06-01",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+01:00",  # would overflow converting to UTC
        "9999-12-31T23:59:59-01:00",
        "9999-12-31 23:00 -0500",
        "Mon Jan 01 00:00:00 +0000 1900",
        "Fri Jan 01 00:00:00 +0000 2100",
        "123",
        "-1509487847",
        "0",
    ],
)
def test_out_of_range_rejected(value: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_time(value)
    assert repr(value.strip()[:60]) in str(info.value)


def test_zone_names() -> None:
    assert parse_time("2017-10-31 10:00 UTC", NEW_YORK) == utc(2017, 10, 31, 10)
    assert parse_time("31 Oct 2017 10:00:00 GMT", NEW_YORK) == utc(2017, 10, 31, 10)
    assert parse_time("Tue, 31 Oct 2017 10:00:00 +0200") == utc(2017, 10, 31, 8)  # RFC 2822 (RSS)
    # An abbreviation dateutil does not know must not be silently dropped.
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_time("2017-10-31 10:00 EST")


def test_range_edges() -> None:
    assert parse_time("1990-01-01T00:00:00Z") == EARLIEST
    assert parse_time("2099-12-31T23:59:59.999999Z") == LATEST - timedelta(microseconds=1)
    with pytest.raises(ValueError, match="outside 1990-2099"):
        parse_time("1990-01-01T00:00:00+00:01")
    with pytest.raises(ValueError, match="outside 1990-2099"):
        parse_time("2099-12-31T23:59:59", NEW_YORK)  # 2100-01-01 04:59:59 UTC


def test_long_garbage_is_cut_short_in_the_message() -> None:
    with pytest.raises(ValueError) as info:
        parse_time("x" * 10_000)
    assert len(str(info.value)) < 200


# --- properties --------------------------------------------------------------

# Fixed offsets in whole minutes, as the twitter form and most exports write them.
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
# Instants safely inside the supported range, whatever the offset.
INSTANTS = st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2099, 12, 30, 23, 59, 59))


@PROPS
@given(INSTANTS, st.one_of(OFFSETS, st.timezones()))
def test_isoformat_round_trip(naive: datetime, zone: timezone) -> None:
    dt = naive.replace(tzinfo=UTC).astimezone(zone)
    got = parse_time(dt.isoformat())
    # Compare in UTC: Python never calls a time in a repeated (DST) hour equal
    # to a time in another zone, even the same instant.
    assert got == dt.astimezone(UTC)
    assert got.tzinfo is UTC


@PROPS
@given(INSTANTS, st.sampled_from(["T", " "]))
def test_isoformat_z_round_trip(naive: datetime, sep: str) -> None:
    dt = naive.replace(tzinfo=UTC)
    assert parse_time(dt.isoformat(sep=sep).replace("+00:00", "Z")) == dt


@PROPS
@given(INSTANTS, OFFSETS)
def test_twitter_form_round_trip(naive: datetime, zone: timezone) -> None:
    dt = naive.replace(tzinfo=UTC, microsecond=0).astimezone(zone)
    assert parse_time(dt.strftime("%a %b %d %H:%M:%S %z %Y")) == dt


@PROPS
@given(INSTANTS)
def test_naive_round_trip_in_default_zone(naive: datetime) -> None:
    # A naive local time means that wall-clock time in the default zone.
    expected = naive.replace(tzinfo=NEW_YORK).astimezone(UTC)
    assert parse_time(naive.isoformat(), NEW_YORK) == expected


@PROPS
@given(INSTANTS)
def test_epoch_round_trip(naive: datetime) -> None:
    dt = naive.replace(tzinfo=UTC, microsecond=0)
    seconds = int(dt.timestamp())
    assert parse_time(str(seconds)) == dt
    assert parse_time(str(seconds * 1000)) == dt


@PROPS
@given(st.text(max_size=40))
def test_anything_else_is_a_value_error_or_an_aware_utc_time(value: str) -> None:
    try:
        got = parse_time(value)
    except ValueError:
        return
    assert got.tzinfo is UTC
    assert EARLIEST <= got < LATEST

"""Reading the many ways a timestamp is written in exports, always to aware UTC."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dateutil import parser as dateutil_parser

_TWITTER = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$"
)
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_EPOCH = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# dateutil fills what a text leaves out from a default; two defaults that
# differ in every date part show which parts were really written.
_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)


def parse_time(value: str, default_tz: tzinfo = UTC) -> datetime:
    """An aware UTC datetime from `value`.

    Understands ISO 8601 (with `Z` or an offset), the X/Twitter API form
    (`Tue Oct 31 22:10:47 +0000 2017`), Unix epoch seconds or milliseconds,
    and whatever else dateutil reads if it holds a full date (year, month
    and day). A time without a zone is taken to be in `default_tz`. Raises
    ValueError with a short reason, naming the value, otherwise.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    shown = repr(text[:60])
    try:
        dt = _parse(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=default_tz)
        dt = dt.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        reason = str(exc)
        if shown in reason:
            raise ValueError(reason) from None
        raise ValueError(f"unreadable timestamp {shown}: {reason}") from None
    if not EARLIEST <= dt < LATEST:
        raise ValueError(f"timestamp {shown} is outside 1990-2099")
    return dt


def _parse(text: str) -> datetime:
    if _EPOCH.match(text):  # before ISO, which reads 13 digits as a basic-format date
        seconds = float(text)
        if abs(seconds) >= 1e11:  # milliseconds
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    m = _TWITTER.match(text)
    if m:
        mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
        offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
        return datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset))
    try:
        with warnings.catch_warnings():
            # dateutil ignores a zone name it does not know ("EST"), which
            # would silently shift the time: refuse it instead.
            warnings.simplefilter("error", dateutil_parser.UnknownTimezoneWarning)
            dt = dateutil_parser.parse(text, default=_DEFAULT_A)
            other = dateutil_parser.parse(text, default=_DEFAULT_B)
    except dateutil_parser.UnknownTimezoneWarning:
        raise ValueError(f"timestamp {text[:60]!r} names an unknown time zone; write an offset like +05:00") from None
    except (ValueError, OverflowError):
        raise ValueError(f"unreadable timestamp {text[:60]!r}") from None
    if (dt.year, dt.month, dt.day) != (other.year, other.month, other.day):
        raise ValueError(f"timestamp {text[:60]!r} has no full date (year, month and day)")
    result: datetime = dt
    return result


def iso_utc(value: datetime | None) -> str | None:
    """An aware time as ISO 8601 in UTC with a `Z` (`2026-11-22T14:03:00Z`); None stays None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

"""Reading the many ways a timestamp is written in exports, always to aware UTC."""

from __future__ import annotations

import re
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


def parse_time(value: str, default_tz: tzinfo = UTC) -> datetime:
    """An aware UTC datetime from `value`.

    Understands ISO 8601 (with `Z` or an offset), the X/Twitter API form
    (`Tue Oct 31 22:10:47 +0000 2017`), Unix epoch seconds or milliseconds,
    and whatever else dateutil reads. A time without a zone is taken to be in
    `default_tz`. Raises ValueError with a short reason otherwise.
    """
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    dt: datetime | None = None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        pass
    if dt is None:
        m = _TWITTER.match(text)
        if m:
            mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
            offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
            dt = datetime(
                int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset)
            )
        elif _EPOCH.match(text):
            seconds = float(text)
            if abs(seconds) >= 1e11:  # milliseconds
                seconds /= 1000
            dt = datetime.fromtimestamp(seconds, UTC)
        else:
            try:
                dt = dateutil_parser.parse(text)
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"unreadable timestamp {text[:60]!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    dt = dt.astimezone(UTC)
    if not EARLIEST <= dt < LATEST:
        raise ValueError(f"timestamp {text[:60]!r} is outside 1990-2099")
    return dt

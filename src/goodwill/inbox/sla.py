"""SLA policies: business hours in a time zone, due times counted in business minutes, breach states.

A policy's targets (first response, resolution) are business minutes: only
minutes inside the policy's opening hours, on days that are not holidays,
count. Hours are wall-clock times in the policy's time zone, so "09:00-17:00"
stays 09:00-17:00 across a daylight-saving change; an open interval is as long
as the clock says it is in real minutes (a 24-hour day across the autumn
change counts 25 hours). Pure: no store, no clock; `now` is always passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from goodwill.domain.routing import WEEKDAYS, SlaPolicy
from goodwill.errors import FieldError

__all__ = [
    "ALWAYS", "State", "business_minutes", "check_policy", "due_at", "hours_text", "parse_duration", "parse_hours",
    "policy_for", "state", "holidays_from", "breaches", "targets",
]

Hours = tuple[tuple[tuple[int, int], ...], ...]
#: Open all day, every day.
ALWAYS: Hours = (((0, 1440),),) * 7
#: How far ahead a due time is looked for before the hours are taken to be never open.
HORIZON_DAYS = 3 * 366
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError("timezone", f"{name!r} is not a time zone; give one such as Europe/London or UTC") from None


def _minute(h: str, m: str, spec: str) -> int:
    value = int(h) * 60 + int(m)
    if int(m) > 59 or value > 1440:
        raise FieldError("hours", f"{spec!r}: times run from 00:00 to 24:00")
    return value


def _days(spec: str) -> list[int]:
    first, _, last = spec.partition("-")
    if first not in WEEKDAYS or (last and last not in WEEKDAYS):
        raise FieldError("hours", f"{spec!r}: name days as {', '.join(WEEKDAYS)}, or a range such as mon-fri")
    a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
    return list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]


def parse_hours(spec: str) -> Hours:
    """Opening hours from words: "mon-fri 09:00-17:00; sat 10:00-14:00", "mon-fri 09:00-12:30 13:30-17:30",
    or "24/7". Days not named are closed."""
    text = " ".join(spec.lower().split())
    if text in ("24/7", "always"):
        return ALWAYS
    week: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
    for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
        days, *ranges = part.split()
        if not ranges:
            raise FieldError("hours", f"{part!r}: give the days, then the hours, e.g. mon-fri 09:00-17:00")
        for r in ranges:
            found = _RANGE.match(r)
            if found is None:
                raise FieldError("hours", f"{r!r}: write hours as HH:MM-HH:MM, e.g. 09:00-17:00")
            start, end = _minute(found[1], found[2], r), _minute(found[3], found[4], r)
            if end <= start:
                raise FieldError("hours", f"{r!r}: ends before it starts (an interval stays within one day)")
            for d in _days(days):
                week[d].append((start, end))
    hours = tuple(tuple(sorted(day)) for day in week)
    for day in hours:
        for (_, end), (start, _) in zip(day, day[1:], strict=False):
            if start < end:
                raise FieldError("hours", f"{spec!r}: intervals on one day overlap")
    if not any(hours):
        raise FieldError("hours", f"{spec!r}: no opening hours at all")
    return hours


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hours_text(hours: Hours) -> str:
    """Hours in the words `parse_hours` reads, days with the same hours grouped: "mon-fri 09:00-17:00"."""
    if hours == ALWAYS:
        return "24/7"
    parts: list[str] = []
    d = 0
    while d < 7:
        end = d
        while end + 1 < 7 and hours[end + 1] == hours[d]:
            end += 1
        if hours[d]:
            days = WEEKDAYS[d] if end == d else f"{WEEKDAYS[d]}-{WEEKDAYS[end]}"
            parts.append(days + " " + " ".join(f"{_clock(s)}-{_clock(e)}" for s, e in hours[d]))
        d = end + 1
    return "; ".join(parts)


def parse_duration(value: str | int, field: str) -> int:
    """Minutes from "90", "90m", "4h" or "1h30m"."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        text = str(value).strip().lower().replace(" ", "")
        found = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m?)?", text)
        if not text or found is None or not (found[1] or found[2]):
            raise FieldError(field, f"{value!r}: give minutes or hours, e.g. 90m, 4h or 1h30m")
        minutes = int(found[1] or 0) * 60 + int(found[2] or 0)
    if not 1 <= minutes <= 525_600:
        raise FieldError(field, "give between 1 minute and a year of business minutes")
    return minutes


def check_policy(policy: SlaPolicy) -> SlaPolicy:
    """The policy, or a FieldError naming what is wrong with it."""
    if not policy.name.strip() or len(policy.name) > 100:
        raise FieldError("name", "give a name of 1 to 100 characters")
    _zone(policy.timezone)
    for field, minutes in (("first_response", policy.first_response_minutes), ("resolution", policy.resolution_minutes)):
        if not 1 <= minutes <= 525_600:
            raise FieldError(field, "give between 1 minute and a year of business minutes")
    if policy.resolution_minutes < policy.first_response_minutes:
        raise FieldError("resolution", "the resolution target cannot come before the first-response target")
    if not 0 < policy.near_breach < 1:
        raise FieldError("near_breach", "give the share of the target left, between 0 and 1 (e.g. 0.25)")
    if len(policy.hours) != 7 or not any(policy.hours):
        raise FieldError("hours", "give opening hours for at least one day")
    if policy.min_priority != policy.min_priority:
        raise FieldError("min_priority", "give a number")
    return policy


def _spans(start: datetime, policy: SlaPolicy) -> Iterator[tuple[datetime, datetime]]:
    """The policy's open intervals (UTC) that end after `start`, in order."""
    zone = _zone(policy.timezone)
    holidays = set(policy.holidays)
    day = start.astimezone(zone).date() - timedelta(days=1)
    for _ in range(HORIZON_DAYS):
        if day not in holidays:
            for s, e in policy.hours[day.weekday()]:
                # wall-clock times: build each from the date, so a DST change in between is honoured
                opens = datetime(day.year, day.month, day.day, s // 60, s % 60, tzinfo=zone)
                if e == 1440:
                    nxt = day + timedelta(days=1)
                    closes = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
                else:
                    closes = datetime(day.year, day.month, day.day, e // 60, e % 60, tzinfo=zone)
                a, b = opens.astimezone(UTC), closes.astimezone(UTC)
                if b > start and b > a:
                    yield a, b
        day += timedelta(days=1)
    raise FieldError("hours", f"policy {policy.name!r} is never open in the next {HORIZON_DAYS} days")


def due_at(start: datetime, minutes: float, policy: SlaPolicy) -> datetime:
    """The moment `minutes` business minutes after `start` (UTC). A case that arrives
    out of hours starts counting when the policy next opens."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    left = timedelta(minutes=minutes)
    for a, b in _spans(start, policy):
        begin = max(a, start)
        if left <= b - begin:
            return (begin + left).astimezone(UTC)
        left -= b - begin
    raise AssertionError("unreachable: _spans raises when it runs out")  # pragma: no cover


def business_minutes(start: datetime, end: datetime, policy: SlaPolicy) -> float:
    """Business minutes between `start` and `end` (0 when end is not after start)."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    total = timedelta()
    if end <= start:
        return 0.0
    for a, b in _spans(start, policy):
        if a >= end:
            break
        total += min(b, end) - max(a, start)
    return total.total_seconds() / 60


def policy_for(priority: float | None, policies: Sequence[SlaPolicy]) -> SlaPolicy | None:
    """The policy of `priority`'s band: the highest `min_priority` not above it; the lowest band when the
    priority is unknown, none when it is below every band."""
    if not policies:
        return None
    ordered = sorted(policies, key=lambda p: p.min_priority)
    if priority is None:
        return ordered[0]
    fitting = [p for p in ordered if p.min_priority <= priority]
    return fitting[-1] if fitting else None


def _span_words(minutes: float) -> str:
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{h // 24} d {h % 24} h"


def _local(at: datetime, policy: SlaPolicy) -> str:
    return at.astimezone(_zone(policy.timezone)).strftime("%a %d %b %H:%M %Z")


class State:
    """The state of one SLA target."""

    ON_TRACK = "on track"
    NEAR_BREACH = "near breach"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"


def state(
    now: datetime, due: datetime, target_minutes: int, policy: SlaPolicy, *, done_at: datetime | None = None
) -> tuple[str, str]:
    """(state, reason in words) of a target due at `due`, `done_at` when it was met."""
    if done_at is not None:
        if done_at <= due:
            return State.MET, f"met with {_span_words(business_minutes(done_at, due, policy))} of business time to spare"
        return State.MISSED, f"missed by {_span_words((done_at - due).total_seconds() / 60)}"
    if now >= due:
        return State.BREACHED, f"breached {_span_words((now - due).total_seconds() / 60)} ago (due {_local(due, policy)})"
    left = business_minutes(now, due, policy)
    if left <= policy.near_breach * target_minutes:
        return State.NEAR_BREACH, f"{_span_words(left)} of business time left of {_span_words(target_minutes)} (due {_local(due, policy)})"
    return State.ON_TRACK, f"{_span_words(left)} of business time left (due {_local(due, policy)})"


def holidays_from(values: Sequence[str]) -> tuple[date, ...]:
    """Dates from YYYY-MM-DD strings, checked."""
    out: list[date] = []
    for v in values:
        try:
            out.append(date.fromisoformat(v.strip()))
        except ValueError:
            raise FieldError("holidays", f"{v!r} is not a date (YYYY-MM-DD)") from None
    return tuple(sorted(set(out)))


#: The two targets of a case.
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"


def targets(opened_at: datetime, policy: SlaPolicy) -> tuple[datetime, datetime]:
    """(first response due, resolution due) of a case opened at `opened_at`."""
    return (due_at(opened_at, policy.first_response_minutes, policy),
            due_at(opened_at, policy.resolution_minutes, policy))


def breaches(
    now: datetime, policy: SlaPolicy, *, opened_at: datetime, first_response_due: datetime | None = None,
    first_response_at: datetime | None = None, resolved_at: datetime | None = None,
) -> list[tuple[str, datetime, str]]:
    """The targets of a case breached at `now`: (target, due time, reason in words). A first response
    or resolution that came, late or not, is no longer a breach to escalate."""
    first_due, resolution_due = targets(opened_at, policy)
    first_due = first_response_due or first_due
    out: list[tuple[str, datetime, str]] = []
    if first_response_at is None and resolved_at is None and now >= first_due:
        out.append((FIRST_RESPONSE, first_due,
                    f"no first response {_span_words((now - first_due).total_seconds() / 60)} after it was due "
                    f"({_local(first_due, policy)}; {policy.name}: {_span_words(policy.first_response_minutes)} "
                    "of business time)"))
    if resolved_at is None and now >= resolution_due:
        out.append((RESOLUTION, resolution_due,
                    f"not resolved {_span_words((now - resolution_due).total_seconds() / 60)} after it was due "
                    f"({_local(resolution_due, policy)}; {policy.name}: {_span_words(policy.resolution_minutes)} "
                    "of business time)"))
    return out

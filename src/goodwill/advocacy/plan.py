"""Warnings on the brand's publishing plan: when the scheduled posts tip
toward taking, or break the brand's cadence on a channel (a gap longer than
its usual, or a burst of more posts in an hour or a day than it usually makes).

Pure logic: the planned posts and the brand's past posts come in as plain
data; the warnings go out as dicts with their reasons in words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from goodwill.advocacy.audit import BURST_POSTS, GAP_DAYS

#: How far ahead the plan's give ratio is read.
WINDOW = timedelta(days=14)
#: Below this give ratio (among planned posts read as give or take) the plan tips toward taking.
TILT_RATIO = 0.5
#: Fewest past posts on a channel from which its usual gap and bursts are read (else GAP_DAYS and BURST_POSTS).
MIN_HISTORY = 3


@dataclass(frozen=True)
class PlannedPost:
    id: int
    channel: str
    platform: str
    at: datetime
    kind: str  # give, take, neutral


def _pct(value: float) -> str:
    return f"{value:.0%}"


def tilt(planned: Sequence[PlannedPost], now: datetime, past_ratio: float | None,
         past_counts: tuple[int, int]) -> dict[str, object] | None:
    """A warning when the posts planned in the next WINDOW give less than TILT_RATIO of the time."""
    end = now + WINDOW
    window = [p for p in planned if now <= p.at < end]
    kinds = Counter(p.kind for p in window)
    counted = kinds["give"] + kinds["take"]
    if not counted:
        return None
    ratio = kinds["give"] / counted
    if ratio >= TILT_RATIO:
        return None
    why = (f"the plan tips toward taking: {kinds['give']} of {counted} posts planned in the next "
           f"{WINDOW.days} days give ({_pct(ratio)}, below {_pct(TILT_RATIO)})")
    give, total = past_counts
    if past_ratio is not None:
        why += f"; the brand's own posts of the last 90 days gave {_pct(past_ratio)} ({give} of {total})"
    return {"code": "tips_to_taking", "channel": None, "give_ratio": round(ratio, 4),
            "past_give_ratio": None if past_ratio is None else round(past_ratio, 4),
            "posts": [p.id for p in window if p.kind == "take"], "why": why}


def _usual_gap_days(past: Sequence[datetime]) -> float | None:
    times = sorted(past)
    gaps = [(b - a).total_seconds() / 86400 for a, b in zip(times, times[1:], strict=False)]
    return median(gaps) if len(times) >= MIN_HISTORY else None


def cadence(channel: str, planned: Sequence[PlannedPost], past: Sequence[datetime]) -> list[dict[str, object]]:
    """Gaps and bursts the plan makes on one channel, against the channel's past posts.

    A gap: the time between two consecutive posts (the last published one, then the
    planned ones) is over twice the usual gap (the median of its past gaps), and at
    least a day; with too little history, over GAP_DAYS days. A burst: a clock hour
    with 2 or more planned posts where the past never had as many, or a day with
    BURST_POSTS or more and over twice its usual posts on a posting day."""
    mine = sorted((p for p in planned if p.channel == channel), key=lambda p: p.at)
    if not mine:
        return []
    warnings: list[dict[str, object]] = []
    usual = _usual_gap_days(past)
    limit = max(1.0, 2 * usual) if usual is not None else float(GAP_DAYS)
    usual_words = (f"it usually posts every {usual:.1f} days" if usual is not None
                   else f"too few past posts to know its usual, so over {GAP_DAYS} days counts")
    last_past = max(past, default=None)
    previous: tuple[datetime, int | None] | None = (last_past, None) if last_past is not None else None
    for p in mine:
        if previous is not None:
            days = (p.at - previous[0]).total_seconds() / 86400
            if days > limit:
                after = "its last published post" if previous[1] is None else f"post {previous[1]}"
                warnings.append({
                    "code": "gap", "channel": channel, "days": round(days, 1), "posts": [p.id],
                    "why": (f"a gap on {channel}: {days:.1f} days without a post between {after} "
                            f"({previous[0]:%Y-%m-%d %H:%M}) and post {p.id} ({p.at:%Y-%m-%d %H:%M}); {usual_words}"),
                })
        previous = (p.at, p.id)
    past_hour = Counter(t.replace(minute=0, second=0, microsecond=0) for t in past)
    past_day = Counter(t.date() for t in past)
    usual_hour = max(past_hour.values(), default=1)
    usual_day = (sorted(past_day.values())[len(past_day) // 2] if past_day else 1)
    by_hour: dict[datetime, list[int]] = {}
    by_day: dict[object, list[int]] = {}
    for p in mine:
        by_hour.setdefault(p.at.replace(minute=0, second=0, microsecond=0), []).append(p.id)
        by_day.setdefault(p.at.date(), []).append(p.id)
    day_limit = max(BURST_POSTS, math.floor(2 * usual_day) + 1)
    for day, ids in sorted(by_day.items(), key=lambda kv: str(kv[0])):
        if len(ids) >= day_limit:
            warnings.append({
                "code": "burst", "channel": channel, "posts": ids,
                "why": (f"a burst on {channel}: {len(ids)} posts planned on {day}; it usually makes "
                        f"{usual_day} on a day it posts"),
            })
    in_day_bursts = {i for w in warnings if w["code"] == "burst" for i in w["posts"]}  # type: ignore[attr-defined]
    for hour, ids in sorted(by_hour.items()):
        if len(ids) >= 2 and len(ids) > usual_hour and not set(ids) <= in_day_bursts:
            warnings.append({
                "code": "burst", "channel": channel, "posts": ids,
                "why": (f"a burst on {channel}: {len(ids)} posts planned in the hour from {hour:%Y-%m-%d %H:00}; "
                        f"it never made more than {usual_hour} in an hour before"),
            })
    return warnings

"""Server-rendered SVG trend charts: plain numbers in, the shapes a template draws out.

No script runs in the page (the Content-Security-Policy forbids inline
scripts, and a chart needs none): the template writes an `<svg>` with a
polyline of the daily messages, bars of the negative ones and a dot on every
alert day, each with a `<title>` the browser shows on hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

WIDTH, HEIGHT, PAD = 600, 120, 4


@dataclass(frozen=True)
class Trend:
    """One topic's chart: the line's points, the negative bars, the alert dots, and its scale."""

    points: str
    bars: list[dict[str, Any]]
    dots: list[dict[str, Any]]
    peak: int
    first: date
    last: date
    width: int = WIDTH
    height: int = HEIGHT


def trend(days: list[dict[str, Any]], first: date, last: date, alert_days: set[date]) -> Trend:
    """The chart of one topic's `days` (day, messages, negative) from `first` to `last`."""
    span = max((last - first).days, 1)
    by_day = {d["day"]: d for d in days}
    peak = max((d["messages"] for d in days), default=0) or 1
    step = (WIDTH - 2 * PAD) / span

    def x(i: int) -> float:
        return round(PAD + i * step, 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - value / peak * (HEIGHT - 2 * PAD), 1)

    points, bars, dots = [], [], []
    for i in range(span + 1):
        day = first + timedelta(days=i)
        row = by_day.get(day, {"messages": 0, "negative": 0})
        points.append(f"{x(i)},{y(row['messages'])}")
        if row["negative"]:
            top = y(row["negative"])
            bars.append({"x": round(x(i) - step / 2, 1), "y": top, "w": max(round(step, 1), 1.0),
                         "h": round(HEIGHT - PAD - top, 1), "title": f"{day}: {row['negative']} negative"})
        if day in alert_days:
            dots.append({"x": x(i), "y": y(row["messages"]), "title": f"{day}: alert, {row['messages']} messages"})
    return Trend(" ".join(points), bars, dots, peak, first, last)

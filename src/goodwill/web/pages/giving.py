"""The /giving page: the give-versus-take audit of the brand's own messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from goodwill.service import giving
from goodwill.web.deps import PageActor, StoreDep, no_nul
from goodwill.web.pages.routes import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])

WIDTH, HEIGHT, PAD, AXIS = 600, 140, 4, 16


@dataclass(frozen=True)
class RatioChart:
    """Bars of give (below) and take (above) messages per week, drawn by the template."""

    bars: list[dict[str, Any]]
    peak: int
    first: str
    last: str
    width: int = WIDTH
    height: int = HEIGHT


def ratio_chart(weeks: list[dict[str, Any]]) -> RatioChart | None:
    """One stacked bar per week: give at the bottom, take on top, each with a title the browser shows."""
    if not weeks:
        return None
    peak = max(w["give"] + w["take"] for w in weeks) or 1
    step = (WIDTH - 2 * PAD) / len(weeks)
    usable = HEIGHT - PAD - AXIS
    bars = []
    for i, w in enumerate(weeks):
        give_h = round(w["give"] / peak * usable, 1)
        take_h = round(w["take"] / peak * usable, 1)
        x = round(PAD + i * step + step * 0.1, 1)
        ratio = "no reading" if w["give_ratio"] is None else f"give ratio {w['give_ratio']:.0%}"
        bars.append({"x": x, "w": max(round(step * 0.8, 1), 1.0), "give_y": round(HEIGHT - AXIS - give_h, 1),
                     "give_h": give_h, "take_y": round(HEIGHT - AXIS - give_h - take_h, 1), "take_h": take_h,
                     "title": f"week of {w['start']}: {w['give']} give, {w['take']} take ({ratio})"})
    return RatioChart(bars, peak, weeks[0]["start"], weeks[-1]["start"])


@router.get("/giving")
def giving_page(
    request: Request, store: StoreDep, actor: PageActor,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    first, last = giving.period(start or None, end or None)
    report = giving.audit(store, actor, first, last, limit=100)
    return render(request, "giving.html", actor, report=report, chart=ratio_chart(report["weeks"]),
                  start=start or "", end=end or "")

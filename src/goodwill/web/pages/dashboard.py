"""The relationship-health dashboard: the report's figures and charts, each figure one click from its messages."""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from goodwill.service import health
from goodwill.web.deps import PageActor, StoreDep, no_nul
from goodwill.web.pages.routes import _parse_date, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])

Day = Annotated[str | None, Query(alias="from", max_length=10)]
Until = Annotated[str | None, Query(alias="to", max_length=10)]


def _data_uri(svg: str) -> str:
    """A chart as an image: the page's Content-Security-Policy forbids inline styles, which matplotlib's SVG uses."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@router.get("/dashboard")
def dashboard(request: Request, store: StoreDep, actor: PageActor, start: Day = None, end: Until = None) -> Response:
    figures = health.report(store, actor, start=_parse_date(start, "from"), end=_parse_date(end, "to"))
    charts = {name: _data_uri(svg) for name, svg in health.chart_svgs(figures).items()}
    period = {"from": figures["from"], "to": figures["to"]}

    def link(figure: str, channel: str | None = None) -> str:
        return "/dashboard/messages?" + urlencode({"figure": figure, **({"channel": channel} if channel else {}), **period})

    links = {key: link(figure) for key, figure in health.EVIDENCE.items()}
    links["give_ratio"] = "/giving?" + urlencode(period)  # each of the brand's posts with its give-or-take reading
    channel_links = {name: {figure: link(figure, name) for figure in ("asks", "answered", "complaints")}
                     for name in figures["channels"]}
    return render(request, "dashboard.html", actor, f=figures, rows=health.table(figures), charts=charts, period=period,
                  links=links, channel_links=channel_links)


@router.get("/dashboard/messages")
def dashboard_messages(
    request: Request, store: StoreDep, actor: PageActor, start: Day = None, end: Until = None,
    figure: Annotated[str, Query(max_length=40)] = "asks",
    channel: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    found = health.evidence(store, actor, figure, start=_parse_date(start, "from"), end=_parse_date(end, "to"),
                            channel=channel or None)
    return render(request, "dashboard_messages.html", actor, found=found, period={"from": found["from"], "to": found["to"]})


@router.get("/dashboard/report.html")
def dashboard_report(store: StoreDep, actor: PageActor, start: Day = None, end: Until = None) -> Response:
    """The self-contained HTML report of the period, as a download."""
    name, page = health.report_file(store, actor, start=_parse_date(start, "from"), end=_parse_date(end, "to"))
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""The relationship-health report under /api/v1: the figures of a period and the messages behind each."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from goodwill.service import health
from goodwill.web.api.routes import FIRST_DAY, LAST_DAY
from goodwill.web.deps import ApiActor, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

From = Annotated[date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY,
                                    description="First day (UTC); default: 30 days before `to`")]
To = Annotated[date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY,
                                  description="Last day, included (UTC); default: the day of the latest stored message")]


@router.get("/report", summary="Relationship health of a period beside the period before (docs/health.md)")
def report(store: StoreDep, actor: ApiActor, start: From = None, end: To = None) -> dict[str, Any]:
    return health.report(store, actor, start=start, end=end)


@router.get("/report/messages", summary="The messages behind one figure of the report")
def report_messages(
    store: StoreDep, actor: ApiActor, start: From = None, end: To = None,
    figure: Annotated[str, Query(max_length=40, description=", ".join([*health.FIGURES, *health.PEOPLE_FIGURES]))] = "asks",
    channel: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return health.evidence(store, actor, figure, start=start, end=end, channel=channel, limit=limit)

"""The API of the give-versus-take audit, under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from goodwill.service import giving
from goodwill.web.deps import ApiActor, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

Day = Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day, YYYY-MM-DD (UTC).")]


@router.get("/giving", summary="Does the brand give more than it takes: the give ratio over time, the messages behind it, "
                               "cadence and reply consistency per platform, suggestions")
def get_giving(
    store: StoreDep, actor: ApiActor,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to", description="The last day, included.")] = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="How many of the newest messages to list.")] = 200,
) -> dict[str, Any]:
    first, last = giving.period(start, end)
    return giving.audit(store, actor, first, last, limit=limit)

"""The JSON API under /api/v1: the same resources the pages show, for integrations."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from goodwill.domain.signals import SignalFilter
from goodwill.domain.team import Role
from goodwill.domain.threads import ThreadFilter
from goodwill.service import audience, audit, conversations, privacy, team, upkeep
from goodwill.service import people as people_service
from goodwill.service import routing as routing_service
from goodwill.service import search as search_service
from goodwill.service import topics as topic_service
from goodwill.web.deps import ApiActor, PathId, QueryId, StoreDep, known_query, signal_filter

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

Answered = Literal["yes", "no"]
# Days the store can bound a search by (the last day of year 9999 has no day after it).
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)
Day = Annotated[date, Query(ge=FIRST_DAY, le=LAST_DAY)]


class Strict(BaseModel):
    """A request body: unknown fields are refused, and so are NUL characters in any text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("contains a NUL character")
        return value


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=team.MIN_PASSWORD, max_length=1024)
    role: Role = Role.AGENT


class UserUpdate(Strict):
    disabled: bool | None = None
    role: Role | None = None
    password: str | None = Field(default=None, min_length=team.MIN_PASSWORD, max_length=1024)


class SettingsUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = Field(default=None, max_length=500)
    competitors: list[str] | None = Field(default=None, max_length=500)


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class PersonMerge(Strict):
    other: int = Field(ge=1, lt=2**63, description="The person merged into this one.")


class PersonSplit(Strict):
    account: int = Field(ge=1, lt=2**63, description="The account moved out of this person.")


class RetentionUpdate(Strict):
    retention_days: int | None = Field(ge=1, le=privacy.MAX_RETENTION_DAYS,
                                       description="Days to keep others' messages; null keeps them until forgotten.")


Words = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=200)]


class RuleConditions(Strict):
    """Every condition given must hold; within one, any listed value will do (docs/routing.md)."""

    intents: Words | None = None
    topics: Words | None = None
    languages: Words | None = None
    platforms: Words | None = None
    keywords: Words | None = None
    stages: Words | None = None
    min_priority: float | None = Field(default=None, ge=-1e9, le=1e9)


class RuleActions(Strict):
    team: str | None = Field(default=None, max_length=200)
    strategy: Literal["none", "fixed", "round-robin", "least-loaded"] | None = None
    assignee: str | None = Field(default=None, max_length=80)
    tags: Words | None = None
    sla: str | None = Field(default=None, max_length=100)


class RuleCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    conditions: RuleConditions = Field(default_factory=RuleConditions)
    actions: RuleActions = Field(default_factory=RuleActions)


class RuleUpdate(Strict):
    """Fields given replace the rule's; in conditions and actions a field set to null clears it."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    conditions: RuleConditions | None = None
    actions: RuleActions | None = None


class RuleTry(Strict):
    conditions: RuleConditions = Field(default_factory=RuleConditions)
    days: int = Field(default=7, ge=1, le=routing_service.MAX_TRY_DAYS)


@router.get("/health", summary="Is the server up (no sign-in needed)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", summary="The user the token belongs to")
def me(actor: ApiActor) -> dict[str, Any]:
    return {"id": actor.user_id, "username": actor.name, "role": str(actor.role)}


@router.get("/overview", summary="Volumes by day and platform, thread counts, latest unanswered threads")
def overview(store: StoreDep, actor: ApiActor, days: Annotated[int, Query(ge=1, le=366)] = 14) -> dict[str, Any]:
    return conversations.overview(store, actor, days=days)


@router.get("/conversations", summary="Threads, latest activity first, filtered and paged by cursor")
def list_conversations(
    store: StoreDep,
    actor: ApiActor,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    since: Day | None = None,
    until: Day | None = None,
    answered: Answered | None = None,
    q: Annotated[str | None, Query(max_length=400)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=conversations.MAX_PAGE)] = 50,
    signals: SignalFilter = Depends(signal_filter),  # noqa: B008
) -> dict[str, Any]:
    """Each thread's first message (`root`) carries its signals, each label with its reason;
    the signal parameters keep the threads whose first message carries them."""
    filters = ThreadFilter(
        platform=platform or None, since=since, until=until,
        answered=None if answered is None else answered == "yes", q=q or None, signals=signals,
    )
    return conversations.conversations(store, actor, filters, cursor=cursor, limit=limit)


@router.get("/threads/{thread_id}", summary="One thread, every message in order with its author and signals")
def get_thread(store: StoreDep, actor: ApiActor, thread_id: PathId) -> dict[str, Any]:
    return conversations.thread(store, actor, thread_id)


@router.get("/search", summary="Messages by full text, best match first (or newest first), with their signals")
def search(
    store: StoreDep,
    actor: ApiActor,
    q: Annotated[str, Query(min_length=1, max_length=400)],
    newest: bool = False,
    limit: Annotated[int, Query(ge=1, le=conversations.MAX_PAGE)] = 20,
    signals: SignalFilter = Depends(signal_filter),  # noqa: B008
) -> dict[str, Any]:
    """Best matches are chosen among the 2,000 most recently stored matching messages;
    the signal parameters keep the messages whose signals match."""
    return {"items": search_service.search_messages(store, actor, q, limit=limit, newest_first=newest, signals=signals)}


@router.get("/people", summary="The most recently active people with stage, reason, trust and reciprocity")
def list_people(
    store: StoreDep, actor: ApiActor, stage: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=people_service.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    return people_service.list_people(store, actor, stage=stage, limit=limit)


@router.get("/people/{person_id}", summary="A person: accounts, messages (newest first, paged), interactions, "
            "relationship (stage, trust and reciprocity with their parts) and influence")
def get_person(
    store: StoreDep, actor: ApiActor, person_id: PathId, before: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=conversations.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    return people_service.person(store, actor, person_id, before=before, limit=limit)


@router.post("/people/{person_id}/merge", summary="Merge another person into this one (manager); a split undoes it")
def merge_person(store: StoreDep, actor: ApiActor, person_id: PathId, body: PersonMerge) -> dict[str, Any]:
    return people_service.merge(store, actor, person_id, body.other)


@router.post("/people/{person_id}/split", summary="Move one account out of this person (manager)")
def split_person(store: StoreDep, actor: ApiActor, person_id: PathId, body: PersonSplit) -> dict[str, Any]:
    return people_service.split(store, actor, person_id, body.account)


@router.delete("/people/{person_id}", summary="Forget a person: erase them and every trace of them (admin)")
def forget_person(store: StoreDep, actor: ApiActor, person_id: PathId) -> dict[str, Any]:
    return privacy.forget(store, actor, person_id)


@router.get("/upkeep", summary="When the scheduled jobs (retention, scoring people) last ran, what they did, "
            "and when they run next")
def get_upkeep(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return upkeep.schedule(store, actor)


@router.post("/people/rescore", summary="Score everyone again now: stage, trust, reciprocity, influence, outreach (manager)")
def post_rescore(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return people_service.rescore(store, actor)


@router.get("/retention", summary="The workspace's retention policy for personal data")
def get_retention(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return privacy.retention(store, actor)


@router.put("/retention", summary="Set how many days personal data is kept (admin)")
def put_retention(store: StoreDep, actor: ApiActor, body: RetentionUpdate) -> dict[str, Any]:
    return privacy.set_retention(store, actor, body.retention_days)


@router.get("/topics", summary="Topics, biggest first, with keyphrases and daily volume, negative messages and sentiment")
def list_topics(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": topic_service.topic_trend(store, actor), "computed_at": topic_service.computed_at(store, actor)}


@router.get("/topics/{topic_id}", summary="One topic with its daily figures")
def get_topic(store: StoreDep, actor: ApiActor, topic_id: PathId) -> dict[str, Any]:
    return topic_service.topic_trend(store, actor, topic_id)[0]


@router.get("/alerts", summary="Days a topic's volume or negative share rose beyond its normal range, newest first")
def list_alerts(
    store: StoreDep, actor: ApiActor, since: Day | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    return {"items": topic_service.alerts(store, actor, since=since, limit=limit)}


@router.get("/share-of-voice", summary="Mentions of the brand and each competitor per week, with shares")
def share_of_voice(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": topic_service.voice(store, actor)}


@router.get("/influencers", summary="The most influential accounts of the audience, optionally within a topic, with reasons")
def list_influencers(
    store: StoreDep, actor: ApiActor, topic: Annotated[str | None, Query(min_length=1, max_length=400)] = None,
    top: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    items = audience.influencers(store, actor, topic=topic, top=top)
    # Within a topic the scores are worked out now; else they are the last scoring run's.
    return {"items": items, "scores_as_of": audience.scores_as_of(store, actor) if topic is None else None}


@router.get("/communities", summary="Communities of the interaction graph with central and generous members and topics")
def list_communities(
    store: StoreDep, actor: ApiActor, min_size: Annotated[int, Query(ge=1, le=100_000)] = 3,
) -> dict[str, Any]:
    return {"items": audience.communities(store, actor, min_size=min_size)}


@router.get("/settings", summary="The workspace: name, brand accounts, keywords, competitors")
def get_settings(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return team.get_settings(store, actor)


@router.patch("/settings", summary="Change the workspace's name, keywords or competitors (manager)")
def patch_settings(store: StoreDep, actor: ApiActor, body: SettingsUpdate) -> dict[str, Any]:
    return team.update_settings(store, actor, name=body.name, keywords=body.keywords, competitors=body.competitors)


@router.get("/users", summary="Every user (admin)")
def list_users(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": team.list_users(store, actor)}


@router.post("/users", status_code=201, summary="Add a user (admin)")
def add_user(store: StoreDep, actor: ApiActor, body: UserCreate) -> dict[str, Any]:
    return team.add_user(store, actor, body.username, body.password, body.role)


@router.patch("/users/{username}", summary="Disable or enable a user, change their role or password (admin); all or nothing")
def patch_user(store: StoreDep, actor: ApiActor, username: str, body: UserUpdate) -> dict[str, Any]:
    return team.update_user(store, actor, username, password=body.password, role=body.role, disabled=body.disabled)


@router.get("/tokens", summary="Your API tokens (never the tokens themselves)")
def list_tokens(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": team.list_tokens(store, actor)}


@router.post("/tokens", status_code=201, summary="Create an API token for yourself; it is shown only in this reply")
def create_token(store: StoreDep, actor: ApiActor, body: TokenCreate) -> dict[str, Any]:
    token, info = team.create_token(store, actor, body.name)
    return {**info, "token": token}


@router.delete("/tokens/{token_id}", summary="Revoke one of your tokens (admins: anybody's)")
def revoke_token(store: StoreDep, actor: ApiActor, token_id: PathId) -> dict[str, Any]:
    return team.revoke_token(store, actor, token_id)


def _given(model: Strict | None, *, keep_nulls: bool = False) -> dict[str, Any] | None:
    if model is None:
        return None
    return model.model_dump(exclude_unset=True) if keep_nulls else model.model_dump(exclude_none=True)


@router.get("/rules", summary="Routing rules in force, in routing order (with history=true every version)")
def list_rules(store: StoreDep, actor: ApiActor, history: bool = False) -> dict[str, Any]:
    return {"items": routing_service.list_rules(store, actor, history=history)}


@router.post("/rules", status_code=201, summary="Add a routing rule (manager); `tried` says how many past "
             "conversations it would have matched")
def add_rule(store: StoreDep, actor: ApiActor, body: RuleCreate) -> dict[str, Any]:
    team.require(actor, routing_service.ROUTING_ROLE)
    conditions = _given(body.conditions) or {}
    tried = routing_service.try_rule(store, actor, conditions=conditions)
    rule = routing_service.add_rule(store, actor, body.name, conditions=conditions,
                                    actions=_given(body.actions) or {}, position=body.position)
    return {**rule, "tried": tried}


@router.post("/rules/test", summary="Try rule conditions on past messages, storing nothing")
def try_rule(store: StoreDep, actor: ApiActor, body: RuleTry) -> dict[str, Any]:
    return routing_service.try_rule(store, actor, conditions=_given(body.conditions) or {}, days=body.days)


@router.get("/rules/{rule_id}", summary="Every version of one rule, oldest first")
def rule_versions(store: StoreDep, actor: ApiActor, rule_id: PathId) -> dict[str, Any]:
    return {"items": routing_service.rule_history(store, actor, rule_id)}


@router.patch("/rules/{rule_id}", summary="Change a rule (manager): a new version; cases keep the one that routed them")
def edit_rule(store: StoreDep, actor: ApiActor, rule_id: PathId, body: RuleUpdate) -> dict[str, Any]:
    return routing_service.edit_rule(store, actor, rule_id, name=body.name, position=body.position,
                                     conditions=_given(body.conditions, keep_nulls=True),
                                     actions=_given(body.actions, keep_nulls=True))


@router.delete("/rules/{rule_id}", summary="Take a rule out of routing (manager); its versions are kept")
def remove_rule(store: StoreDep, actor: ApiActor, rule_id: PathId) -> dict[str, Any]:
    return routing_service.remove_rule(store, actor, rule_id)


@router.get("/teams", summary="Teams with their manager and members, and who is available")
def list_teams(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": routing_service.list_teams(store, actor)}


@router.get("/sla-policies", summary="SLA policies, lowest priority band first, with business hours in words")
def list_sla_policies(store: StoreDep, actor: ApiActor) -> dict[str, Any]:
    return {"items": routing_service.list_policies(store, actor)}


@router.get("/audit", summary="The audit log, newest first, paged with `before` (admin)")
def read_audit(
    store: StoreDep, actor: ApiActor, before: QueryId = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    return audit.read_audit(store, actor, before=before, limit=limit, action=action)


@router.get("/audit/export", summary="The whole audit log as CSV or JSON lines (admin)")
def export_audit(store: StoreDep, actor: ApiActor, format: Literal["csv", "jsonl"] = "jsonl") -> StreamingResponse:
    return audit_download(audit.export_audit(store, actor), format)


def audit_download(entries: Iterator[dict[str, Any]], format: str) -> StreamingResponse:
    """Stream audit entries as a CSV or JSONL download (the role was checked when `entries` was made)."""
    chunks = audit.export_text(entries, format)
    first = next(chunks, "")  # read before the response starts, so a failure is still an error status
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        (c.encode() for c in itertools.chain([first], chunks)), media_type=media,
        headers={"Content-Disposition": f'attachment; filename="goodwill-audit.{format}"'},
    )

"""The knowledge base's API under /api/v1/kb: articles, and suggestions for a customer's message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from goodwill.service import knowledge
from goodwill.web.api.routes import Strict
from goodwill.web.deps import ApiActor, PathId, StoreDep, known_query

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(known_query)])

ArticleId = Annotated[str, Path(min_length=1, max_length=200, description="The article's id.")]


class ArticleBody(Strict):
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=100_000)
    url: str = Field(default="", max_length=2000, description="http or https; empty for none")
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=100)


class ArticleCreate(ArticleBody):
    id: str = Field(min_length=1, max_length=200, description="The article's own id (a slug or a number).")


@router.get("/kb", summary="Knowledge-base articles by id")
def kb_list(store: StoreDep, actor: ApiActor, tag: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    return {"items": knowledge.articles(store, actor, tag=tag)}


@router.get("/kb/suggest", summary="The best articles for a customer's message, with the link and the reason")
def kb_suggest(
    store: StoreDep, actor: ApiActor,
    text: Annotated[str, Query(min_length=1, max_length=10_000, description="The customer's message.")],
    tag: Annotated[str | None, Query(max_length=100, description="Only articles with this tag.")] = None,
    top: Annotated[int, Query(ge=1, le=knowledge.MAX_TOP)] = 5,
) -> dict[str, Any]:
    return {"items": knowledge.suggest(store, actor, text, tag=tag, top=top)}


@router.get("/kb/for-case/{case_id}", summary="The best articles for a case's question, each with the text to insert")
def kb_for_case(
    store: StoreDep, actor: ApiActor, case_id: PathId,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    top: Annotated[int, Query(ge=1, le=knowledge.MAX_TOP)] = 3,
) -> dict[str, Any]:
    return knowledge.suggest_for_case(store, actor, case_id, tag=tag, top=top)


@router.post("/kb", status_code=201, summary="Add an article (managers)")
def kb_add(store: StoreDep, actor: ApiActor, body: ArticleCreate) -> dict[str, Any]:
    return knowledge.public(knowledge.save_article(store, actor, body.model_dump()))


@router.get("/kb/{article_id:path}", summary="One article")
def kb_get(store: StoreDep, actor: ApiActor, article_id: ArticleId) -> dict[str, Any]:
    return knowledge.public(knowledge.article(store, actor, article_id))


@router.put("/kb/{article_id:path}", summary="Change an article (managers)")
def kb_edit(store: StoreDep, actor: ApiActor, article_id: ArticleId, body: ArticleBody) -> dict[str, Any]:
    return knowledge.public(knowledge.save_article(store, actor, body.model_dump(), article_id=article_id))


@router.delete("/kb/{article_id:path}", summary="Remove an article (managers)")
def kb_remove(store: StoreDep, actor: ApiActor, article_id: ArticleId) -> dict[str, Any]:
    knowledge.remove_article(store, actor, article_id)
    return {"removed": article_id}

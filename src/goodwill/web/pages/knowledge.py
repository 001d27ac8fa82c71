"""The knowledge-base page: list, try, add, edit and remove articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from goodwill.domain.team import Role
from goodwill.errors import FieldError, NotFoundError
from goodwill.service import knowledge
from goodwill.web.deps import PageActor, StoreDep, no_nul
from goodwill.web.pages.routes import Csrf, back, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_nul)])

ArticleId = Annotated[str, Form(min_length=1, max_length=200)]


@router.get("/kb")
def kb_page(
    request: Request, store: StoreDep, actor: PageActor,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=2000)] = None,
    edit: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    articles = knowledge.articles(store, actor, tag=tag or None)
    suggestions = knowledge.suggest(store, actor, q, tag=tag or None, top=5) if q and q.strip() else None
    editing = None
    if edit and actor.can(Role.MANAGER):
        try:
            editing = knowledge.article(store, actor, edit)
        except NotFoundError as exc:
            return back(request, "/kb", str(exc), "error")
    return render(request, "knowledge.html", actor, articles=articles, tag=tag or "", q=q or "",
                  suggestions=suggestions, editing=editing)


@router.post("/kb", dependencies=[Csrf])
def kb_save(
    request: Request, store: StoreDep, actor: PageActor,
    id: ArticleId, title: Annotated[str, Form(max_length=500)],
    body: Annotated[str, Form(max_length=100_000)] = "", url: Annotated[str, Form(max_length=2000)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "", original: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    fields = {"id": id, "title": title, "body": body, "url": url, "tags": tags}
    try:
        if original and original != id:
            raise FieldError("id", "an article's id cannot change; add a new article and remove this one")
        saved = knowledge.save_article(store, actor, fields, article_id=original or None)
    except (FieldError, NotFoundError) as exc:
        return back(request, "/kb", str(exc), "error")
    return back(request, "/kb", f"Saved {saved.title}.")


@router.post("/kb/remove", dependencies=[Csrf])
def kb_remove(request: Request, store: StoreDep, actor: PageActor, id: ArticleId) -> Response:
    try:
        knowledge.remove_article(store, actor, id)
    except NotFoundError as exc:
        return back(request, "/kb", str(exc), "error")
    return back(request, "/kb", f"Removed article {id}.")

"""The knowledge base: articles a manager keeps (import from files, add, edit,
remove; each change audited in its transaction) and any agent reads, and the
suggestions of the best articles for a customer's message, with the link
ready to insert.

Each article's encoder vector is computed when it is saved and stored beside
it, so suggesting only embeds the message. The ranking index (BM25 over the
articles, and their vectors) is built once per process and kept until an
article changes.

Ranking is pure (`goodwill.inbox.knowledge`); reading article files is
`goodwill.inbox.articles`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.domain.knowledge import MAX_ID, Article, normalize_tag
from goodwill.domain.team import Actor, Role
from goodwill.domain.tone import Article as ToneArticle
from goodwill.errors import FieldError, ModelUnavailableError, NotFoundError
from goodwill.inbox.articles import check_article, read_articles, read_queries
from goodwill.inbox.knowledge import Embed, Ranked, Ranker, dense_text
from goodwill.service.audit import iso, now, record, require
from goodwill.service.tone import use_articles
from goodwill.store import Connection, Store
from goodwill.store import knowledge as kb_store

__all__ = [
    "CHANGE_ROLE", "MAX_TOP", "fitting_articles", "READ_ROLE", "Imported", "article", "articles", "import_articles", "remove_article",
    "queries", "save_article", "suggest", "suggest_for_case", "suggest_from_file", "suggest_many",
]

CHANGE_ROLE = Role.MANAGER
READ_ROLE = Role.AGENT
MAX_TOP = 100


@dataclass(frozen=True)
class Imported:
    """What an import did: new articles, changed ones, and those already as in the file."""

    added: int
    updated: int
    unchanged: int


# --- the encoder, optional: without it suggestions rank by BM25 alone ---

def _encoder() -> Any | None:
    from goodwill.understand.encoder import load_encoder

    try:
        return load_encoder()
    except ModelUnavailableError:
        return None


def _embed() -> tuple[Embed | None, str | None]:
    encoder = _encoder()
    if encoder is None:
        return None, None
    return encoder.embed, str(encoder.version)


def _vector_rows(new: Sequence[Article]) -> dict[str, tuple[bytes | None, str | None]]:
    embed, model = _embed()
    if embed is None or not new:
        return {a.id: (None, None) for a in new}
    vectors = np.asarray(embed([dense_text(a) for a in new]), dtype=np.float32)
    return {a.id: (v.tobytes(), model) for a, v in zip(new, vectors, strict=True)}


def _row(a: Article, vector: tuple[bytes | None, str | None], at: Any) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "body": a.body, "url": a.url, "tags": list(a.tags), "updated_at": at,
            "vector": vector[0], "vector_model": vector[1]}


def public(a: Article) -> dict[str, Any]:
    """An article as the shells show it (`kb list --json`, `/api/v1/kb`)."""
    return {"id": a.id, "title": a.title, "body": a.body, "url": a.url, "tags": list(a.tags), "updated_at": iso(a.updated_at)}


# --- changes ---

def _save(store: Store, actor: Actor, found: Sequence[Article], action: str, target: str | None,
          **details: Any) -> Imported:
    with store.begin() as conn:
        existing = kb_store.get_articles(conn, [a.id for a in found])
    changed = [a for a in found if a.id not in existing or not existing[a.id].same_content(a)]
    vectors = _vector_rows(changed)  # outside the transaction: the encoder takes a while
    at = now()
    with store.begin() as conn:
        existing = kb_store.get_articles(conn, [a.id for a in changed])
        kb_store.upsert_articles(conn, [_row(a, vectors[a.id], at) for a in changed], set(existing))
        added = sum(1 for a in changed if a.id not in existing)
        result = Imported(added, len(changed) - added, len(found) - len(changed))
        record(conn, actor, action, target, added=result.added, updated=result.updated, unchanged=result.unchanged,
               **details)
    return result


def import_articles(store: Store, actor: Actor, path: Path) -> Imported:
    """Add or update every article of a JSONL or Markdown file (or a folder of Markdown files).

    The file is checked whole first, and written in one transaction: a bad article changes nothing.
    An article whose id is stored already is updated; importing the same file again changes nothing.

    :raises ImportFileError: naming the file, line and field of the first bad article.
    """
    require(actor, CHANGE_ROLE)
    found = read_articles(path)
    return _save(store, actor, found, "kb.import", str(path), articles=len(found))


def save_article(store: Store, actor: Actor, fields: dict[str, Any], *, article_id: str | None = None) -> Article:
    """Add an article, or change the one `article_id` names (from the web app or the API).

    :raises FieldError: a field has a bad value. :raises NotFoundError: `article_id` is not stored.
    """
    require(actor, CHANGE_ROLE)
    if article_id is not None:
        fields = {**fields, "id": article_id}
        with store.begin() as conn:
            if not kb_store.get_articles(conn, [article_id]):
                raise NotFoundError(f"no article {article_id!r} in the knowledge base")
    try:
        found = check_article(fields, ("article", None))
    except Exception as exc:  # ImportFileError names the field; the shells want a FieldError
        field = getattr(exc, "field", None)
        if field is None:
            raise
        raise FieldError(field, getattr(exc, "problem", str(exc))) from exc
    _save(store, actor, [found], "kb.edit" if article_id is not None else "kb.add", found.id)
    return article(store, actor, found.id)


def remove_article(store: Store, actor: Actor, article_id: str) -> None:
    """Remove one article. :raises NotFoundError: no such article."""
    require(actor, CHANGE_ROLE)
    with store.begin() as conn:
        if not kb_store.delete_article(conn, article_id):
            raise NotFoundError(f"no article {article_id!r} in the knowledge base")
        record(conn, actor, "kb.remove", article_id)


# --- reading ---

def articles(store: Store, actor: Actor, *, tag: str | None = None) -> list[dict[str, Any]]:
    """Every article by id, only those tagged `tag` when given."""
    require(actor, READ_ROLE)
    with store.begin() as conn:
        rows = kb_store.all_articles(conn, tag=normalize_tag(tag) if tag else None)
    return [public(r.article) for r in rows]


def article(store: Store, actor: Actor, article_id: str) -> Article:
    """One article. :raises NotFoundError: no such article."""
    require(actor, READ_ROLE)
    if len(article_id) > MAX_ID:
        raise NotFoundError(f"no article {article_id[:40]!r}… in the knowledge base")
    with store.begin() as conn:
        found = kb_store.get_articles(conn, [article_id])
    if article_id not in found:
        raise NotFoundError(f"no article {article_id!r} in the knowledge base")
    return found[article_id]


# --- suggestions ---

_rankers: weakref.WeakKeyDictionary[Any, tuple[Any, Ranker]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _ranker(store: Store) -> Ranker:
    """The store's ranking index, rebuilt when an article changed since it was built."""
    with store.begin() as conn:
        return _ranker_on(conn)


def _ranker_on(conn: Connection) -> Ranker:
    revision = kb_store.revision(conn)
    with _lock:
        cached = _rankers.get(conn.engine)
        if cached is not None and cached[0] == revision:
            return cached[1]
    rows = kb_store.all_articles(conn, with_vectors=True)
    ranker = _build([r.article for r in rows], [r.vector if r.vector_model else None for r in rows],
                    [r.vector_model for r in rows])
    with _lock:
        _rankers[conn.engine] = (revision, ranker)
    return ranker


def _build(found: Sequence[Article], stored: Sequence[bytes | None] = (), models: Sequence[str | None] = ()) -> Ranker:
    """A ranker over `found`, reusing the stored vectors the current encoder computed."""
    embed, model = _embed()
    if embed is None:
        return Ranker(found)
    vecs: list[np.ndarray[Any, Any] | None] = [
        np.frombuffer(v, dtype=np.float32) if v is not None and m == model else None
        for v, m in zip(stored, models, strict=False)
    ]
    vecs += [None] * (len(found) - len(vecs))
    missing = [i for i, v in enumerate(vecs) if v is None]
    if missing:
        for i, v in zip(missing, embed([dense_text(found[i]) for i in missing]), strict=True):
            vecs[i] = v
    vectors = np.stack([v for v in vecs if v is not None]).astype(np.float32) if vecs else None
    return Ranker(found, vectors=vectors, embed=embed)


def _check(top: int, text: str) -> None:
    if not 1 <= top <= MAX_TOP:
        raise FieldError("top", f"use 1-{MAX_TOP}")
    if not text.strip():
        raise FieldError("text", "empty; give the customer's message")


def _suggestion(ranker: Ranker, r: Ranked) -> dict[str, Any]:
    a = ranker.articles[r.index]
    return {"id": a.id, "title": a.title, "url": a.url, "score": r.score, "tags": list(a.tags),
            "lexical": r.lexical, "meaning": r.meaning, "coverage": r.coverage, "reason": r.reason}


def _rank(ranker: Ranker, text: str, tag: str | None, top: int) -> list[dict[str, Any]]:
    _check(top, text)
    return [_suggestion(ranker, r) for r in ranker.rank(text, tag=tag or None, top=top)]


def suggest(store: Store, actor: Actor, text: str, *, tag: str | None = None, top: int = 5) -> list[dict[str, Any]]:
    """The `top` articles for a customer's message, best first (only those tagged `tag` when given): each with
    `id`, `title`, `url` (the link to insert), `score` (0-1), its BM25 and encoder parts and the reason in words."""
    require(actor, READ_ROLE)
    return _rank(_ranker(store), text, tag, top)


#: The customer's latest messages in a case that make its question.
CASE_MESSAGES = 5


def suggest_for_case(store: Store, actor: Actor, case_id: int, *, tag: str | None = None, top: int = 3) -> dict[str, Any]:
    """The best articles for a case's question: its customer's messages (the latest `CASE_MESSAGES`, the
    brand's own left out) as one message. Each suggestion carries `insert`, the text to paste into a reply
    (the title and the link), besides what `suggest` gives.

    :raises NotFoundError: no such case.
    """
    from goodwill.service import cases

    case = cases.get_case(store, actor, case_id)
    said = [m["text"] for m in case["messages"] if not m["is_brand"] and not m["deleted"] and m["text"]]
    text = "\n".join(said[-CASE_MESSAGES:]) or case["text"] or ""
    items = suggest(store, actor, text, tag=tag, top=top) if text.strip() else []
    for item in items:
        item["insert"] = f"{item['title']}: {item['url']}" if item["url"] else item["title"]
    return {"case_id": case_id, "text": text, "items": items}


def suggest_many(store: Store, actor: Actor, queries: Sequence[tuple[str, str | None]], *, top: int = 5) -> list[list[dict[str, Any]]]:
    """`suggest` for each (text, tag), over one index."""
    require(actor, READ_ROLE)
    ranker = _ranker(store)
    return [_rank(ranker, text, tag, top) for text, tag in queries]


def suggest_from_file(path: Path, queries: Sequence[tuple[str, str | None]], *, top: int = 5) -> list[list[dict[str, Any]]]:
    """`suggest` against the articles of a JSONL or Markdown file, without a workspace.

    :raises ImportFileError: the articles file has a bad article.
    """
    ranker = _build(read_articles(path))
    return [_rank(ranker, text, tag, top) for text, tag in queries]


def queries(path: Path) -> list[tuple[int, str, str | None, Any]]:
    """The messages of a queries file (JSONL: `text`, optional `tag` and `id`) with their line numbers, checked whole.

    :raises ImportFileError: naming the file, line and field of the first bad line.
    """
    return read_queries(path)


def fitting_articles(conn: Connection, text: str, top: int) -> list[ToneArticle]:
    """The tone check's view of the suggestions for a message, inside the caller's transaction: each with
    an absolute fit (0-1) in place of the rank score, the message's words the article holds by weight
    blended with the encoder's closeness as the score is, so a weak best match does not count as fitting."""
    if not text.strip():
        return []
    ranker = _ranker_on(conn)
    w = ranker.lexical_weight
    return [ToneArticle(ranker.articles[r.index].id, ranker.articles[r.index].title, ranker.articles[r.index].url or None,
                        round(w * r.coverage + (1 - w) * r.meaning, 4)) for r in ranker.rank(text, top=top)]


use_articles(fitting_articles)

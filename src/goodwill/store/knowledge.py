"""Knowledge-base articles in the store, with the encoder vector each was saved with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, insert, select, update

from goodwill.domain.knowledge import Article
from goodwill.store.tables import kb_articles


class StoredArticle(NamedTuple):
    """An article and its stored vector (float32 bytes; None when not computed) and the model behind it."""

    article: Article
    vector: bytes | None
    vector_model: str | None


def _article(row: Any) -> Article:
    return Article(id=row.id, title=row.title, body=row.body, url=row.url, tags=tuple(row.tags or ()),
                   updated_at=row.updated_at)


def revision(conn: Connection) -> tuple[int, datetime | None]:
    """How many articles there are and when the newest change was: changes whenever an article does."""
    row = conn.execute(select(func.count(), func.max(kb_articles.c.updated_at))).one()
    return int(row[0]), row[1]


def all_articles(conn: Connection, *, tag: str | None = None, with_vectors: bool = False) -> list[StoredArticle]:
    """Every article, by id; only those carrying `tag` (normalised) when given."""
    columns = [kb_articles.c.id, kb_articles.c.title, kb_articles.c.body, kb_articles.c.url, kb_articles.c.tags,
               kb_articles.c.updated_at]
    if with_vectors:
        columns += [kb_articles.c.vector, kb_articles.c.vector_model]
    rows = conn.execute(select(*columns).order_by(kb_articles.c.id))
    out = []
    for row in rows:
        article = _article(row)
        if tag is not None and tag not in article.tags:
            continue
        out.append(StoredArticle(article, row.vector if with_vectors else None, row.vector_model if with_vectors else None))
    return out


def get_articles(conn: Connection, ids: Sequence[str]) -> dict[str, Article]:
    """The articles with these ids that exist, by id."""
    found: dict[str, Article] = {}
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(kb_articles).where(kb_articles.c.id.in_(list(ids[start:start + 500])))):
            found[row.id] = _article(row)
    return found


def upsert_articles(conn: Connection, rows: Sequence[dict[str, Any]], existing: set[str]) -> None:
    """Insert the rows whose id is not in `existing` and update the others (each row: every column)."""
    new = [r for r in rows if r["id"] not in existing]
    old = [r for r in rows if r["id"] in existing]
    if new:
        conn.execute(insert(kb_articles), new)
    for row in old:
        conn.execute(update(kb_articles).where(kb_articles.c.id == row["id"]).values(**row))


def delete_article(conn: Connection, article_id: str) -> bool:
    """Remove one article; whether it was there."""
    return conn.execute(delete(kb_articles).where(kb_articles.c.id == article_id)).rowcount > 0


def set_vectors(conn: Connection, vectors: dict[str, bytes], model: str) -> None:
    """Store freshly computed vectors of existing articles."""
    for article_id, vector in vectors.items():
        conn.execute(update(kb_articles).where(kb_articles.c.id == article_id).values(vector=vector, vector_model=model))

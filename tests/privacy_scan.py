"""What a store still holds, as one lower-case text: every row of every table, and on SQLite
the full-text index's answer for some words (`fts:WORD:ROWID` for each hit). Tests of
forgetting, deleting and retention scan it for what must be gone."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from goodwill.store import Store


def everything(store: Store, fts_words: Iterable[str] = ()) -> str:
    """Every row of every table (and the FTS index's hits for `fts_words` on SQLite) as one lower-case text."""
    chunks = []
    with store.begin() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name.startswith("messages_fts_"):
                continue
            for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')):
                chunks.append(" ".join(str(v) for v in row))
        if store.dialect == "sqlite":
            for word in fts_words:
                hits = conn.execute(sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :w"), {"w": f'"{word}"'}).all()
                chunks.append(" ".join(f"fts:{word}:{h[0]}" for h in hits))
    return "\n".join(chunks).lower()


def indexed(store: Store, query: str) -> set[int]:
    """The message ids the full-text index finds for `query` (SQLite's FTS5, PostgreSQL's expression index)."""
    with store.begin() as conn:
        if store.dialect == "sqlite":
            return {int(r[0]) for r in conn.execute(sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q"),
                                                    {"q": query})}
        return {int(r[0]) for r in conn.execute(sa.text(
            "SELECT id FROM messages WHERE to_tsvector('english', text) @@ plainto_tsquery('english', :q)"), {"q": query})}


def assert_gone(store: Store, traces: Iterable[str], fts_words: Iterable[str]) -> None:
    """No table nor the full-text index holds any of `traces` (a deleted post's text, ids, address),
    nothing refers to a message that is not stored, and the index finds no message for `fts_words`
    that is not stored."""
    words = list(fts_words)
    with store.begin() as conn:
        for table in ("message_signals", "interactions", "case_messages", "message_topics"):
            orphans = conn.execute(sa.text(
                f"SELECT count(*) FROM {table} WHERE message_id IS NOT NULL AND message_id NOT IN (SELECT id FROM messages)")).scalar_one()
            assert orphans == 0, f"{table} refers to {orphans} messages that are gone"
        stored = {int(i) for (i,) in conn.execute(sa.text("SELECT id FROM messages"))}
    text = everything(store, words)
    for trace in traces:
        assert trace.lower() not in text, trace
    for word in words:
        assert indexed(store, word) <= stored, word

"""Saved replies: canned responses an agent starts a reply from.

Agents and up list, add and remove them; every change is audited in its
transaction. Each is tone-checked when saved and whenever it is listed, so a
saved reply cannot quietly carry hype or a non-answer into every reply made
from it; the flags found at saving are recorded in the audit entry.
"""

from __future__ import annotations

import re
from typing import Any

from goodwill.domain.team import Actor, Role
from goodwill.domain.tone import SavedReply, ToneCheck
from goodwill.errors import FieldError
from goodwill.inbox import tone as rules
from goodwill.service.audit import iso, now, record, require
from goodwill.service.tone import MAX_DRAFT
from goodwill.store import Store
from goodwill.store import saved_replies as saved_store

MAX_TITLE = 200
MAX_TAGS = 20
_TAG = re.compile(r"[\w][\w.-]{0,49}")


def _check(body: str) -> tuple[ToneCheck, list[str]]:
    """The saved reply's flags (without a platform: it may be used anywhere), and the platforms it is too long for."""
    result = rules.check(body)
    too_long = [p for p, limit in rules.LIMITS.items() if p != "x" and rules.post_length(body, p) > limit]
    return result, too_long


def as_dict(reply: SavedReply) -> dict[str, Any]:
    result, too_long = _check(reply.body)
    return {
        "id": reply.id, "title": reply.title, "body": reply.body, "tags": list(reply.tags),
        "created_at": iso(reply.created_at), "created_by": reply.created_by, "updated_at": iso(reply.updated_at),
        "flags": [f.as_dict() for f in result.flags], "too_long_for": too_long,
    }


def clean_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = tag.strip().lstrip("#").lower()
        if not tag:
            continue
        if not _TAG.fullmatch(tag):
            raise FieldError("tags", f"{tag!r}: a tag is one word of letters, digits, '.', '-' or '_' (up to 50)")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise FieldError("tags", f"{len(out)} tags; at most {MAX_TAGS}")
    return out


def list_saved(store: Store, actor: Actor, *, tag: str | None = None) -> list[dict[str, Any]]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        rows = saved_store.list_saved_replies(conn, tag=tag.strip().lstrip("#").lower() if tag else None)
    return [as_dict(r) for r in rows]


def add_saved(store: Store, actor: Actor, title: str, body: str, tags: list[str] | None = None) -> dict[str, Any]:
    """Save a reply; its tone flags come back with it (and are recorded), advice as for any draft."""
    require(actor, Role.AGENT)
    title = " ".join(title.split())
    if not title:
        raise FieldError("title", "is empty")
    if len(title) > MAX_TITLE:
        raise FieldError("title", f"{len(title)} characters; at most {MAX_TITLE}")
    body = body.strip()
    if not body:
        raise FieldError("body", "is empty")
    if len(body) > MAX_DRAFT:
        raise FieldError("body", f"{len(body):,} characters; at most {MAX_DRAFT:,}")
    clean = clean_tags(tags or [])
    result, _ = _check(body)
    with store.begin() as conn:
        reply = saved_store.add_saved_reply(conn, title, body, clean, by=actor.name, at=now())
        record(conn, actor, "saved_reply.add", f"saved reply {reply.id}", title=title, tags=clean,
               tone_flags=result.codes)
    return as_dict(reply)


def remove_saved(store: Store, actor: Actor, reply_id: int) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        reply = saved_store.remove_saved_reply(conn, reply_id)
        record(conn, actor, "saved_reply.remove", f"saved reply {reply_id}", title=reply.title)
    return as_dict(reply)

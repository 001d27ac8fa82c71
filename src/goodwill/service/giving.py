"""The give-versus-take audit of the brand's own posts and replies.

Each of the brand's messages is read as give, take or neutral by
:mod:`goodwill.advocacy.givetake` (its full head, over the shared encoder,
when the encoder is installed; its words head otherwise). Readings are kept
in `give_take_readings` per text and model version, so each message is
read once; a message that was edited, or a new model, is read again. That
cache is derived data, written on read: it changes nothing a person decided.

`give_ratio(conn, start, end)` is the one figure other reports take from
here; `audit(...)` is the whole picture (see docs/give-take.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.advocacy import audit as audit_core
from goodwill.advocacy.givetake import MODEL_PATH, Model, Reading, fit, load_model, read_posts
from goodwill.domain.team import Actor, Role
from goodwill.errors import ConfigError, FieldError, ModelUnavailableError
from goodwill.service.audit import require
from goodwill.store import Store
from goodwill.store import giving as giving_store
from goodwill.store.audit import Tx

__all__ = ["READ_ROLE", "audit", "give_ratio", "period", "read_draft", "train_model"]

READ_ROLE = Role.AGENT
WORDS_ONLY = "words"

Embed = Callable[[Sequence[str]], Any]


def _embedder() -> tuple[Embed | None, str]:
    """The shared encoder's embed function and version, or (None, 'words') when it is not installed."""
    try:
        from goodwill.understand.encoder import load_encoder

        encoder = load_encoder()
    except ModelUnavailableError:
        return None, WORDS_ONLY
    return encoder.embed, encoder.version


def _version(model: Model, encoder_version: str) -> str:
    return model.version if encoder_version == model.encoder_version else f"{model.version.split('+')[0]}+{WORDS_ONLY}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _read(texts: Sequence[str], is_reply: Sequence[bool]) -> tuple[list[Reading], str]:
    model = load_model()
    embed, encoder_version = _embedder()
    vectors = None
    if embed is not None and encoder_version == model.encoder_version and texts:
        vectors = np.asarray(embed(list(texts)), dtype=np.float32)
    return read_posts(texts, is_reply=is_reply, vectors=vectors, model=model), _version(model, encoder_version)


def read_draft(text: str, *, is_reply: bool = False) -> Reading:
    """The reading of a draft (not stored): give, take or neutral, with its reasons."""
    if not text.strip():
        raise FieldError("text", "the draft is empty")
    return _read([text], [is_reply])[0][0]


def _audit_posts(conn: Tx, start: datetime | None, end: datetime | None,
                 thread_of: dict[int, int | None] | None = None) -> list[audit_core.AuditPost]:
    own = giving_store.own_messages(conn, start, end)
    stored = giving_store.readings(conn, [m.id for m in own])
    model = load_model()
    current = {model.version, f"{model.version.split('+')[0]}+{WORDS_ONLY}"}
    todo = [m for m in own if not m.is_repost and (
        (s := stored.get(m.id)) is None or s.text_sha != _sha(m.text) or s.model_version not in current)]
    if todo:
        found, version = _read([m.text for m in todo], [m.is_reply for m in todo])
        fresh = [giving_store.StoredReading(m.id, _sha(m.text), r.kind, r.subtype, r.score, list(r.reasons), version)
                 for m, r in zip(todo, found, strict=True)]
        giving_store.save_readings(conn, fresh)
        stored.update({r.message_id: r for r in fresh})
    posts = []
    threads = thread_of if thread_of is not None else {}
    for m in own:
        reasons: tuple[str, ...]
        if m.is_repost:
            kind, subtype, score, reasons = "give", "share", 0.0, ("gives: reposts someone else's post",)
        else:
            s = stored[m.id]
            kind, subtype, score, reasons = s.kind, s.subtype, s.score, tuple(s.reasons)
        total, words = audit_core.engagement(m.metrics, m.replies)
        posts.append(audit_core.AuditPost(m.id, m.platform, m.created_at, m.is_reply, m.text, m.url, kind, subtype,
                                          score, reasons, total, words))
        threads[m.id] = m.thread_id
    return posts


def own_messages(conn: Tx, start: datetime | None = None, end: datetime | None = None) -> list[audit_core.AuditPost]:
    """The brand's messages written in [start, end), each with its reading (read and kept as needed)."""
    return _audit_posts(conn, start, end)


def give_ratio(conn: Tx, start: datetime | None = None, end: datetime | None = None) -> float | None:
    """The share of the brand's messages written in [start, end) that give,
    among those read as give or take (0-1); None when there are none."""
    return audit_core.give_ratio(_audit_posts(conn, start, end))


def period(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """--from and --to as days (YYYY-MM-DD, UTC), both included: [start 00:00, the day after end 00:00)."""

    def day(name: str, value: str | None) -> datetime | None:
        if not value:
            return None
        try:
            return datetime.combine(date.fromisoformat(value.strip()), time(), tzinfo=UTC)
        except ValueError:
            raise FieldError(name, f"{value!r} is not a day (YYYY-MM-DD)") from None

    first, last = day("from", start), day("to", end)
    return first, None if last is None else last + timedelta(days=1)


def _check_period(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise FieldError(name, "give a time zone (times are compared in UTC)")
    if start is not None and end is not None and end <= start:
        raise FieldError("to", f"the period ends ({end.date()}) before it starts ({start.date()})")


def audit(store: Store, actor: Actor, start: datetime | None = None, end: datetime | None = None,
          *, limit: int = 200) -> dict[str, Any]:
    """The audit of the brand's messages written in [start, end): the give
    ratio over the period, per week and per month, the messages behind it,
    cadence and response per platform, and suggestions."""
    require(actor, READ_ROLE)
    _check_period(start, end)
    thread_of: dict[int, int | None] = {}
    with store.begin() as conn:
        posts = _audit_posts(conn, start, end, thread_of)
        times = giving_store.reply_times(conn, start, end)
    ratio = audit_core.give_ratio(posts)
    own = [p for p in posts if not p.is_reply]
    cadence = audit_core.cadence(posts)
    response = audit_core.response(times)
    counts = {k: sum(1 for p in posts if p.kind == k) for k in ("give", "take", "neutral")}
    subtypes: dict[str, int] = {}
    for p in posts:
        subtypes[f"{p.kind}/{p.subtype}"] = subtypes.get(f"{p.kind}/{p.subtype}", 0) + 1
    newest = sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)[:limit]
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "model": load_model().version,
        "give_ratio": None if ratio is None else round(ratio, 4),
        "posts_give_ratio": None if (r := audit_core.give_ratio(own)) is None else round(r, 4),
        "reason": audit_core.ratio_reason(posts),
        "counts": counts,
        "subtypes": dict(sorted(subtypes.items())),
        "weeks": audit_core.by_period(posts, "week"),
        "months": audit_core.by_period(posts, "month"),
        "cadence": cadence,
        "response": response,
        "consistency": audit_core.consistency_reason(cadence, response),
        "suggestions": audit_core.suggestions(posts, cadence),
        "messages": [_message(p, thread_of.get(p.id)) for p in newest],
        "messages_total": len(posts),
    }


def _message(p: audit_core.AuditPost, thread_id: int | None) -> dict[str, Any]:
    return {
        "id": p.id, "thread_id": thread_id, "platform": p.platform, "created_at": p.created_at.isoformat(), "is_reply": p.is_reply,
        "text": p.text, "url": p.url, "kind": p.kind, "subtype": p.subtype, "take_score": round(p.score, 4),
        "reason": "; ".join(p.reasons), "engagement": p.engagement, "engagement_reason": p.engagement_reason,
    }


def train_model(data: Path | None = None, out: Path | None = None) -> dict[str, Any]:
    """Train the give-or-take heads on the train split of the hand labels
    (rebuilt from the shared data folder) and write the model file."""
    from goodwill.advocacy.give_take_labels import default_data, examples

    try:
        found = [e for e in examples(data or default_data()) if e.split == "train" and e.label != "neutral"]
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(f"training data: {exc}") from None
    embed, encoder_version = _embedder()
    if embed is None:
        raise ModelUnavailableError("training the give-or-take model needs the shared encoder")
    texts = [e.text for e in found]
    vectors = np.asarray(embed(texts), dtype=np.float32)
    model = fit(texts, [e.is_reply for e in found], [e.label == "take" for e in found], vectors, encoder_version=encoder_version)
    path = out or MODEL_PATH
    model.save(path)
    return {"path": str(path), "examples": len(found), "take": sum(e.label == "take" for e in found),
            "trained_at": datetime.now(UTC).isoformat()}

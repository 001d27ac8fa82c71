"""Reply approval: agents' replies in chosen teams' or tags' cases wait for a manager before they go out.

The workspace's policy (`show_policy`, `set_policy`; managers change it)
names teams and tags. When an agent sends a reply in a case of one of those
teams, or with one of those tags, the reply is not published: it is held
(`hold`, from `goodwill.service.cases.reply`) with its draft, its tone check,
its author and when, and the case shows a reply awaiting approval. Its author
may edit or withdraw it while it waits. A manager approves it (`approve`:
sent through the connector of the case's platform exactly as a normal reply,
joining the thread; the case's first response is when it was sent) or
declines it with a reason its author sees (`decline`). Managers' own replies
go straight out. An approval whose sending never finished (its process
stopped before the platform answered) leaves the reply "being sent"; after
`SENDING_STALE` it shows as interrupted, and a manager may release it to wait
again (`release`), having looked on the platform first.

A held reply counts as its author's reply for collision detection: a reply
written on an older version of the case is refused while it waits
(`goodwill.service.casework.check_not_crossed`), a second agent's reply is
refused while one waits, and approving is refused when someone else replied
in the thread or moved the case after it was held (or last edited).

Every step is audited in the same transaction as the change: `approval.set`,
`reply.hold`, `reply.edit`, `reply.withdraw`, `reply.decline`, `reply.release`, and for an
approval `reply.approve` with `reply.send`, in the transaction that stores the
sent reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.config import Settings
from goodwill.domain.cases import ApprovalPolicy, EventKind
from goodwill.domain.team import Actor, Role
from goodwill.errors import ConflictError, FieldError, GoodwillError, PermissionDeniedError, StoreError
from goodwill.service import casework
from goodwill.service.audit import iso, record, require
from goodwill.store import Connection, Store
from goodwill.store import approval as approval_store
from goodwill.store import cases as case_store
from goodwill.store import casework as casework_store
from goodwill.store.routing import known_team

#: Who may change the policy, and approve or decline held replies.
APPROVE_ROLE = Role.MANAGER
#: The statuses of a held reply: waiting, being sent by an approval, sent, declined, withdrawn by its author.
STATUSES = ("pending", "sending", "sent", "declined", "withdrawn")
MAX_NAME = 100
MAX_REASON = 2000
MAX_PAGE = 500
#: How long an approval may be sending a reply before the send counts as interrupted: the platform answers
#: within a connector's timeouts, so a reply still "being sent" after this had its process stop mid-send.
SENDING_STALE = timedelta(minutes=10)


# -- the policy -------------------------------------------------------------------------


def policy_in(conn: Connection) -> ApprovalPolicy:
    rows = approval_store.policy(conn)
    return ApprovalPolicy(teams=frozenset(r["name"] for r in rows if r["kind"] == "team"),
                          tags=frozenset(r["name"] for r in rows if r["kind"] == "tag"))


def _policy_dict(conn: Connection) -> dict[str, Any]:
    rows = approval_store.policy(conn)
    p = policy_in(conn)
    latest = max(rows, key=lambda r: r["set_at"]) if rows else None
    return {"teams": sorted(p.teams), "tags": sorted(p.tags), "words": p.words(),
            "set_by": latest["set_by"] if latest else None, "set_at": iso(latest["set_at"]) if latest else None}


def show_policy(store: Store, actor: Actor) -> dict[str, Any]:
    """The teams and tags whose agents' replies need a manager's approval, with the policy in words."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return _policy_dict(conn)


def _names(values: Sequence[str] | None, field: str) -> list[str]:
    out = []
    for value in values or ():
        name = " ".join(str(value).split()).lower()
        if not name or len(name) > MAX_NAME:
            raise FieldError(field, f"give names of 1 to {MAX_NAME} characters, not {value!r}")
        out.append(name)
    return sorted(set(out))


def set_policy(store: Store, actor: Actor, *, teams: Sequence[str] | None = None, tags: Sequence[str] | None = None,
               now: datetime | None = None) -> dict[str, Any]:
    """Replace the policy: agents' replies in cases of these teams, or with these tags, wait for a manager's
    approval (none of either: every reply goes straight out). A team must exist (`goodwill teams list`) or
    have cases, so a typo fails now."""
    require(actor, APPROVE_ROLE)
    team_names, tag_names = _names(teams, "team"), _names(tags, "tag")
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        for name in team_names:
            if not known_team(conn, name):
                raise FieldError("team", f"no team {name!r} (`goodwill teams list` shows teams)")
        before = policy_in(conn)
        approval_store.replace_policy(conn, [("team", n) for n in team_names] + [("tag", n) for n in tag_names],
                                      actor.name, now)
        record(conn, actor, "approval.set", "approval policy", teams=team_names, tags=tag_names,
               previous_teams=sorted(before.teams), previous_tags=sorted(before.tags))
        return _policy_dict(conn)


def needs_approval(conn: Connection, actor: Actor, case: Mapping[str, Any]) -> str | None:
    """Why `actor`'s reply in `case` must wait for a manager's approval (`team billing`), or None: managers'
    replies, and replies in cases the policy does not name, go straight out."""
    if actor.can(APPROVE_ROLE):
        return None
    return policy_in(conn).reason(case["team"], list(case["tags"] or []))


def case_reason(conn: Connection, case: Mapping[str, Any]) -> str | None:
    """Why agents' replies in `case` need approval (whoever reads it), or None."""
    return policy_in(conn).reason(case["team"], list(case["tags"] or []))


# -- held replies ------------------------------------------------------------------------


def _interrupted(r: Mapping[str, Any], now: datetime) -> bool:
    """Whether an approval began sending the reply `SENDING_STALE` ago or more and never finished."""
    return bool(r["status"] == "sending" and (r["claimed_at"] is None or now - r["claimed_at"] >= SENDING_STALE))


def _public(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"], "case": r["case_id"], "status": r["status"], "text": r["text"], "tone": list(r["tone"] or []),
        "sending_since": iso(r["claimed_at"]) if r["status"] == "sending" else None,
        "interrupted": _interrupted(r, datetime.now(UTC)),
        "author": r["author_name"], "author_id": r["author_id"], "created_at": iso(r["created_at"]),
        "updated_at": iso(r["updated_at"]), "message_id": r["message_id"], "customer": r["customer"],
        "answering": r["answered_text"], "platform": r["platform"], "team": r["team"], "tags": list(r["tags"] or []),
        "case_status": r["case_status"], "priority": r["priority"], "band": r["priority_band"],
        "decided_by": r["decided_by"], "decided_at": iso(r["decided_at"]), "reason": r["reason"],
        "published_id": r["published_id"], "sent_message_id": r["sent_message_id"],
    }


def _event(conn: Connection, case_id: int, actor: Actor, kind: EventKind, now: datetime, **details: Any) -> int:
    case_store.add_events(conn, [{"case_id": case_id, "at": now, "kind": kind.value, "actor_id": actor.user_id,
                                  "actor_name": actor.name, "message_id": None, "details": details}])
    return casework_store.version(conn, case_id)


def _touch(conn: Connection, case_id: int, now: datetime) -> None:
    case = case_store.get(conn, case_id)
    case["updated_at"] = now
    case_store.update_cases(conn, [case])


def standing(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """The case's replies still held (waiting, or being sent by an approval)."""
    return [_public(r) for r in approval_store.of_case(conn, case_id, approval_store.STANDING)]


def of_case(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """Every reply held in a case, oldest first, with what became of it (for the case's page and JSON)."""
    return [_public(r) for r in approval_store.of_case(conn, case_id)]


def hold(conn: Connection, actor: Actor, case_id: int, message_id: int, text: str, tone: list[dict[str, Any]],
         reason: str, now: datetime) -> dict[str, Any]:
    """Hold `actor`'s reply to message `message_id` in a case for a manager's approval, inside the caller's
    transaction (`goodwill.service.cases.reply` calls it instead of sending). One reply waits per case."""
    case_store.lock(conn, case_id)  # two agents holding at once take turns, so the second sees the first
    waiting = standing(conn, case_id)
    if waiting:
        w = waiting[0]
        mine = w["author_id"] is not None and w["author_id"] == actor.user_id
        raise ConflictError(
            f"case {case_id} already has a reply by {w['author']} awaiting a manager's approval (held reply {w['id']})"
            + ("; edit it or withdraw it instead" if mine else "; one reply waits at a time"))
    reply_id = approval_store.hold(conn, {
        "case_id": case_id, "message_id": message_id, "text": text, "tone": tone, "status": "pending",
        "author_id": actor.user_id, "author_name": actor.name, "created_at": now, "updated_at": now})
    version = _event(conn, case_id, actor, EventKind.HELD, now, reply=reply_id, reason=reason)
    approval_store.update(conn, reply_id, {"held_event_id": version})
    _touch(conn, case_id, now)
    record(conn, actor, "reply.hold", f"case {case_id}", reply=reply_id, message=message_id, reason=reason,
           tone_flags=[f["code"] for f in tone])
    return _public(approval_store.get(conn, reply_id))


def list_held(store: Store, actor: Actor, *, status: str = "pending", limit: int = 100) -> list[dict[str, Any]]:
    """Held replies, the longest waiting first: `pending` (waiting for a manager, and those being sent), or any of
    sent, declined, withdrawn, or `all`."""
    require(actor, Role.AGENT)
    wanted = status.strip().lower()
    if wanted == "pending":
        statuses: tuple[str, ...] = approval_store.STANDING
    elif wanted == "all":
        statuses = STATUSES
    elif wanted in STATUSES:
        statuses = (wanted,)
    else:
        raise FieldError("status", f"{status!r} is not a held reply's status; choose pending, sent, declined, "
                                   "withdrawn or all")
    if not 1 <= limit <= MAX_PAGE:
        raise FieldError("limit", f"use 1-{MAX_PAGE}")
    with store.begin() as conn:
        return [_public(r) for r in approval_store.listing(conn, statuses, limit)]


def get_held(store: Store, actor: Actor, reply_id: int) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        return _public(approval_store.get(conn, reply_id))


def _waiting(conn: Connection, reply_id: int) -> dict[str, Any]:
    row = approval_store.get(conn, reply_id)
    if row["status"] != "pending":
        said = {"sending": "is being sent", "sent": "was sent", "declined": "was declined",
                "withdrawn": "was withdrawn"}.get(row["status"], row["status"])
        raise ConflictError(f"held reply {reply_id} {said}; only a reply still awaiting approval can change")
    return row


def _own(actor: Actor, row: Mapping[str, Any], what: str) -> None:
    if row["author_id"] is None or row["author_id"] != actor.user_id:
        raise PermissionDeniedError(f"only its author ({row['author_name']}) may {what} held reply {row['id']}")


def edit(store: Store, actor: Actor, reply_id: int, text: str, *, seen: int | None = None,
         now: datetime | None = None) -> dict[str, Any]:
    """Its author changes a reply that awaits approval (the tone is checked again). With `seen` (the case's
    version its author read), refused when someone else replied or moved the case since."""
    from goodwill.service.tone import check_reply

    require(actor, Role.AGENT)
    if not text.strip():
        raise FieldError("text", "the reply is empty")
    with store.begin() as conn:
        row = _waiting(conn, reply_id)
        _own(actor, row, "edit")
    tone = check_reply(store, actor, text, message_id=row["message_id"])
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        row = _waiting(conn, reply_id)
        if seen is not None:
            casework.check_not_crossed(conn, actor, row["case_id"], seen)
        version = _event(conn, row["case_id"], actor, EventKind.HELD, now, reply=reply_id, edited=True)
        approval_store.update(conn, reply_id, {"text": text, "tone": [f.as_dict() for f in tone.flags],
                                               "updated_at": now, "held_event_id": version})
        _touch(conn, row["case_id"], now)
        record(conn, actor, "reply.edit", f"case {row['case_id']}", reply=reply_id, tone_flags=tone.codes)
        return _public(approval_store.get(conn, reply_id))


def withdraw(store: Store, actor: Actor, reply_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Its author withdraws a reply that awaits approval: it will not be sent."""
    require(actor, Role.AGENT)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        row = _waiting(conn, reply_id)
        _own(actor, row, "withdraw")
        approval_store.update(conn, reply_id, {"status": "withdrawn", "updated_at": now}, only_if=("pending",))
        _event(conn, row["case_id"], actor, EventKind.WITHDRAWN, now, reply=reply_id)
        _touch(conn, row["case_id"], now)
        record(conn, actor, "reply.withdraw", f"case {row['case_id']}", reply=reply_id)
        return _public(approval_store.get(conn, reply_id))


def decline(store: Store, actor: Actor, reply_id: int, reason: str, *, now: datetime | None = None) -> dict[str, Any]:
    """A manager declines a held reply, with the reason its author will see; it is not sent."""
    require(actor, APPROVE_ROLE)
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldError("reason", "say why it is declined: its author reads it")
    if len(reason) > MAX_REASON:
        raise FieldError("reason", f"keep it under {MAX_REASON} characters")
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        row = _waiting(conn, reply_id)
        approval_store.update(conn, reply_id, {"status": "declined", "decided_by": actor.name,
                                               "decided_by_id": actor.user_id, "decided_at": now, "reason": reason,
                                               "updated_at": now}, only_if=("pending",))
        _event(conn, row["case_id"], actor, EventKind.DECLINED, now, reply=reply_id, author=row["author_name"],
               reason=reason)
        _touch(conn, row["case_id"], now)
        record(conn, actor, "reply.decline", f"case {row['case_id']}", reply=reply_id, author=row["author_name"],
               reason=reason)
        return _public(approval_store.get(conn, reply_id))


def release(store: Store, actor: Actor, reply_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """A manager releases a held reply whose sending was interrupted (an approval began sending it at least
    `SENDING_STALE` ago and never finished: its process stopped before the platform answered), so it awaits
    approval again. It may have been published: look on the platform first. Approving it again is refused,
    as any approval is, when a reply has landed in the thread or the case moved since it was held."""
    require(actor, APPROVE_ROLE)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        row = approval_store.get(conn, reply_id)
        if row["status"] != "sending":
            raise ConflictError(f"held reply {reply_id} is not being sent (it is {row['status']}); only a reply whose "
                                "sending was interrupted can be released")
        if not _interrupted(row, now):
            minutes = int(SENDING_STALE.total_seconds() // 60)
            raise ConflictError(f"held reply {reply_id} is being sent now (since {iso(row['claimed_at'])}); it can be "
                                f"released once {minutes} minutes pass without an answer from the platform")
        # Only while it is still being sent: an approval finishing meanwhile (PostgreSQL) wins, and nothing is recorded.
        if not approval_store.update(conn, reply_id, {"status": "pending", "claimed_at": None, "updated_at": now},
                                     only_if=("sending",)):
            raise ConflictError(f"held reply {reply_id} changed while it was being released; read it again")
        _event(conn, row["case_id"], actor, EventKind.RELEASED, now, reply=reply_id, author=row["author_name"],
               sending_since=iso(row["claimed_at"]))
        record(conn, actor, "reply.release", f"case {row['case_id']}", reply=reply_id, author=row["author_name"],
               sending_since=iso(row["claimed_at"]))
        return _public(approval_store.get(conn, reply_id))


def _author(row: Mapping[str, Any], approver: Actor) -> Actor:
    """The held reply's author as an actor, for the crossing check (their own changes never cross)."""
    return replace(approver, user_id=row["author_id"], name=row["author_name"], role=Role.AGENT)


def approve(store: Store, actor: Actor, reply_id: int, *, environ: Mapping[str, str], settings: Settings | None = None,
            secrets: Path | None = None, now: datetime | None = None, **options: Any) -> dict[str, Any]:
    """A manager approves a held reply: it is sent through the connector of the case's platform exactly as a
    normal reply (`goodwill.service.replies.reply`), joins the thread and records the case's first response at
    the time it was sent. Refused (409 `reply_crossed`) when someone else replied in the thread or moved the case
    after it was held or last edited; the reply then still waits, to be edited or declined."""
    from goodwill.service import replies

    require(actor, APPROVE_ROLE)
    now = now or datetime.now(UTC)
    with store.begin() as conn:
        row = _waiting(conn, reply_id)
        case_id = int(row["case_id"])
        casework.check_not_crossed(conn, _author(row, actor), case_id, int(row["held_event_id"] or 0))
        target = row["message_id"] or case_store.latest_customer_message(conn, case_id)
        if target is None:
            raise ConflictError(f"case {case_id} has no customer message left to reply to; decline the held reply")
        # Claimed before the platform is called, so two approvals cannot send it twice.
        if not approval_store.update(conn, reply_id, {"status": "sending", "claimed_at": now}, only_if=("pending",)):
            raise ConflictError(f"held reply {reply_id} is being approved by someone else")

    def approved(conn: Connection, plan: Any) -> None:
        at = datetime.now(UTC)
        approval_store.update(conn, reply_id, {
            "status": "sent", "decided_by": actor.name, "decided_by_id": actor.user_id, "decided_at": at,
            "updated_at": at, "published_id": plan.published_id, "sent_message_id": plan.stored_id})
        _event(conn, case_id, actor, EventKind.APPROVED, at, reply=reply_id, author=row["author_name"],
               published_id=plan.published_id)
        record(conn, actor, "reply.approve", f"case {case_id}", reply=reply_id, author=row["author_name"],
               published_id=plan.published_id, stored_id=plan.stored_id)

    try:
        plan = replies.reply(store, actor, int(target), row["text"], send=True, environ=environ, settings=settings,
                             secrets=secrets, on_stored=approved,
                             audit_extra={"held_reply": reply_id, "author": row["author_name"]}, **options)
    except StoreError:
        # Published but not stored: it is public, so it must never be sent again.
        try:
            with store.begin() as conn:
                approval_store.update(conn, reply_id, {"status": "sent", "decided_by": actor.name,
                                                       "decided_by_id": actor.user_id, "decided_at": now,
                                                       "updated_at": now})
        except Exception:  # noqa: BLE001 - the store is failing; the error below says what is public
            pass
        raise
    except GoodwillError:
        # Nothing went out (no source, a bad credential, the platform refused): it waits again.
        with store.begin() as conn:
            approval_store.update(conn, reply_id, {"status": "pending", "claimed_at": None}, only_if=("sending",))
        raise
    from goodwill.service.cases import get_case

    return {"held": get_held(store, actor, reply_id), "reply": plan.as_dict(), "case": get_case(store, actor, case_id)}

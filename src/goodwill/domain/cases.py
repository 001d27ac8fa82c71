"""Cases: a conversation that needs the brand, as plain data, with the rules of its status.

A case is one per thread (platform and thread root). Its status moves

    new ──> open ──> waiting ──> resolved ──> closed
     │        ↑  ↖______│            │           │
     │        └─────────┴────────────┴───────────┘  (a customer writing again re-opens it)
     └──> waiting / resolved / closed

`new`: opened, nobody has acted on it yet; `open`: being worked on (assigned,
or the customer wrote after the brand's reply); `waiting`: the brand replied
and waits on the customer; `resolved`: answered, publicly or not; `closed`:
finished without further work (spam, nothing to answer). A customer message
after `resolved` or `closed` re-opens the case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from goodwill.errors import ConflictError, FieldError


class CaseStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUSES = tuple(s.value for s in CaseStatus)
#: Statuses in which a case still needs the team (the default of `cases list`).
ACTIVE = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING)
#: Statuses in which the case is finished until the customer writes again.
DONE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)

#: The statuses a person may move a case to from each status (a customer's
#: message re-opening a finished case is not a person's move, see `reopens`).
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.OPEN, CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.OPEN: frozenset({CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.WAITING: frozenset({CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
}


class EventKind(enum.StrEnum):
    """What happened to a case (its `case_events` rows)."""

    OPENED = "opened"  # a customer message opened it (or a person, by hand)
    JOINED = "joined"  # a later customer message in the thread joined it
    REPLY = "reply"  # the brand replied in the thread
    ASSIGNED = "assigned"  # team, assignee or tags changed
    STATUS = "status"  # a person moved its status
    NOTE = "note"  # an internal note was added
    REOPENED = "reopened"  # the customer wrote again after it was resolved or closed
    BREACH = "breach"  # its SLA due time passed without a first response
    HELD = "held"  # an agent's reply was held for a manager's approval (or its held draft edited)
    APPROVED = "approved"  # a manager approved a held reply, and it was sent
    DECLINED = "declined"  # a manager declined a held reply, with a reason
    WITHDRAWN = "withdrawn"  # its author withdrew a held reply
    RELEASED = "released"  # a manager released a held reply whose sending was interrupted: it waits again


def parse_status(value: str, field_name: str = "status") -> CaseStatus:
    """A status from user input; FieldError names the statuses."""
    try:
        return CaseStatus(value.strip().lower())
    except ValueError:
        raise FieldError(field_name, f"{value!r} is not a case status; choose one of {', '.join(STATUSES)}") from None


def check_transition(case_id: int, old: CaseStatus, new: CaseStatus) -> None:
    """ConflictError unless a person may move case `case_id` from `old` to `new`."""
    if new is old:
        raise ConflictError(f"case {case_id} is {old} already")
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(TRANSITIONS[old]))
        raise ConflictError(f"case {case_id} is {old}; it can move to {allowed}, not {new}")


def reopens(status: CaseStatus) -> bool:
    """Whether a customer's new message re-opens a case in `status`."""
    return status in DONE


@dataclass(slots=True)
class Case:
    """One case, as the store holds it (times aware UTC)."""

    id: int
    platform: str
    thread_root_id: str
    status: CaseStatus
    first_message_id: int
    person_id: int | None
    opened_at: datetime  # when the first customer message of the case was written
    last_customer_at: datetime
    waiting_since: datetime | None  # the oldest customer message the brand has not answered; None when not waiting on the brand
    priority: int
    priority_band: str
    priority_reason: str
    team: str | None = None
    assignee_id: int | None = None
    assignee: str | None = None
    tags: list[str] = field(default_factory=list)
    sla_policy: str | None = None
    sla_due_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_public: bool | None = None
    reopened: int = 0


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    """Whose replies need a manager's approval: an agent's reply in a case of one of `teams`, or with one of
    `tags`, is held until a manager approves it (names in lower case)."""

    teams: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def reason(self, team: str | None, tags: list[str] | tuple[str, ...]) -> str | None:
        """Why a case's replies need approval, in words (`team billing`, `tag refund`), or None when they don't."""
        why = []
        if team is not None and team.strip().lower() in self.teams:
            why.append(f"team {team.strip()}")
        why.extend(f"tag {t}" for t in sorted({t.strip().lower() for t in tags} & self.tags))
        return ", ".join(why) or None

    def words(self) -> str:
        """The policy in words."""
        if not self.teams and not self.tags:
            return "no reply needs approval: every agent's reply goes straight out"
        parts = []
        if self.teams:
            parts.append(f"of team{'s' if len(self.teams) > 1 else ''} {', '.join(sorted(self.teams))}")
        if self.tags:
            parts.append(f"tagged {', '.join(sorted(self.tags))}")
        return "agents' replies in cases " + " or ".join(parts) + " wait for a manager's approval"

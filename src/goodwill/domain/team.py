"""Who works in a workspace: roles, where an action came from, and the actor doing it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """What a user may do. Each role can do everything the roles below it can."""

    AGENT = "agent"  # read conversations and people
    MANAGER = "manager"  # and change the workspace settings and keywords
    ADMIN = "admin"  # and manage users, read the audit log


_RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class Origin(enum.StrEnum):
    CLI = "cli"
    API = "api"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something, and from where."""

    user_id: int | None
    name: str
    role: Role
    origin: Origin
    address: str | None = None

    def can(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

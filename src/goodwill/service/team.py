"""The team: users and their roles, API tokens, workspace settings and the audit log.

Every function takes the `Actor` doing the work and checks its role here, so
the CLI, the API and the pages share one set of rules. Every change is written
to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, func, select

from goodwill.domain import Workspace
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import (
    AuthenticationError,
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
)
from goodwill.store import Store
from goodwill.store.tables import api_tokens, audit_log, users, web_secret
from goodwill.store.workspace import load_workspace, save_workspace


def require(actor: Actor, role: Role) -> None:
    """Raise PermissionDeniedError unless `actor` holds `role` or a higher one."""
    if not actor.can(role):
        raise PermissionDeniedError(f"{actor.name} is {'an' if actor.role is Role.ADMIN else 'a'} {actor.role}; this needs the {role} role")


def cli_actor() -> Actor:
    """The CLI acts as a local admin named after the operating-system user."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local"
    return Actor(user_id=None, name=name, role=Role.ADMIN, origin=Origin.CLI, address="local")


USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "gw_"
_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed sign-in the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not a password anybody has")


def _now() -> datetime:
    return datetime.now(UTC)


def record(conn: Connection, actor: Actor, action: str, target: str | None = None, **details: Any) -> None:
    """Write one audit entry on `conn`, inside the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=_now(),
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target=target,
            details=details,
            origin=str(actor.origin),
            address=actor.address,
        )
    )


def parse_role(value: str, field: str = "role") -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise FieldError(field, f"{value!r} is not a role; choose one of {', '.join(r.value for r in Role)}") from None


def _check_username(username: str) -> str:
    name = username.strip()
    if not USERNAME.match(name):
        raise FieldError("username", "use 1-80 letters, digits and . _ @ - (starting with a letter or digit)")
    return name


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise FieldError("password", f"use at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise FieldError("password", "use at most 1024 characters")
    return password


def _user_row(conn: Connection, username: str) -> Any:
    row = conn.execute(select(users).where(func.lower(users.c.username) == username.strip().lower())).first()
    if row is None:
        raise NotFoundError(f"no user named {username!r}")
    return row


def _user_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "role": row.role,
        "disabled": bool(row.disabled),
        "created_at": _iso(row.created_at),
        "last_login_at": _iso(row.last_login_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- users -------------------------------------------------------------------


def add_user(store: Store, actor: Actor, username: str, password: str, role: Role | str) -> dict[str, Any]:
    """Create a user (admins only)."""
    require(actor, Role.ADMIN)
    name = _check_username(username)
    role = parse_role(role) if isinstance(role, str) else role
    password_hash = _hasher.hash(_check_password(password))
    with store.begin() as conn:
        taken = conn.execute(select(users.c.id).where(func.lower(users.c.username) == name.lower())).first()
        if taken is not None:
            raise ConflictError(f"the username {name!r} is taken")
        user_id = conn.execute(
            users.insert().values(
                username=name, password_hash=password_hash, role=str(role), disabled=False,
                session_version=1, created_at=_now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        record(conn, actor, "user.add", name, role=str(role))
        return _user_dict(conn.execute(select(users).where(users.c.id == user_id)).one())


def list_users(store: Store, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        return [_user_dict(r) for r in conn.execute(select(users).order_by(users.c.username))]


def has_users(store: Store) -> bool:
    with store.begin() as conn:
        return conn.execute(select(users.c.id).limit(1)).first() is not None


def set_disabled(store: Store, actor: Actor, username: str, disabled: bool = True) -> dict[str, Any]:
    """Disable (or enable again) a user; disabling signs out their sessions and stops their tokens."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        row = _user_row(conn, username)
        if disabled and actor.user_id == row.id:
            raise ConflictError("you cannot disable yourself")
        conn.execute(
            users.update().where(users.c.id == row.id).values(
                disabled=disabled, session_version=row.session_version + 1
            )
        )
        record(conn, actor, "user.disable" if disabled else "user.enable", row.username)
        return _user_dict(conn.execute(select(users).where(users.c.id == row.id)).one())


def set_role(store: Store, actor: Actor, username: str, role: Role | str) -> dict[str, Any]:
    require(actor, Role.ADMIN)
    role = parse_role(role) if isinstance(role, str) else role
    with store.begin() as conn:
        row = _user_row(conn, username)
        if actor.user_id == row.id and role is not Role.ADMIN:
            raise ConflictError("you cannot take the admin role from yourself")
        conn.execute(users.update().where(users.c.id == row.id).values(role=str(role)))
        record(conn, actor, "user.role", row.username, before=row.role, after=str(role))
        return _user_dict(conn.execute(select(users).where(users.c.id == row.id)).one())


def reset_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """Set a new password (admins for anyone); every session of the user is signed out."""
    require(actor, Role.ADMIN)
    password_hash = _hasher.hash(_check_password(password))
    with store.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(
            users.update().where(users.c.id == row.id).values(
                password_hash=password_hash, session_version=row.session_version + 1
            )
        )
        record(conn, actor, "user.reset_password", row.username)


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    session_version: int


def authenticate(store: Store, username: str, password: str, *, origin: Origin, address: str | None) -> SignedIn:
    """Check a username and password; the attempt is audited either way."""
    with store.begin() as conn:
        row = conn.execute(
            select(users).where(func.lower(users.c.username) == username.strip().lower())
        ).first()
        ok = False
        try:
            ok = _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if row is None or not ok or row.disabled:
            who = Actor(None, username.strip()[:200] or "?", Role.AGENT, origin, address)
            record(conn, who, "user.login_failed", username.strip()[:400])
            failed = True
        else:
            failed = False
            actor = Actor(row.id, row.username, Role(row.role), origin, address)
            changes: dict[str, Any] = {"last_login_at": _now()}
            if _hasher.check_needs_rehash(row.password_hash):
                changes["password_hash"] = _hasher.hash(password)
            conn.execute(users.update().where(users.c.id == row.id).values(**changes))
            record(conn, actor, "user.login", row.username)
    # Raised outside the block so the failed attempt's audit entry is committed.
    if failed or row is None:
        raise AuthenticationError("wrong username or password")
    return SignedIn(actor, row.session_version)


def session_actor(store: Store, user_id: int, session_version: int, *, origin: Origin, address: str | None) -> Actor | None:
    """The actor behind a session cookie, or None when the user is gone, disabled or was signed out."""
    with store.begin() as conn:
        row = conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.disabled, users.c.session_version).where(
                users.c.id == user_id
            )
        ).first()
    if row is None or row.disabled or row.session_version != session_version:
        return None
    return Actor(row.id, row.username, Role(row.role), origin, address)


def sign_out(store: Store, actor: Actor) -> None:
    with store.begin() as conn:
        record(conn, actor, "user.logout", actor.name)


# -- API tokens ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": _iso(row.created_at),
        "last_used_at": _iso(row.last_used_at),
        "revoked_at": _iso(row.revoked_at),
    }


def create_token(store: Store, actor: Actor, name: str) -> tuple[str, dict[str, Any]]:
    """A new API token for the actor. The token itself is returned once and stored only as a hash."""
    if actor.user_id is None:
        raise FieldError("user", "tokens belong to users: pass the user whose token this is")
    label = name.strip()
    if not label or len(label) > 200:
        raise FieldError("name", "give the token a name of 1-200 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.begin() as conn:
        token_id = conn.execute(
            api_tokens.insert().values(
                user_id=actor.user_id, name=label, token_hash=_token_hash(token), prefix=token[:10], created_at=_now()
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        record(conn, actor, "token.create", f"token {token_id}", name=label, prefix=token[:10])
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
    return token, _token_dict(row)


def list_tokens(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """The actor's own tokens (never the tokens themselves)."""
    with store.begin() as conn:
        rows = conn.execute(
            select(api_tokens).where(api_tokens.c.user_id == actor.user_id).order_by(api_tokens.c.id.desc())
        )
        return [_token_dict(r) for r in rows]


def revoke_token(store: Store, actor: Actor, token_id: int) -> dict[str, Any]:
    """Revoke a token: its owner may, and so may an admin."""
    with store.begin() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None or (row.user_id != actor.user_id and not actor.can(Role.ADMIN)):
            raise NotFoundError(f"no token {token_id} of yours")
        if row.revoked_at is None:
            conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(revoked_at=_now()))
            record(conn, actor, "token.revoke", f"token {token_id}", name=row.name, owner_id=row.user_id)
        return _token_dict(conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one())


def token_actor(store: Store, token: str, *, origin: Origin, address: str | None) -> Actor:
    """The actor an API token speaks for."""
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("unknown API token")
    now = _now()
    with store.begin() as conn:
        row = conn.execute(
            select(api_tokens.c.id, api_tokens.c.revoked_at, api_tokens.c.last_used_at, users.c.id.label("uid"),
                   users.c.username, users.c.role, users.c.disabled)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == _token_hash(token))
        ).first()
        if row is None or row.revoked_at is not None or row.disabled:
            raise AuthenticationError("unknown, revoked or disabled API token")
        # Written at most once a minute, so a busy integration does not write on every request.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now))
    return Actor(row.uid, row.username, Role(row.role), origin, address)


def user_actor(store: Store, username: str, *, origin: Origin = Origin.CLI) -> Actor:
    """Act as a named user (the CLI's `--user`, for creating that user's tokens)."""
    with store.begin() as conn:
        row = _user_row(conn, username)
    if row.disabled:
        raise PermissionDeniedError(f"{row.username} is disabled")
    return Actor(row.id, row.username, Role(row.role), origin, "local")


# -- workspace settings --------------------------------------------------------


def _clean_list(values: list[str], field: str) -> list[str]:
    out: list[str] = []
    for v in values:
        item = v.strip()
        if len(item) > 200:
            raise FieldError(field, f"{item[:20]!r}... is longer than 200 characters")
        if item and item.casefold() not in {o.casefold() for o in out}:
            out.append(item)
    if len(out) > 500:
        raise FieldError(field, "at most 500 entries")
    return out


def get_settings(store: Store, actor: Actor) -> dict[str, Any]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        ws = load_workspace(conn)
    return {"name": ws.name, "brand_accounts": ws.brand_accounts, "keywords": ws.keywords, "competitors": ws.competitors}


def update_settings(
    store: Store,
    actor: Actor,
    *,
    name: str | None = None,
    keywords: list[str] | None = None,
    competitors: list[str] | None = None,
) -> dict[str, Any]:
    """Change the workspace's name, keywords or competitors (managers and admins)."""
    require(actor, Role.MANAGER)
    if name is not None and not (0 < len(name.strip()) <= 200):
        raise FieldError("name", "give the workspace a name of 1-200 characters")
    with store.begin() as conn:
        ws = load_workspace(conn)
        new = Workspace(
            name=name.strip() if name is not None else ws.name,
            brand_accounts=ws.brand_accounts,
            keywords=_clean_list(keywords, "keywords") if keywords is not None else ws.keywords,
            competitors=_clean_list(competitors, "competitors") if competitors is not None else ws.competitors,
        )
        changed = {
            key: {"before": getattr(ws, key), "after": getattr(new, key)}
            for key in ("name", "keywords", "competitors")
            if getattr(ws, key) != getattr(new, key)
        }
        if changed:
            save_workspace(conn, new)
            record(conn, actor, "settings.update", "workspace", **changed)
    return {"name": new.name, "brand_accounts": new.brand_accounts, "keywords": new.keywords, "competitors": new.competitors}


# -- audit log -----------------------------------------------------------------


def _audit_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": _iso(row.at),
        "actor_id": row.actor_id,
        "actor": row.actor_name,
        "action": row.action,
        "target": row.target,
        "details": row.details,
        "origin": row.origin,
        "address": row.address,
    }


def read_audit(
    store: Store, actor: Actor, *, before: int | None = None, limit: int = 50, action: str | None = None
) -> dict[str, Any]:
    """The newest audit entries first, `limit` at a time; `next_before` continues the list."""
    require(actor, Role.ADMIN)
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    if action:
        query = query.where(audit_log.c.action == action)
    with store.begin() as conn:
        rows = [_audit_dict(r) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_before": rows[-1]["id"] if more and rows else None}


AUDIT_COLUMNS = ("id", "at", "actor_id", "actor", "action", "target", "details", "origin", "address")


def export_audit(store: Store, actor: Actor) -> Iterator[dict[str, Any]]:
    """Every audit entry, oldest first, read in pages. The export itself is audited."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        record(conn, actor, "audit.export")
    after = 0
    while True:
        with store.begin() as conn:
            rows = list(conn.execute(select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id).limit(2000)))
        if not rows:
            return
        for row in rows:
            yield _audit_dict(row)
        after = rows[-1].id


def audit_csv_row(entry: dict[str, Any]) -> list[str]:
    return [
        "" if entry[c] is None else (orjson.dumps(entry[c]).decode() if c == "details" else str(entry[c]))
        for c in AUDIT_COLUMNS
    ]


# -- the secret that signs session cookies ------------------------------------


def session_secret(store: Store) -> str:
    """The workspace's cookie-signing secret, made on first use and kept in the store,
    so sessions survive a restart and every server process of a team agrees."""
    with store.begin() as conn:
        row = conn.execute(select(web_secret.c.secret).where(web_secret.c.id == 1)).first()
        if row is not None:
            return str(row.secret)
        secret = secrets.token_urlsafe(48)
        conn.execute(web_secret.insert().values(id=1, secret=secret))
        return secret

"""The team: users and their roles, sign-in and sessions, API tokens, workspace settings.

Every function takes the `Actor` doing the work and checks its role here, so
the CLI, the API and the pages share one set of rules. Every change is written
to the audit log in the same transaction as the change itself (one request,
one transaction: `update_user` changes a password, a role and the disabled
flag together or not at all). The queries live in `goodwill.store.users`.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from goodwill.domain import Workspace
from goodwill.domain.team import Actor, Origin, Role
from goodwill.errors import AuthenticationError, ConflictError, FieldError, NotFoundError, PermissionDeniedError
from goodwill.service.audit import iso, now, record, require
from goodwill.store import Store
from goodwill.store import audit as audit_store
from goodwill.store import users as user_store
from goodwill.store.audit import Tx
from goodwill.store.users import TokenRow, UserRow
from goodwill.store.workspace import load_workspace, save_workspace

__all__ = [
    "MIN_PASSWORD", "TOKEN_PREFIX", "SignedIn", "add_user", "authenticate", "cli_actor", "create_token",
    "get_settings", "has_users", "list_tokens", "list_users", "parse_role", "record", "require", "reset_password",
    "revoke_token", "session_actor", "session_secret", "set_disabled", "set_role", "sign_out", "token_actor",
    "update_settings", "update_user", "user_actor",
]


def cli_actor() -> Actor:
    """The local operator at the terminal, `cli:<os user>`, acting as the workspace's owner (admin)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local"
    return Actor(user_id=None, name=f"cli:{name}", role=Role.ADMIN, origin=Origin.CLI, address="local")


USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "gw_"
# Failed sign-ins with a name nobody has are recorded once per address in this time,
# so a flood of made-up names cannot fill the audit log.
UNKNOWN_NAME_WINDOW = timedelta(minutes=1)
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify an unknown name's password against, so a failed sign-in takes the same time whether or
    not the user exists; made on the first sign-in, not when the module loads."""
    return _hasher.hash("not a password anybody has")


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


def _user_row(conn: Tx, username: str) -> UserRow:
    row = user_store.find_user(conn, username)
    if row is None:
        raise NotFoundError(f"no user named {username!r}")
    return row


def _user_dict(row: UserRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "role": row.role,
        "disabled": row.disabled,
        "created_at": iso(row.created_at),
        "last_login_at": iso(row.last_login_at),
    }


def _reloaded(conn: Tx, user_id: int) -> dict[str, Any]:
    row = user_store.get_user(conn, user_id)
    assert row is not None
    return _user_dict(row)


# -- users -------------------------------------------------------------------


def add_user(store: Store, actor: Actor, username: str, password: str, role: Role | str) -> dict[str, Any]:
    """Create a user (admins only)."""
    require(actor, Role.ADMIN)
    name = _check_username(username)
    role = parse_role(role) if isinstance(role, str) else role
    password_hash = _hasher.hash(_check_password(password))
    with store.begin() as conn:
        if user_store.find_user(conn, name) is not None:
            raise ConflictError(f"the username {name!r} is taken")
        user_id = user_store.insert_user(conn, username=name, password_hash=password_hash, role=str(role),
                                         created_at=now())
        record(conn, actor, "user.add", name, role=str(role))
        return _reloaded(conn, user_id)


def list_users(store: Store, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        return [_user_dict(r) for r in user_store.all_users(conn)]


def has_users(store: Store) -> bool:
    with store.begin() as conn:
        return user_store.has_users(conn)


def update_user(
    store: Store, actor: Actor, username: str, *, password: str | None = None, role: Role | str | None = None,
    disabled: bool | None = None,
) -> dict[str, Any]:
    """Change a user's password, role and disabled flag in one transaction: all of them or none.

    A new password or disabling ends every session of the user and revokes their
    API tokens (re-enabling does not bring the tokens back: the user makes new ones).
    """
    require(actor, Role.ADMIN)
    new_role = parse_role(role) if isinstance(role, str) else role
    password_hash = _hasher.hash(_check_password(password)) if password is not None else None
    with store.begin() as conn:
        row = _user_row(conn, username)
        if password_hash is not None:
            _set_password(conn, actor, row, password_hash)
        if new_role is not None and new_role != row.role:
            if actor.user_id == row.id and new_role is not Role.ADMIN:
                raise ConflictError("you cannot take the admin role from yourself")
            user_store.update_user(conn, row.id, role=str(new_role))
            record(conn, actor, "user.role", row.username, before=row.role, after=str(new_role))
        if disabled is not None and disabled != row.disabled:
            _set_disabled(conn, actor, row, disabled)
        return _reloaded(conn, row.id)


def _set_password(conn: Tx, actor: Actor, row: UserRow, password_hash: str) -> None:
    user_store.update_user(conn, row.id, password_hash=password_hash)
    user_store.bump_session_version(conn, row.id)
    revoked = user_store.revoke_user_tokens(conn, row.id, now())
    record(conn, actor, "user.reset_password", row.username, tokens_revoked=revoked)


def _set_disabled(conn: Tx, actor: Actor, row: UserRow, disabled: bool) -> None:
    if disabled and actor.user_id == row.id:
        raise ConflictError("you cannot disable yourself")
    user_store.update_user(conn, row.id, disabled=disabled)
    if disabled:
        user_store.bump_session_version(conn, row.id)
        revoked = user_store.revoke_user_tokens(conn, row.id, now())
        record(conn, actor, "user.disable", row.username, tokens_revoked=revoked)
    else:
        record(conn, actor, "user.enable", row.username)


def set_disabled(store: Store, actor: Actor, username: str, disabled: bool = True) -> dict[str, Any]:
    """Disable (or enable again) a user; disabling signs out their sessions and revokes their tokens."""
    require(actor, Role.ADMIN)
    with store.begin() as conn:
        row = _user_row(conn, username)
        _set_disabled(conn, actor, row, disabled)
        return _reloaded(conn, row.id)


def set_role(store: Store, actor: Actor, username: str, role: Role | str) -> dict[str, Any]:
    return update_user(store, actor, username, role=role)


def reset_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """Set a new password (admins for anyone); every session of the user ends and their tokens are revoked."""
    require(actor, Role.ADMIN)
    password_hash = _hasher.hash(_check_password(password))
    with store.begin() as conn:
        _set_password(conn, actor, _user_row(conn, username), password_hash)


# -- sign-in and sessions ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    session_version: int


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(store: Store, username: str, password: str, *, origin: Origin, address: str | None) -> SignedIn:
    """Check a username and password; the attempt is audited either way.

    A failed sign-in as a user who exists is recorded every time; one with a
    name nobody has is recorded at most once per address a minute (the
    sign-in limit still counts every attempt).
    """
    with store.begin() as conn:
        row = user_store.find_user(conn, username)
        ok = _verify(row.password_hash if row is not None else _dummy_hash(), password)
        if row is None or not ok or row.disabled:
            attempted = username.strip()[:80] or "?"
            if row is not None:
                record(conn, Actor(None, attempted, Role.AGENT, origin, address), "user.login_failed", row.username)
            elif not audit_store.recent_anonymous_entry(conn, "user.login_failed", address, now() - UNKNOWN_NAME_WINDOW):
                record(conn, Actor(None, attempted, Role.AGENT, origin, address), "user.login_failed", None,
                       unknown_user=True, note="later unknown names from this address are not recorded for a minute")
            signed = None
        else:
            actor = Actor(row.id, row.username, Role(row.role), origin, address)
            changes: dict[str, Any] = {"last_login_at": now()}
            if _hasher.check_needs_rehash(row.password_hash):
                changes["password_hash"] = _hasher.hash(password)
            user_store.update_user(conn, row.id, **changes)
            record(conn, actor, "user.login", row.username)
            signed = SignedIn(actor, row.session_version)
    # Raised outside the block so the failed attempt's audit entry is committed.
    if signed is None:
        raise AuthenticationError("wrong username or password")
    return signed


def session_actor(store: Store, user_id: int, session_version: int, *, origin: Origin, address: str | None) -> Actor | None:
    """The actor behind a session cookie, or None when the user is gone, disabled or was signed out."""
    with store.begin() as conn:
        row = user_store.get_user(conn, user_id)
    if row is None or row.disabled or row.session_version != session_version:
        return None
    return Actor(row.id, row.username, Role(row.role), origin, address)


def sign_out(store: Store, actor: Actor) -> None:
    """End the actor's sessions: every cookie made before this stops working, a saved copy included."""
    with store.begin() as conn:
        if actor.user_id is not None:
            user_store.bump_session_version(conn, actor.user_id)
        record(conn, actor, "user.logout", actor.name)


# -- API tokens ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_dict(row: TokenRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "owner": row.owner,
        "prefix": row.prefix,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "revoked_at": iso(row.revoked_at),
    }


def create_token(store: Store, actor: Actor, name: str, *, owner: str | None = None) -> tuple[str, dict[str, Any]]:
    """A new API token for `owner` (by default the actor). Only admins make tokens for others.

    The audit entry names the actor who made it and, in its details, the owner.
    The token itself is returned once and stored only as a hash.
    """
    label = name.strip()
    if not label or len(label) > 200:
        raise FieldError("name", "give the token a name of 1-200 characters")
    if owner is None and actor.user_id is None:
        raise FieldError("user", "tokens belong to users: name the user whose token this is")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.begin() as conn:
        if owner is None:
            assert actor.user_id is not None
            holder = user_store.get_user(conn, actor.user_id)
            if holder is None:
                raise NotFoundError(f"no user named {actor.name!r}")
        else:
            holder = _user_row(conn, owner)
            if holder.id != actor.user_id:
                require(actor, Role.ADMIN)
        if holder.disabled:
            raise ConflictError(f"{holder.username} is disabled: enable them before making them a token")
        token_id = user_store.insert_token(conn, user_id=holder.id, name=label, token_hash=_token_hash(token),
                                           prefix=token[:10], created_at=now())
        record(conn, actor, "token.create", f"token {token_id}", name=label, prefix=token[:10],
               owner=holder.username, owner_id=holder.id)
        row = user_store.get_token(conn, token_id)
    assert row is not None
    return token, _token_dict(row)


def list_tokens(store: Store, actor: Actor, *, owner: str | None = None, everyone: bool = False) -> list[dict[str, Any]]:
    """Tokens newest first (never the tokens themselves): the actor's own by default,
    `owner`'s, or with `everyone` every user's (admins only for other users')."""
    with store.begin() as conn:
        if everyone:
            require(actor, Role.ADMIN)
            rows = user_store.list_tokens(conn)
        elif owner is not None:
            holder = _user_row(conn, owner)
            if holder.id != actor.user_id:
                require(actor, Role.ADMIN)
            rows = user_store.list_tokens(conn, holder.id)
        elif actor.user_id is None:
            raise FieldError("user", "name the user whose tokens to list, or list everyone's")
        else:
            rows = user_store.list_tokens(conn, actor.user_id)
        return [_token_dict(r) for r in rows]


def revoke_token(store: Store, actor: Actor, token_id: int) -> dict[str, Any]:
    """Revoke a token: its owner may, and so may an admin."""
    with store.begin() as conn:
        row = user_store.get_token(conn, token_id)
        if row is None or (row.user_id != actor.user_id and not actor.can(Role.ADMIN)):
            raise NotFoundError(f"no token {token_id} of yours")
        if row.revoked_at is None:
            user_store.revoke_token(conn, token_id, now())
            record(conn, actor, "token.revoke", f"token {token_id}", name=row.name, owner=row.owner,
                   owner_id=row.user_id)
        fresh = user_store.get_token(conn, token_id)
    assert fresh is not None
    return _token_dict(fresh)


def token_actor(store: Store, token: str, *, origin: Origin, address: str | None) -> Actor:
    """The actor an API token speaks for."""
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError("unknown API token")
    at = now()
    with store.begin() as conn:
        use = user_store.token_use(conn, _token_hash(token))
        if use is None or use.revoked_at is not None or use.disabled:
            raise AuthenticationError("unknown, revoked or disabled API token")
        # Written at most once a minute, so a busy integration does not write on every request.
        if use.last_used_at is None or at - use.last_used_at > timedelta(minutes=1):
            user_store.touch_token(conn, use.token_id, at)
    return Actor(use.user_id, use.username, Role(use.role), origin, address)


def user_actor(store: Store, username: str, *, origin: Origin = Origin.CLI) -> Actor:
    """Act as a named user (the CLI's `--as`)."""
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


# -- the secret that signs session cookies ------------------------------------


def session_secret(store: Store) -> str:
    """The workspace's cookie-signing secret, made on first use and kept in the store,
    so sessions survive a restart and every server process of a team agrees."""
    with store.begin() as conn:
        found = user_store.web_secret_value(conn)
        if found is not None:
            return found
        secret = secrets.token_urlsafe(48)
        user_store.save_web_secret(conn, secret)
        return secret

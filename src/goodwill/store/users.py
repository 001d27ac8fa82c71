"""Users, their API tokens and the cookie-signing secret: every query the team service runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from goodwill.store.tables import api_tokens, users, web_secret


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    password_hash: str
    role: str
    disabled: bool
    session_version: int
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    user_id: int
    owner: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenUse:
    """What a token lookup needs: the token and its owner."""

    token_id: int
    revoked_at: datetime | None
    last_used_at: datetime | None
    user_id: int
    username: str
    role: str
    disabled: bool


def _user(row: Any) -> UserRow:
    return UserRow(row.id, row.username, row.password_hash, row.role, bool(row.disabled), row.session_version,
                   row.created_at, row.last_login_at)


def find_user(conn: Connection, username: str) -> UserRow | None:
    """The user of that name, in any letter case."""
    row = conn.execute(select(users).where(func.lower(users.c.username) == username.strip().lower())).first()
    return None if row is None else _user(row)


def get_user(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def all_users(conn: Connection) -> list[UserRow]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def has_users(conn: Connection) -> bool:
    return conn.execute(select(users.c.id).limit(1)).first() is not None


def insert_user(conn: Connection, *, username: str, password_hash: str, role: str, created_at: datetime) -> int:
    result = conn.execute(
        users.insert().values(username=username, password_hash=password_hash, role=role, disabled=False,
                              session_version=1, created_at=created_at)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def bump_session_version(conn: Connection, user_id: int) -> None:
    """End every session of the user: cookies carry the version they were made with."""
    conn.execute(users.update().where(users.c.id == user_id).values(session_version=users.c.session_version + 1))


# -- API tokens ----------------------------------------------------------------

_TOKEN_COLUMNS = (api_tokens.c.id, api_tokens.c.user_id, users.c.username.label("owner"), api_tokens.c.name,
                  api_tokens.c.prefix, api_tokens.c.created_at, api_tokens.c.last_used_at, api_tokens.c.revoked_at)


def _token(row: Any) -> TokenRow:
    return TokenRow(row.id, row.user_id, row.owner, row.name, row.prefix, row.created_at, row.last_used_at,
                    row.revoked_at)


def insert_token(conn: Connection, *, user_id: int, name: str, token_hash: str, prefix: str, created_at: datetime) -> int:
    result = conn.execute(
        api_tokens.insert().values(user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                                   created_at=created_at)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_token(conn: Connection, token_id: int) -> TokenRow | None:
    row = conn.execute(
        select(*_TOKEN_COLUMNS).join(users, users.c.id == api_tokens.c.user_id).where(api_tokens.c.id == token_id)
    ).first()
    return None if row is None else _token(row)


def list_tokens(conn: Connection, user_id: int | None = None) -> list[TokenRow]:
    """Tokens newest first: one user's, or everybody's."""
    query = select(*_TOKEN_COLUMNS).join(users, users.c.id == api_tokens.c.user_id).order_by(api_tokens.c.id.desc())
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [_token(r) for r in conn.execute(query)]


def revoke_token(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(revoked_at=at))


def revoke_user_tokens(conn: Connection, user_id: int, at: datetime) -> list[int]:
    """Revoke every live token of a user; the ids revoked."""
    live = [
        int(r.id)
        for r in conn.execute(
            select(api_tokens.c.id).where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
        )
    ]
    if live:
        conn.execute(api_tokens.update().where(api_tokens.c.id.in_(live)).values(revoked_at=at))
    return live


def token_use(conn: Connection, token_hash: str) -> TokenUse | None:
    row = conn.execute(
        select(api_tokens.c.id, api_tokens.c.revoked_at, api_tokens.c.last_used_at, users.c.id.label("uid"),
               users.c.username, users.c.role, users.c.disabled)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    return TokenUse(row.id, row.revoked_at, row.last_used_at, row.uid, row.username, row.role, bool(row.disabled))


def touch_token(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=at))


# -- the cookie-signing secret -------------------------------------------------


def web_secret_value(conn: Connection) -> str | None:
    row = conn.execute(select(web_secret.c.secret).where(web_secret.c.id == 1)).first()
    return None if row is None else str(row.secret)


def save_web_secret(conn: Connection, secret: str) -> None:
    conn.execute(web_secret.insert().values(id=1, secret=secret))

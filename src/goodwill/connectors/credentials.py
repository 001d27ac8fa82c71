"""Credentials for live sources: from the environment, or a secrets file that
only its owner can read. Values never reach logs or error messages:
`redact` scrubs them from any text shown to people.

The secrets file is TOML (`<workspace>/secrets.toml`, or the file named by
`GOODWILL_SECRETS_FILE`) holding one key per variable name, e.g.
`MASTODON_TOKEN = "..."`, either at the top level or in a `[tokens]` table.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from goodwill.domain.sources import SourceConfig
from goodwill.errors import CredentialsError

SECRETS_FILE = "secrets.toml"
MASK = "***"


def secrets_path(workspace: Path, environ: Mapping[str, str]) -> Path:
    """Where the secrets file is: `GOODWILL_SECRETS_FILE`, else `<workspace>/secrets.toml`."""
    named = environ.get("GOODWILL_SECRETS_FILE")
    return Path(named) if named else workspace / SECRETS_FILE


def read_secrets(path: Path) -> dict[str, str]:
    """The secrets in `path` ({} when there is no such file); refuses a file
    that anyone but its owner may read or write, and one in a folder others
    may write to (they could swap the file for their own)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(
            f"{path} may be read by others (mode {stat.S_IMODE(mode):04o}); run `chmod 600 {path}` first"
        )
    folder = path.resolve().parent
    folder_mode = folder.stat().st_mode
    if folder_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CredentialsError(
            f"{path} is in a folder others may write to ({folder}, mode {stat.S_IMODE(folder_mode):04o}): "
            f"run `chmod go-w {folder}` or keep the secrets file in a folder of your own"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        # The parser's message may quote the file's text, secrets and all: say only where.
        raise CredentialsError(f"{path}: not valid TOML") from None
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = value
        elif key == "tokens" and isinstance(value, dict):
            out.update({k: v for k, v in value.items() if isinstance(v, str)})
    return out


def resolve_token(source: SourceConfig, environ: Mapping[str, str], secrets: Path) -> str | None:
    """The credential for `source` (None when it names no variable)."""
    if not source.token_env:
        return None
    value = environ.get(source.token_env)
    if value:
        return value
    value = read_secrets(secrets).get(source.token_env)
    if value:
        return value
    raise CredentialsError(
        f"source {source.name!r}: no credential: set the environment variable {source.token_env} "
        f"or add {source.token_env} to {secrets} (mode 0600)"
    )


def known_secrets(source: SourceConfig | None, environ: Mapping[str, str], secrets: Path) -> list[str]:
    """Every value an error about `source` must not show: its variable's
    value and everything in the secrets file (when it can be read)."""
    values = [environ.get(source.token_env) or "" if source and source.token_env else ""]
    try:
        values += list(read_secrets(secrets).values())
    except (CredentialsError, OSError):
        pass  # a file we refuse to read is a file whose values we never used
    return [v for v in values if v]


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret (and each `:`-separated part of one) masked."""
    parts: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        parts.add(secret)
        parts.update(p for p in secret.split(":") if len(p) >= 6)
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, MASK)
    return text

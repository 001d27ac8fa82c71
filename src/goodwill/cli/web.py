"""Commands for the web app: `serve`, `users` and `audit`."""

from __future__ import annotations

import json
import socket
import sys
from typing import Annotated

import typer
from rich.table import Table

from goodwill.cli.console import err, fail, out, reporting
from goodwill.cli.shell import settings_of, workspace_session
from goodwill.config import Settings
from goodwill.errors import ConfigError

users_app = typer.Typer(
    help="Manage the people who sign in: add, list, disable, reset passwords, API tokens.\n\n"
    "Example:\n\n    echo 'a long passphrase' | goodwill users add alice --role agent --password-stdin",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Create, list and revoke API tokens.\n\nExample:\n\n    goodwill users token create alice --name \"CRM sync\"",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Read the audit log.\n\nExample:\n\n    goodwill audit export --format csv > audit.csv",
    no_args_is_help=True,
)
users_app.add_typer(token_app, name="token")


def _password(password_stdin: bool, confirm: bool = True) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise fail(ConfigError(
            "no terminal to ask for the password on: pipe it in with --password-stdin "
            "(e.g. `printf '%s\\n' \"$PASSWORD\" | goodwill users add NAME --password-stdin`)"
        ))
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return value


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a ConfigError saying in one line why there is none."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno in (98, 48, 10048) else (exc.strerror or str(exc))
        raise ConfigError(f"cannot serve on {host}:{port}: {reason} (pick another with --port)") from None
    sock.set_inheritable(True)
    return sock


def serve_workspace(settings: Settings, host: str, port: int, *, workers: int = 1, banner: str | None = None) -> None:
    """Serve the workspace with Uvicorn until interrupted. The port is bound before the
    banner is printed, so a busy port fails with one line instead of a claim to serve."""
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from goodwill.web.app import create_app

    shown = f"[{host}]" if ":" in host else host
    if workers > 1:
        # Worker processes build their own app from the environment.
        os.environ["GOODWILL_WORKSPACE"] = str(settings.workspace.resolve())
        if settings.database_url:
            os.environ["GOODWILL_DATABASE_URL"] = settings.database_url
        create_app(settings).state.store.close()  # fail here, once, if the workspace cannot be opened
        sock = bind(host, port)
        out.print(banner or f"Serving on [bold]http://{shown}:{port}/[/] with {workers} workers (Ctrl+C stops).", highlight=False)
        config = uvicorn.Config("goodwill.web.app:create_app_from_environment", factory=True, host=host, port=port,
                                workers=workers, log_level="warning", proxy_headers=False)
        Multiprocess(config, sockets=[sock]).run()
        return
    app = create_app(settings)
    sock = bind(host, port)
    out.print(banner or f"Serving on [bold]http://{shown}:{port}/[/] (Ctrl+C stops).", highlight=False)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False)).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""

    @app.command()
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Server processes (each limits failed sign-ins on its own).")] = 1,
    ) -> None:
        """Serve the web app and the JSON API (/api/v1, docs at /api/v1/docs).

        Example:

            goodwill serve --host 127.0.0.1 --port 8000
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            if not team.has_users(ws.store):
                err.print("[yellow]No users yet: add one with `goodwill users add NAME --role admin`.[/]")
        with reporting():
            serve_workspace(settings_of(ctx), host, port, workers=workers)

    @users_app.command("add")
    def users_add(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Username to sign in with.")],
        role: Annotated[str, typer.Option("--role", "-r", help="admin, manager or agent.")] = "agent",
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    ) -> None:
        """Add a user (the password is asked for twice, or read from standard input).

        Example:

            echo 's3cret-passphrase' | goodwill users add alice --role manager --password-stdin
        """
        from goodwill.service import team

        password = _password(password_stdin)
        with workspace_session(ctx) as ws:
            user = team.add_user(ws.store, ws.actor, name, password, role)
        out.print(f"Added [bold]{user['username']}[/] ({user['role']}).", highlight=False)

    @users_app.command("list")
    def users_list(
        ctx: typer.Context,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    ) -> None:
        """List users.

        Example:

            goodwill users list --json
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            rows = team.list_users(ws.store, ws.actor)
        if as_json:
            for u in rows:
                sys.stdout.write(json.dumps(u, ensure_ascii=False) + "\n")
            return
        table = Table()
        for col in ("user", "role", "state", "last sign-in"):
            table.add_column(col)
        for u in rows:
            table.add_row(u["username"], u["role"], "disabled" if u["disabled"] else "active", u["last_login_at"] or "")
        out.print(table)

    @users_app.command("disable")
    def users_disable(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Username.")],
        enable: Annotated[bool, typer.Option("--enable", help="Enable the user again instead.")] = False,
    ) -> None:
        """Disable a user: their sessions end and their API tokens are revoked (enabling does not revive them).

        Example:

            goodwill users disable bob
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            team.set_disabled(ws.store, ws.actor, name, not enable)
        out.print(f"{name} is {'enabled' if enable else 'disabled'}.", highlight=False)

    @users_app.command("reset-password")
    def users_reset_password(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Username.")],
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    ) -> None:
        """Set a new password; the user's sessions end and their API tokens are revoked.

        Example:

            echo 'new-passphrase' | goodwill users reset-password bob --password-stdin
        """
        from goodwill.service import team

        password = _password(password_stdin)
        with workspace_session(ctx) as ws:
            team.reset_password(ws.store, ws.actor, name, password)
        out.print(f"New password set for {name}.", highlight=False)

    @token_app.command("create")
    def token_create(
        ctx: typer.Context,
        user: Annotated[str, typer.Argument(help="The user the token acts as (its owner).")],
        name: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")],
    ) -> None:
        """Create an API token for a user and print it (once). The audit log records you as
        the one who made it, for its owner.

        Example:

            goodwill users token create alice --name "CRM sync"
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            token, info = team.create_token(ws.store, ws.actor, name, owner=user)
        err.print(f"Token {info['id']} for {info['owner']} ({info['name']}); it is not shown again:", highlight=False)
        sys.stdout.write(token + "\n")

    @token_app.command("list")
    def token_list(
        ctx: typer.Context,
        user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's tokens.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
    ) -> None:
        """List API tokens, newest first (never the tokens themselves).

        Example:

            goodwill users token list --user alice
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            rows = team.list_tokens(ws.store, ws.actor, owner=user, everyone=user is None)
        if as_json:
            for t in rows:
                sys.stdout.write(json.dumps(t, ensure_ascii=False) + "\n")
            return
        table = Table()
        for col in ("id", "owner", "name", "starts", "created", "last used", "state"):
            table.add_column(col)
        for t in rows:
            state = f"revoked {t['revoked_at']}" if t["revoked_at"] else "active"
            table.add_row(str(t["id"]), t["owner"], t["name"], t["prefix"] + "…", t["created_at"] or "",
                          t["last_used_at"] or "", state)
        out.print(table)

    @token_app.command("revoke")
    def token_revoke(
        ctx: typer.Context,
        token_id: Annotated[int, typer.Argument(help="The token's id (see `goodwill users token list`).")],
    ) -> None:
        """Revoke an API token.

        Example:

            goodwill users token revoke 3
        """
        from goodwill.service import team

        with workspace_session(ctx) as ws:
            team.revoke_token(ws.store, ws.actor, token_id)
        out.print(f"Token {token_id} revoked.")

    @audit_app.command("export")
    def audit_export(
        ctx: typer.Context,
        format: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "jsonl",
    ) -> None:
        """Write the whole audit log to standard output, oldest first. In CSV, a cell that a
        spreadsheet would run as a formula (starting with = + - @) starts with ' instead.

        Example:

            goodwill audit export --format csv > audit.csv
        """
        from goodwill.service import audit

        if format not in audit.FORMATS:
            raise fail(ConfigError(f"--format {format!r}: choose csv or jsonl"))
        with workspace_session(ctx) as ws:
            for chunk in audit.export_text(audit.export_audit(ws.store, ws.actor), format):
                sys.stdout.write(chunk)

    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")

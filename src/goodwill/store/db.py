"""Opening the store: engine, connection settings and migrations."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from goodwill.errors import StoreError, WorkspaceError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: The databases Goodwill runs on.
SUPPORTED = ("sqlite", "postgresql")
_USE = "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


@dataclass
class Store:
    """An open store. `engine` is shared; use `begin()` for a transaction."""

    engine: Engine
    url: str

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def connect(self) -> Connection:
        """A connection of its own, for work that spans several transactions (imports, streams)."""
        return self.engine.connect()

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is there already)."""
        from alembic import command  # imported when used: commands that open no store start faster

        with self.engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def is_current(self) -> bool:
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        return current == ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def close(self) -> None:
        self.engine.dispose()


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Goodwill's connection settings (WAL and friends on SQLite)."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

    return engine


def private_sqlite_files(path: Path, *, create: bool) -> None:
    """Keep the store readable by its owner only (it holds password hashes and the
    cookie-signing secret): with `create`, the workspace directory becomes 0700 and the
    database file is made 0600 before SQLite opens it; SQLite gives the `-wal` and `-shm`
    files it makes later the database file's mode. An existing store that others can
    read is tightened when opened."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if part.stat().st_mode & 0o077:
                os.chmod(part, 0o600)
        except OSError:  # not there (yet), or not ours to change
            continue


def open_store(url: str, *, create: bool = False, **engine_kwargs: Any) -> Store:
    """Open the store at `url`; with `create`, make and migrate it first.

    :param url: a SQLAlchemy URL (sqlite:///path or postgresql+psycopg://...)
    :param create: create the SQLite file's directory and run migrations
    """
    if url.startswith("sqlite:///") and not create:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise WorkspaceError(
                f"no workspace store at {path.parent}: run `goodwill init` (or `goodwill demo`) first"
            )
    if url.startswith("sqlite:///"):
        private_sqlite_files(Path(url.removeprefix("sqlite:///")), create=create)
    with translated(url):
        store = Store(create_store_engine(url, **engine_kwargs), url)
        try:
            if create or not store.is_current():
                store.migrate()
        except BaseException:
            store.close()
            raise
    return store


def shown_url(url: str) -> str:
    """`url` fit to show: its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: mask anything between :// and @
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _cause(exc: BaseException) -> str:
    """The driver's reason for a failure, in one line."""
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    text = lines[0] if lines else type(inner).__name__
    # psycopg names the server before the reason: keep the reason.
    return text.removeprefix("connection failed: ")


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Turn the driver's and SQLAlchemy's failures to open a database into a
    one-line StoreError naming the database (never its password)."""
    where = shown_url(url)
    try:
        parsed = make_url(url)
        _ = parsed.port  # a port that is not a number fails here
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"bad database URL {where!r}: {_cause(exc)}") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise StoreError(f"unsupported database URL scheme {parsed.drivername!r} in {where}: {_USE}")
    try:
        yield
    except (sa_exc.NoSuchModuleError, ImportError) as exc:
        scheme = url.split("://", 1)[0]
        raise StoreError(f"unsupported database URL scheme {scheme!r} in {where}: {_USE}") from exc
    except sa_exc.ArgumentError as exc:
        raise StoreError(f"bad database URL {where!r}: {_cause(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        raise StoreError(f"cannot open the database {where}: {_cause(exc)}") from exc
    except (sa_exc.SQLAlchemyError, ValueError) as exc:
        raise StoreError(f"cannot open the database {where}: {_cause(exc)}") from exc

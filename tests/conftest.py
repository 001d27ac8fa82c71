"""Fixtures: a fresh store on SQLite and on PostgreSQL for every store test.

PostgreSQL tests use GOODWILL_TEST_POSTGRES_URL (default: the local server's
`test` database) and a schema of their own that is dropped afterwards. When
no server answers they skip, except with CI=true, where they fail. Tests
that read `../shared/data` (beside the checkout) do the same when it is
missing: `require_shared_data()` or the `shared_data` fixture.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

# The commands' output is checked as a pipe gives it: not wrapped. pytest-xdist's workers inherit a COLUMNS
# of 80, which the consoles would take as the width asked for; drop it before the consoles are made.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

from goodwill.config import Settings
from goodwill.domain import Workspace
from goodwill.service.workspace import init_workspace
from goodwill.store import Store

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "GOODWILL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_checked: bool | None = None
DOCS = Path(__file__).resolve().parents[1] / "docs"
SCREENSHOTS = DOCS / "screenshots"
_DOCS_BEFORE = pytest.StashKey[dict[str, bytes]]()


def _docs_state() -> dict[str, bytes]:
    return {p.relative_to(DOCS).as_posix(): hashlib.sha256(p.read_bytes()).digest() for p in DOCS.rglob("*") if p.is_file()}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_DOCS_BEFORE] = _docs_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test run leaves docs/ as it found it (unless asked to refresh the screenshots): else it fails."""
    if session.config.getoption("--refresh-screenshots") or _DOCS_BEFORE not in session.config.stash:
        return
    before, after = session.config.stash[_DOCS_BEFORE], _docs_state()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", f"the test run changed files in docs/: {', '.join(changed)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--refresh-screenshots",
        action="store_true",
        help="browser tests save their screenshots to docs/screenshots (by default: a temporary folder)",
    )


@pytest.fixture(scope="session")
def screenshot_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where browser tests save screenshots: a temporary folder, or docs/screenshots with --refresh-screenshots."""
    if request.config.getoption("--refresh-screenshots"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


def _postgres_available() -> bool:
    global _pg_checked
    if _pg_checked is None:
        try:
            engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _pg_checked = True
        except Exception:  # noqa: BLE001 - any failure means "not available"
            _pg_checked = False
    return _pg_checked


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs something this machine lacks; under CI=true, fail it instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if not _postgres_available():
        unavailable(f"no PostgreSQL server at {POSTGRES_URL}")


def require_shared_data(relative: str = "") -> Path:
    """The path `relative` inside ../shared/data; skips (fails under CI=true) when it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        unavailable(f"shared data not found at {path}")
    return path


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    require_postgres()
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a new workspace on each backend."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        return Settings(workspace=tmp_path / "ws", database_url=url)
    return Settings(workspace=tmp_path / "ws")


BRAND = Workspace(
    name="Halcyon Bikes",
    brand_accounts={"twitter": ["halcyonbikes"], "mastodon": ["halcyon@bikes.example"]},
    keywords=["halcyon"],
    competitors=["Vantor"],
)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A migrated store holding an empty workspace for a fictional brand."""
    s = init_workspace(settings, BRAND)
    yield s
    s.close()


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()

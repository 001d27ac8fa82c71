"""Every Alembic migration's upgrade and downgrade round-trip, on SQLite and PostgreSQL.

For each revision in order: upgrade to it, downgrade one step (the schema must
be exactly what it was before the upgrade), and upgrade again. After the whole
walk the schema must equal the one a straight `upgrade head` builds. New
revisions are covered as soon as they are added.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from goodwill.store.db import _alembic_config, create_store_engine
from tests.conftest import fresh_pg_schema

Schema = dict[str, Any]


def _revisions() -> list[str]:
    """Every revision id, oldest first (the history must be one line)."""
    script = ScriptDirectory.from_config(_alembic_config())
    assert len(script.get_heads()) == 1, f"migrations have several heads: {script.get_heads()}"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture
def engine(url: str) -> Iterator[sa.Engine]:
    engine = create_store_engine(url)
    yield engine
    engine.dispose()


def _run(engine: sa.Engine, step: str, target: str) -> None:
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        if step == "upgrade":
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)


def _schema(engine: sa.Engine) -> Schema:
    """Tables, columns, keys, indexes and constraints as inspection sees them, plus triggers and functions."""
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        schema: Schema = {}
        for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
            columns = [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")), str(c.get("computed")))
                for c in insp.get_columns(table)
            ]
            indexes = sorted(
                (i["name"] or "", tuple(str(c) for c in i["column_names"]),
                 tuple(" ".join(str(e).split()) for e in i.get("expressions") or ()), bool(i["unique"]))
                for i in insp.get_indexes(table)
            )
            foreign_keys = sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]),
                 str(fk.get("options")))
                for fk in insp.get_foreign_keys(table)
            )
            uniques = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table))
            checks = sorted(" ".join(str(c["sqltext"]).split()) for c in insp.get_check_constraints(table))
            schema[f"table {table}"] = {
                # column order is not compared: SQLite's batch mode may rebuild a table in another order
                "columns": sorted(columns),
                "primary key": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
                "indexes": indexes,
                "foreign keys": foreign_keys,
                "unique": uniques,
                "checks": checks,
            }
        for view in sorted(insp.get_view_names()):
            schema[f"view {view}"] = " ".join(str(insp.get_view_definition(view)).split())
        if engine.dialect.name == "sqlite":
            rows = conn.execute(sa.text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
            for name, table, sql in rows:
                schema[f"trigger {name}"] = (table, " ".join(sql.split()))
        else:
            rows = conn.execute(sa.text(
                "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
            ))
            for name, table, definition in rows:
                schema[f"trigger {name}"] = (table, definition)
            rows = conn.execute(sa.text(
                "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
            ))
            for name, definition in rows:
                schema[f"function {name}"] = definition
            rows = conn.execute(sa.text(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
            ))
            for (name,) in rows:
                schema[f"sequence {name}"] = True
            rows = conn.execute(sa.text(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                " WHERE n.nspname = current_schema() AND t.typtype = 'e'"
            ))
            for (name,) in rows:
                schema[f"enum {name}"] = True
    return schema


def _differences(expected: Schema, got: Schema) -> list[str]:
    """What differs, one line per object (and per part of a table)."""
    lines = [f"missing {key}" for key in expected if key not in got]
    lines += [f"unexpected {key}" for key in got if key not in expected]
    for key in expected.keys() & got.keys():
        want, have = expected[key], got[key]
        if want == have:
            continue
        if not isinstance(want, dict):
            lines.append(f"{key}: {want!r} became {have!r}")
            continue
        for part in want:
            if want[part] == have[part]:
                continue
            if isinstance(want[part], list):
                lost = [x for x in want[part] if x not in have[part]]
                extra = [x for x in have[part] if x not in want[part]]
                lines.append(f"{key}, {part}: missing {lost}, unexpected {extra}")
            else:
                lines.append(f"{key}, {part}: {want[part]!r} became {have[part]!r}")
    return sorted(lines)


def _same(expected: Schema, got: Schema, what: str) -> None:
    differences = _differences(expected, got)
    if differences:
        pytest.fail(f"{what} left a different schema:\n" + "\n".join(differences), pytrace=False)


def test_history_is_one_line() -> None:
    revisions = _revisions()
    assert revisions[0] == "0001" and len(revisions) == len(set(revisions))


def test_every_migration_round_trips(engine: sa.Engine, tmp_path: Path) -> None:
    revisions = _revisions()
    before = _schema(engine)  # empty
    for revision, previous in zip(revisions, ["base", *revisions[:-1]], strict=True):
        _run(engine, "upgrade", revision)
        after = _schema(engine)
        _run(engine, "downgrade", previous)
        _same(before, _schema(engine), f"downgrading {revision} to {previous} ({engine.dialect.name})")
        _run(engine, "upgrade", revision)
        _same(after, _schema(engine), f"upgrading to {revision} again ({engine.dialect.name})")
        before = after

    # the same as one straight upgrade on a fresh database
    with ExitStack() as stack:
        if engine.dialect.name == "sqlite":
            fresh = create_store_engine(f"sqlite:///{tmp_path / 'straight.db'}")
        else:
            fresh = create_store_engine(stack.enter_context(fresh_pg_schema()))
        stack.callback(fresh.dispose)
        _run(fresh, "upgrade", "head")
        straight = _schema(fresh)
    _same(straight, _schema(engine), f"the walk up and down ({engine.dialect.name}), beside a straight upgrade,")
    assert straight["table messages"]["columns"]  # the comparison saw the real tables

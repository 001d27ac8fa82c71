"""The stages bulk case opening reads (`store.said_series`, one row per person kept as messages are written) are
the stages a person's own history (`store.people.history`, as their profile reads it) gives, on a real store
(SQLite and PostgreSQL) filled by the demo's synthetic generator; and the rows stay what a rebuild from the
stored messages gives through every write that changes them: import in any order, the brand's answers,
signals written again, posts deleted on their platform, forgetting a person, retention, merging and splitting people."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from goodwill.demo.synth import write_jsonl
from goodwill.domain.people import SaidSeries
from goodwill.domain.sources import Deletion
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import StreamWriter, import_file
from goodwill.people import stage_from, stage_of
from goodwill.service import people as people_service
from goodwill.service import privacy
from goodwill.service.workspace import operator
from goodwill.store import Connection, Store, said_series
from goodwill.store.people import history, said_histories
from goodwill.store.signals import COLUMNS, write_signals
from goodwill.store.tables import accounts, message_signals, messages

START = datetime(2026, 8, 1, tzinfo=UTC)


def _owned(conn: Connection) -> dict[int, list[int]]:
    owned: dict[int, list[int]] = {}
    for a in conn.execute(select(accounts.c.id, accounts.c.person_id).where(~accounts.c.is_brand,
                                                                          accounts.c.person_id.is_not(None))):
        owned.setdefault(int(a.person_id), []).append(int(a.id))
    return owned


def assert_rows_as_rebuilt(store: Store) -> int:
    """Every person's kept row is the row their stored messages give; returns how many people have one."""
    with store.begin() as conn:
        people = sorted(_owned(conn))
        kept = said_series.read(conn, people)
        rebuilt = {p: SaidSeries.of(h.said) for p, h in said_histories(conn, people, brand=False).items() if h.said}
        extra = {int(p) for (p,) in conn.execute(select(said_series.said_series.c.person_id))} - set(people)
    assert not extra, f"rows of people who are gone: {sorted(extra)[:5]}"
    assert kept.keys() == rebuilt.keys()
    for person, series in rebuilt.items():
        assert kept[person] == series, person
    return len(kept)


def test_kept_stages_match_each_persons_own_history(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 1500, seed=7, start=START, days=120)
    import_file(store, path, ImportOptions(format="jsonl"), batch_size=500)
    assert assert_rows_as_rebuilt(store) > 100
    with store.begin() as conn:
        owned = _owned(conn)
        kept = said_series.read(conn, sorted(owned))
        seen: Counter[str] = Counter()
        compared = 0
        for person, account_ids in owned.items():
            own = history(conn, account_ids)
            if not own.said:
                assert person not in kept
                continue
            # As of each of their messages (as a case opening reads it), and at later times the rules turn on.
            moments = [s.at for s in own.said] + [own.said[-1].at + timedelta(days=d) for d in (1, 3, 31, 91)]
            moments += [own.said[0].at - timedelta(days=1)]
            for now in moments:
                expected = stage_of(own, now)
                assert stage_from(kept[person], now) == expected, (person, now)
                seen[expected.stage.value] += 1
                compared += 1
    assert compared > 1000
    # The generator's people reach every stage at some moment, so the comparison covers the rules.
    assert len(seen) >= 5, seen


def test_rows_follow_arrival_in_any_order(store: Store, tmp_path: Path) -> None:
    """Replies before their parents, the brand's answers before the questions: threads join up later."""
    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 900, seed=11, start=START, days=40)
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(3).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(store, shuffled, ImportOptions(format="jsonl"), batch_size=60)
    assert assert_rows_as_rebuilt(store) > 50
    with store.begin() as conn:
        waiting = sum(s.waiting.count(1) for s in said_series.read(conn, _owned(conn)).values())
        helped = sum(s.helped.count(1) for s in said_series.read(conn, _owned(conn)).values())
    assert waiting and helped  # some asks are still unanswered, some replies helped others: both were decided


def test_rows_follow_signals_deletions_and_erasure(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 800, seed=5, start=START, days=30)
    import_file(store, path, ImportOptions(format="jsonl"), batch_size=200)
    actor = operator()
    with store.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(message_signals).order_by(message_signals.c.message_id))]
    # Signals written again (the accurate pass, enrich, an edit): questions become praise and the other way.
    changed = []
    for r in rows[::7]:
        r["intent"] = "praise" if r["intent"] in ("question", "complaint") else "question"
        r["sentiment"] = "positive" if r["intent"] == "praise" else "negative"
        changed.append([r["message_id"], *(json.dumps(r[c]) if isinstance(r[c], (dict, list)) else r[c] for c in COLUMNS)])
    with store.begin() as conn:
        write_signals(conn, changed)
    assert assert_rows_as_rebuilt(store) > 50
    # Posts deleted on their platform: questions, parents of replies, the brand's answers.
    with store.begin() as conn:
        gone = list(conn.execute(select(messages.c.platform, messages.c.platform_id).where(
            sa.or_(messages.c.id % 9 == 0, sa.and_(messages.c.is_brand, messages.c.id % 2 == 0)))))
    with StreamWriter(store, "listen:test") as writer:
        writer.write([], deletions=[Deletion(p, pid, START + timedelta(days=40)) for p, pid in gone])
    assert assert_rows_as_rebuilt(store) > 50
    # Merging two people and splitting them again, forgetting one, retention.
    with store.begin() as conn:
        busiest = [int(p) for p, _ in conn.execute(
            select(accounts.c.person_id, sa.func.count()).select_from(messages.join(accounts, accounts.c.id == messages.c.account_id))
            .where(~accounts.c.is_brand).group_by(accounts.c.person_id).order_by(sa.func.count().desc()).limit(3))]
    people_service.merge(store, actor, busiest[0], busiest[1])
    assert assert_rows_as_rebuilt(store) > 50
    with store.begin() as conn:
        moved = [int(a) for (a,) in conn.execute(select(accounts.c.id).where(accounts.c.person_id == busiest[0]))]
    people_service.split(store, actor, busiest[0], moved[-1])
    assert assert_rows_as_rebuilt(store) > 50
    privacy.forget(store, actor, busiest[2])
    assert assert_rows_as_rebuilt(store) > 50
    privacy.set_retention(store, actor, 20)
    privacy.apply_retention(store, actor, now=START + timedelta(days=35))
    assert assert_rows_as_rebuilt(store) > 10


def test_rebuilding_everyone_fills_the_table(store: Store, tmp_path: Path) -> None:
    """What migration 0016 does for a workspace that has messages already."""
    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 400, seed=2, start=START, days=30)
    import_file(store, path, ImportOptions(format="jsonl"), batch_size=400)
    with store.begin() as conn:
        before = said_series.read(conn, _owned(conn))
        conn.execute(sa.delete(said_series.said_series))
        assert said_series.read(conn, _owned(conn)) == {}
        assert said_series.rebuild_everyone(conn) == len(before)
        assert said_series.read(conn, _owned(conn)) == before


def test_migration_0016_fills_the_table_for_a_workspace_with_messages(store: Store, tmp_path: Path) -> None:
    """Down to 0017 (no table) and up again: the migration fills every person's row from the stored messages."""
    from alembic import command

    from goodwill.store.db import _alembic_config

    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 300, seed=4, start=START, days=30)
    import_file(store, path, ImportOptions(format="jsonl"), batch_size=300)
    with store.begin() as conn:
        before = said_series.read(conn, _owned(conn))
    assert len(before) > 20
    for step, target in (("downgrade", "0017"), ("upgrade", "head")):
        with store.engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            getattr(command, step)(cfg, target)
            if step == "downgrade":
                assert "said_series" not in sa.inspect(conn).get_table_names()
    with store.begin() as conn:
        assert said_series.read(conn, _owned(conn)) == before

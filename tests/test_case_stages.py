"""The stages bulk case opening reads (`store.people.said_histories`, many people at once, only what a stage
needs) are the stages a person's own history (`store.people.history`, as their profile reads it) gives, on a
real store (SQLite and PostgreSQL) filled by the demo's synthetic generator."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from goodwill.demo.synth import write_jsonl
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.people import stage_of
from goodwill.store import Store
from goodwill.store.people import history, said_histories
from goodwill.store.tables import accounts

START = datetime(2026, 8, 1, tzinfo=UTC)


def test_bulk_stages_match_each_persons_own_history(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "messages.jsonl"
    write_jsonl(path, 1500, seed=7, start=START, days=120)
    import_file(store, path, ImportOptions(format="jsonl"), batch_size=500)
    with store.begin() as conn:
        owned: dict[int, list[int]] = {}
        for a in conn.execute(select(accounts.c.id, accounts.c.person_id).where(~accounts.c.is_brand,
                                                                              accounts.c.person_id.is_not(None))):
            owned.setdefault(int(a.person_id), []).append(int(a.id))
        bulk = said_histories(conn, sorted(owned))
        seen: Counter[str] = Counter()
        compared = 0
        for person, account_ids in owned.items():
            own = history(conn, account_ids)
            if not own.said:
                assert person not in bulk
                continue
            assert [s.id for s in bulk[person].said] == [s.id for s in own.said]
            # As of each of their messages (as a case opening reads it), and at later times the rules turn on.
            moments = [s.at for s in own.said] + [own.said[-1].at + timedelta(days=d) for d in (1, 3, 31, 91)]
            for now in moments:
                expected = stage_of(own, now)
                assert stage_of(bulk[person], now) == expected, (person, now)
                seen[expected.stage.value] += 1
                compared += 1
    assert compared > 1000
    # The generator's people reach every stage but one at some moment, so the comparison covers the rules.
    assert len(seen) >= 5, seen

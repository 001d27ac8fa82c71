"""Importing files into the store, on SQLite and PostgreSQL: threads,
accounts, interactions, idempotency, atomic failure and resumption."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from goodwill.config import Settings
from goodwill.errors import FieldError, ImportFileError
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import import_file
from goodwill.service.search import search_messages
from goodwill.service.workspace import init_workspace, operator, workspace_status
from goodwill.store import Store
from goodwill.store.tables import accounts, ingest_runs, interactions, messages, people, threads
from goodwill.store.workspace import save_workspace
from tests.conftest import BRAND

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def rec(i: int, author: str, text: str, reply_to: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"m{i}",
        "platform": extra.pop("platform", "twitter"),
        "author": author,
        "text": text,
        "created_at": (T0 + timedelta(minutes=i)).isoformat(),
        "reply_to": f"m{reply_to}" if reply_to is not None else None,
        **extra,
    }


def counts(store: Store) -> dict[str, int]:
    with store.begin() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (messages, accounts, people, threads, interactions, ingest_runs)
        }


def roots(store: Store) -> dict[str, str]:
    with store.begin() as conn:
        return dict(conn.execute(sa.select(messages.c.platform_id, messages.c.thread_root_id)).all())


def assert_threads_consistent(store: Store) -> None:
    """The incrementally kept threads table equals a recount from the messages."""
    m, r = messages.alias("m"), messages.alias("r")
    with store.begin() as conn:
        recount = {
            (row[0], row[1]): tuple(row[2:])
            for row in conn.execute(
                sa.select(
                    m.c.platform,
                    m.c.thread_root_id,
                    r.c.account_id,
                    sa.func.coalesce(r.c.is_brand, False),
                    sa.func.count(),
                    sa.func.sum(sa.case((m.c.is_brand, 1), else_=0)),
                    sa.func.min(m.c.created_at),
                    sa.func.max(m.c.created_at),
                )
                .select_from(m.outerjoin(r, (r.c.platform == m.c.platform) & (r.c.platform_id == m.c.thread_root_id)))
                .group_by(m.c.platform, m.c.thread_root_id, r.c.account_id, r.c.is_brand)
            )
        }
        kept = {
            (row.platform, row.root_platform_id): (
                row.root_account_id,
                row.root_is_brand,
                row.message_count,
                row.brand_message_count,
                row.first_at,
                row.last_at,
            )
            for row in conn.execute(sa.select(threads))
        }
    norm = lambda d: {k: (v[0], bool(v[1]), v[2], v[3], str(v[4])[:19], str(v[5])[:19]) for k, v in d.items()}  # noqa: E731
    assert norm(kept) == norm(recount)


def expected_roots_from_twcs(path: Path) -> dict[str, str]:
    """Thread roots worked out independently: follow each tweet's parent chain."""
    with path.open(encoding="utf-8", newline="") as fh:
        parent = {r["tweet_id"]: r["in_response_to_tweet_id"] or None for r in csv.DictReader(fh)}
    out = {}
    for tweet in parent:
        node = tweet
        while parent.get(node):
            node = parent[node]
        out[tweet] = node
    return out


READERS = pytest.mark.parametrize("parallel_bytes", [1 << 30, 0], ids=["inline", "reader-process"])


@READERS
def test_twcs_import_rebuilds_threads_brand_and_people(store: Store, shared_data: Path, parallel_bytes: int) -> None:
    path = shared_data / "twcs" / "twcs_head5000.csv"
    with store.begin() as conn:  # the workspace serves two of the file's many companies
        save_workspace(conn, dataclasses.replace(BRAND, brand_accounts={"twitter": ["sprintcare", "AppleSupport"]}))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ours = sum(1 for r in rows if r["author_id"] in ("sprintcare", "AppleSupport"))
    assert 0 < ours < sum(1 for r in rows if r["inbound"] == "False")
    report = import_file(store, path, ImportOptions(), batch_size=700, parallel_bytes=parallel_bytes)
    assert (report.format, report.records, report.added) == ("twcs", 5000, 5000)
    assert roots(store) == expected_roots_from_twcs(path)
    assert_threads_consistent(store)
    expected = expected_roots_from_twcs(path)
    c = counts(store)
    assert c["messages"] == 5000
    assert c["threads"] == len(set(expected.values()))
    assert c["people"] == c["accounts"]
    with store.begin() as conn:
        # Only the workspace's own accounts write as the brand, not every company in the file.
        assert conn.execute(sa.select(sa.func.count()).where(messages.c.is_brand)).scalar_one() == ours
        brand_handles = set(conn.execute(sa.select(accounts.c.handle).where(accounts.c.is_brand)).scalars())
        assert brand_handles == {"AppleSupport", "sprintcare"}
        # tweet 2 (customer 115712) replies to tweet 1 (sprintcare): a reply edge and a mention edge
        edges = set(
            conn.execute(
                sa.select(interactions.c.kind, accounts.c.handle)
                .join(messages, messages.c.id == interactions.c.message_id)
                .join(accounts, accounts.c.id == interactions.c.target_account_id)
                .where(messages.c.platform_id == "2")
            ).all()
        )
        assert edges == {("reply", "sprintcare"), ("mention", "sprintcare")}


def test_reimport_adds_nothing(store: Store, tmp_path: Path) -> None:
    records = [rec(1, "ana", "hello @halcyonbikes #ebike"), rec(2, "halcyonbikes", "@ana hi!", 1)]
    path = write_jsonl(tmp_path / "a.jsonl", records)
    first = import_file(store, path, ImportOptions())
    before = counts(store)
    again = import_file(store, path, ImportOptions())
    assert (first.added, again.added, again.already_imported) == (2, 0, True)
    # the same content with a different fingerprint is read again and still adds nothing
    write_jsonl(tmp_path / "b.jsonl", list(reversed(records)))
    third = import_file(store, tmp_path / "b.jsonl", ImportOptions())
    assert (third.records, third.added, third.already_imported) == (2, 0, False)
    after = counts(store)
    assert {k: v for k, v in after.items() if k != "ingest_runs"} == {
        k: v for k, v in before.items() if k != "ingest_runs"
    }


def test_overlapping_files_add_only_new_and_join_threads(store: Store, tmp_path: Path) -> None:
    records = [rec(0, "ana", "root question @halcyonbikes")]
    records += [rec(i, "halcyonbikes" if i % 2 else "ana", f"turn {i}", i - 1) for i in range(1, 40)]
    # the later part (replies) arrives first; the files overlap on 10 records
    late = write_jsonl(tmp_path / "late.jsonl", records[20:])
    early = write_jsonl(tmp_path / "early.jsonl", records[:30])
    assert import_file(store, late, ImportOptions(), batch_size=7).added == 20
    assert len(set(roots(store).values())) == 1  # one thread so far, rooted at the missing m19
    assert import_file(store, early, ImportOptions(), batch_size=7).added == 20
    r = roots(store)
    assert len(r) == 40 and set(r.values()) == {"m0"}
    assert_threads_consistent(store)
    with store.begin() as conn:
        t = conn.execute(sa.select(threads)).mappings().all()
        assert len(t) == 1
        assert (t[0]["root_platform_id"], t[0]["message_count"], t[0]["brand_message_count"]) == ("m0", 40, 20)
        assert not t[0]["root_is_brand"]
        n_reply = conn.execute(
            sa.select(sa.func.count()).where(interactions.c.kind == "reply")
        ).scalar_one()
        assert n_reply == 39  # every turn answers the other author, whatever arrived first


def test_reply_before_parent_in_one_file(store: Store, tmp_path: Path) -> None:
    chain = [rec(i, f"user{i % 3}", f"msg {i}", i - 1 if i else None) for i in range(12)]
    import_file(store, write_jsonl(tmp_path / "rev.jsonl", list(reversed(chain))), ImportOptions(), batch_size=4)
    assert set(roots(store).values()) == {"m0"}
    assert_threads_consistent(store)
    with store.begin() as conn:
        assert conn.execute(sa.select(threads.c.message_count)).scalars().all() == [12]
        first_seen = dict(conn.execute(sa.select(accounts.c.handle, accounts.c.first_seen_at)).all())
    # accounts remember their earliest message, though the file runs backwards
    assert first_seen == {f"user{i}": T0 + timedelta(minutes=i) for i in range(3)}


@READERS
def test_malformed_file_leaves_store_unchanged(store: Store, tmp_path: Path, parallel_bytes: int) -> None:
    import_file(store, write_jsonl(tmp_path / "good.jsonl", [rec(1, "ana", "fine")]), ImportOptions())
    before = counts(store)
    good = [rec(i, "bob", f"message {i}") for i in range(2, 60)]
    bad = good[:40] + [{**rec(99, "bob", "x"), "created_at": "the day after tomorrow"}] + good[40:]
    path = write_jsonl(tmp_path / "bad.jsonl", bad)
    with pytest.raises(ImportFileError) as info:
        import_file(store, path, ImportOptions(), batch_size=5, parallel_bytes=parallel_bytes)
    assert str(info.value).startswith(f"{path}, line 41, field 'created_at'")
    assert counts(store) == before


@READERS
def test_interrupted_import_resumes_without_loss_or_duplicates(
    store: Store, settings: Settings, tmp_path: Path, parallel_bytes: int
) -> None:
    records = [rec(0, "ana", "start")] + [
        rec(i, f"user{i % 17}", f"@halcyonbikes note {i} @user{(i * 7) % 17}", (i * 5) // 7) for i in range(1, 300)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", list(reversed(records)))
    batches = 0

    def crash(_n: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(store, path, ImportOptions(), batch_size=50, progress=crash, parallel_bytes=parallel_bytes)
    committed = counts(store)["messages"]
    if parallel_bytes:
        assert committed == 150  # the file was checked first, so every batch committed
    else:
        # a batch commits only once the reading process has vouched for the whole file
        assert committed in (0, 50, 100, 150)
    status = workspace_status(store)
    assert [r["records_done"] for r in status["incomplete_imports"]] == ([committed] if committed else [])
    resumed = import_file(store, path, ImportOptions(), batch_size=50, parallel_bytes=parallel_bytes)
    assert (resumed.resumed_from, resumed.added) == (committed, 300 - committed)
    assert workspace_status(store)["incomplete_imports"] == []
    # the result equals an import that never stopped
    reference = init_workspace(Settings(workspace=tmp_path / "ref"), BRAND)
    import_file(reference, path, ImportOptions(), batch_size=50)
    assert roots(store) == roots(reference)
    assert_threads_consistent(store)
    ours, theirs = counts(store), counts(reference)
    for table in ("messages", "accounts", "people", "threads", "interactions"):
        assert ours[table] == theirs[table], table
    reference.close()


def test_brand_recognised_from_workspace_accounts(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "b.jsonl",
        [
            rec(1, "HalcyonBikes", "Winter tip: keep the battery indoors https://halcyonbikes.example/help"),
            rec(2, "@halcyon@bikes.example", "Hello fediverse", platform="mastodon"),
            rec(3, "halcyonbikes", "not the brand on this platform", platform="bluesky"),
            rec(4, "ana", "a customer says hi @HALCYONBIKES"),
        ],
    )
    import_file(store, path, ImportOptions())
    with store.begin() as conn:
        brand = dict(conn.execute(sa.select(messages.c.platform_id, messages.c.is_brand)).all())
        mentioned = conn.execute(
            sa.select(accounts.c.is_brand, accounts.c.account_key).where(accounts.c.platform == "twitter")
        ).all()
    assert brand == {"m1": True, "m2": True, "m3": False, "m4": False}
    assert set(mentioned) == {(True, "@halcyonbikes"), (False, "@ana")}
    assert workspace_status(store)["brand_messages"] == 2


def test_status_counts_answered_and_unanswered(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            rec(1, "ana", "Where is my order? @halcyonbikes"),
            rec(2, "halcyonbikes", "@ana It ships Monday: https://halcyonbikes.example/track", 1),
            rec(3, "bob", "My brakes squeal @halcyonbikes"),
            rec(4, "cy", "same here @bob", 3),
            rec(5, "halcyonbikes", "Our winter battery guide"),
            rec(6, "dee", "Great ride today", platform="mastodon"),
        ],
    )
    import_file(store, path, ImportOptions())
    data = workspace_status(store)
    for key in ("messages", "threads", "accounts", "people", "interactions", "brand_messages"):
        assert isinstance(data[key], int)
    assert (data["messages"], data["brand_messages"], data["threads"]) == (6, 2, 4)
    assert (data["customer_threads"], data["answered_threads"], data["unanswered_threads"]) == (3, 1, 2)
    assert data["by_platform"] == {
        "mastodon": {"messages": 1, "brand_messages": 0},
        "twitter": {"messages": 5, "brand_messages": 2},
    }
    assert data["by_day"] == {"2026-10-01": {"mastodon": 1, "twitter": 5}}
    assert data["interactions"] == 6  # 3 mentions of the brand, 1 of bob, 2 replies


def test_search_full_text(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [
            rec(1, "ana", "My battery range dropped in the cold"),
            rec(2, "bob", "Refunds take forever, still waiting for my refund"),
            rec(3, "cy", "Batteries are fine but the app login loops"),
            rec(4, "dee", "¿Dónde está mi bicicleta? 🚲"),
        ],
    )
    import_file(store, path, ImportOptions())

    def ids(q: str, **kw: Any) -> list[str]:
        return [r["platform_id"] for r in search_messages(store, operator(), q, **kw)]

    assert set(ids("battery")) == {"m1", "m3"}  # stemmed: "Batteries" matches too
    assert ids("refund") == ["m2"]
    assert ids("app login") == ["m3"]
    assert ids("\"range dropped\"") == ["m1"]
    assert ids("login cold") == []
    assert ids("bicicleta") == ["m4"]
    assert set(ids("m* OR refund", limit=10)) <= {"m1", "m2", "m3", "m4"}
    for hostile in ['"', "AND(", "*", "-", "NEAR(", "'; DROP TABLE messages; --"]:
        search_messages(store, operator(), hostile)  # no syntax error reaches the user
    for empty in ("", "   "):
        with pytest.raises(FieldError, match="query"):
            search_messages(store, operator(), empty)
    assert counts(store)["messages"] == 4


def test_unicode_long_and_empty_texts_round_trip(store: Store, tmp_path: Path) -> None:
    texts = {
        "m1": "Loving it 🚲⚡️👍🏽 — naïve café, 日本語, עברית",
        "m2": "x" * 100_000,
        "m3": "",
        "m4": "line one\nline two\r\n\ttabbed",
    }
    records = [rec(int(k[1:]), "ana", t) for k, t in texts.items()]
    records.append({**rec(5, "ana", "nul\x00inside"), "author_name": "Ana \x00 B"})
    import_file(store, write_jsonl(tmp_path / "u.jsonl", records), ImportOptions())
    with store.begin() as conn:
        stored = dict(conn.execute(sa.select(messages.c.platform_id, messages.c.text)).all())
    assert {k: stored[k] for k in texts} == texts
    assert stored["m5"] == "nulinside"


SCRIPT = """
import sys
from goodwill.cli.main import main
sys.argv = ["goodwill", *sys.argv[1:]]
main()
"""


def test_killed_import_resumes(settings: Settings, tmp_path: Path) -> None:
    """A real crash: the import process is killed with SIGKILL mid-way, then run again."""
    init_workspace(settings, BRAND).close()
    n = 15_000  # big enough that writing outlasts the reading process's check
    records = [rec(i, f"user{i % 101}", f"@halcyonbikes message {i}", i // 2 if i else None) for i in range(n)]
    path = write_jsonl(tmp_path / "kill.jsonl", records)
    env = {
        **os.environ,
        "GOODWILL_WORKSPACE": str(settings.workspace),
        "GOODWILL_IMPORT_BATCH_SIZE": "100",
        "GOODWILL_IMPORT_PARALLEL_BYTES": "0",  # read by a second process, as big files are
        # Signals make the reading process the slower one, so the writer would
        # wait for its verdict and commit everything at once: nothing to kill.
        "GOODWILL_IMPORT_SIGNALS": "false",
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    if settings.database_url:
        env["GOODWILL_DATABASE_URL"] = settings.database_url
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, "import", str(path)], env=env)
    store = Store(sa.create_engine(settings.resolved_database_url()), "")
    try:
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            with store.begin() as conn:
                done = conn.execute(sa.select(sa.func.max(ingest_runs.c.records_done))).scalar() or 0
            if done > 0:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert 0 < counts(store)["messages"] < n
        assert list((tmp_path / "tmp").iterdir()) == []  # the spool left nothing behind
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, "import", str(path)], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "resumed after record" in result.stdout
        assert counts(store)["messages"] == n
        assert set(roots(store).values()) == {"m0"}
    finally:
        if proc.poll() is None:
            proc.kill()
        store.engine.dispose()


def test_threads_stay_consistent_in_any_arrival_order(store: Store, tmp_path: Path) -> None:
    """Many threads, shuffled, split over overlapping files and small batches."""
    import random

    rng = random.Random(3)
    records = []
    for i in range(400):
        parent = rng.randrange(i) if i and rng.random() < 0.7 else None
        author = "halcyonbikes" if rng.random() < 0.3 else f"user{rng.randrange(30)}"
        records.append(rec(i, author, f"message {i} @user{rng.randrange(30)}", parent))
    rng.shuffle(records)
    for part, (lo, hi) in enumerate(((0, 150), (100, 300), (250, 400))):
        import_file(store, write_jsonl(tmp_path / f"p{part}.jsonl", records[lo:hi]), ImportOptions(), batch_size=13)
        assert_threads_consistent(store)
    assert counts(store)["messages"] == 400
    expected = {}
    parents = {r["id"]: r["reply_to"] for r in records}
    for node in parents:
        root = node
        while parents.get(root):
            root = parents[root]
        expected[node] = root
    assert roots(store) == expected

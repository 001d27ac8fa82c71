"""The case list read in its order off `ix_cases_list_order` (SQLite and PostgreSQL): the same cases, in the
same order, as sorting every matching case would give, whatever the statuses, team and assignee; the count
a page shows stops at its cap; and on SQLite the first page is read off the index without a sort."""

from __future__ import annotations

import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, event, text

from goodwill.config import Settings
from goodwill.domain.team import Actor, Origin, Role
from goodwill.ingest.readers import ImportOptions
from goodwill.service import cases, team
from goodwill.service.imports import import_path
from goodwill.store import Store
from goodwill.store import cases as case_store
from goodwill.store.tables import cases as case_table
from goodwill.web.app import create_app

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
STATUSES = ("new", "open", "waiting", "resolved", "closed")


def _workspace(store: Store, settings: Settings, tmp_path: Path, n: int = 90) -> list[int]:
    """`n` cases (one complaint each), then statuses, priorities (many ties), opening times, teams and
    assignees shuffled by a seeded generator."""
    path = tmp_path / "complaints.jsonl"
    path.write_text("".join(json.dumps({
        "id": f"c{i}", "platform": "twitter", "author": f"writer{i}", "reply_to": None,
        "text": "@halcyonbikes where is my order? two weeks late, this is ridiculous",
        "created_at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")}) + "\n" for i in range(n)))
    import_path(store, ADMIN, settings, path, ImportOptions())
    team.add_user(store, ADMIN, "ana", "a-long-password-1", "agent")
    with store.begin() as conn:
        ana = conn.execute(text("SELECT id FROM users WHERE username = 'ana'")).scalar_one()
        ids = [int(i) for i in conn.execute(text("SELECT id FROM cases ORDER BY id")).scalars()]
        rng = random.Random(17)
        for i in ids:
            conn.execute(text(  # the opening time as the store writes it (its column's type)
                "UPDATE cases SET status = :s, priority = :p, priority_band = 'low', opened_at = :at, team = :t,"
                " assignee_id = :a, priority_next_at = NULL WHERE id = :i").bindparams(
                    bindparam("at", type_=case_table.c.opened_at.type)),
                {"s": rng.choice(STATUSES), "p": rng.choice((10, 40, 40, 55, 55, 55, 90)),
                 "at": T0 + timedelta(hours=rng.randrange(6)),  # ties in time too
                 "t": rng.choice((None, "care", "sales")), "a": rng.choice((None, ana)), "i": i})
    assert len(ids) == n
    return ids


def _sorted_all(store: Store, statuses: list[str], team_name: str | None, assignee: str | None) -> list[int]:
    """The list as sorting every matching case gives it."""
    with store.begin() as conn:
        rows = [r._mapping for r in conn.execute(text(
            "SELECT c.id, c.status, c.priority, c.opened_at, c.team, u.username FROM cases c"
            " LEFT JOIN users u ON u.id = c.assignee_id"))]
    keep = [r for r in rows if r["status"] in statuses and (team_name is None or r["team"] == team_name)
            and (assignee is None or (r["username"] is None if assignee == "none" else r["username"] == assignee))]
    return [int(r["id"]) for r in sorted(keep, key=lambda r: (-r["priority"], str(r["opened_at"]), r["id"]))]


def test_the_list_reads_the_order_sorting_every_case_would_give(store: Store, settings: Settings, tmp_path: Path) -> None:
    _workspace(store, settings, tmp_path)
    now = T0 + timedelta(days=3)
    sizes: list[int] = []
    for status, statuses in (("active", ["new", "open", "waiting"]), ("all", list(STATUSES)), ("new", ["new"]),
                             ("resolved,open", ["resolved", "open"])):
        for team_name in (None, "care"):
            for assignee in (None, "ana", "none"):
                expected = _sorted_all(store, statuses, team_name, assignee)
                sizes.append(len(expected))
                for limit in (1, 7, 500):
                    found = cases.list_cases_counted(store, ADMIN, status=status, team=team_name, assignee=assignee,
                                                     limit=limit, count_upto=500, now=now)
                    assert [c["id"] for c in found["items"]] == expected[:limit], (status, team_name, assignee, limit)
                    assert found["total"] == len(expected)
                capped = cases.list_cases_counted(store, ADMIN, status=status, team=team_name, assignee=assignee,
                                                  limit=1, count_upto=3, now=now)
                assert capped["total"] == min(len(expected), 3)
    assert max(sizes) == 90 and sum(1 for n in sizes if n > 7) > 10
    # The listed rows carry what the list shows: the first message and its author.
    first = cases.list_cases(store, ADMIN, status="all", limit=1, now=now)[0]
    assert first["text"].startswith("@halcyonbikes where is my order") and first["author"].startswith("writer")


def test_sqlite_reads_the_first_page_off_the_index_without_sorting(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    from goodwill.service.workspace import init_workspace
    from tests.conftest import BRAND

    store = init_workspace(settings, BRAND)
    try:
        _workspace(store, settings, tmp_path, n=30)
        seen: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
            seen.append((statement, params))

        event.listen(store.engine, "before_cursor_execute", grab)
        with store.begin() as conn:
            case_store.list_cases(conn, statuses=["new", "open", "waiting"], limit=50)
            event.remove(store.engine, "before_cursor_execute", grab)
            # One statement: each status's first page read off the index, only those (at most 3 x 50) sorted.
            (statement, params), = [(s, p) for s, p in seen if "ORDER BY" in s]
            plan = [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            assert [p for p in plan if "cases" in p] == ["SEARCH cases USING COVERING INDEX ix_cases_list_order (status=?)"] * 3, plan
            assert [p for p in plan if "TEMP B-TREE" in p] == ["USE TEMP B-TREE FOR ORDER BY"] and \
                plan[-1] == "USE TEMP B-TREE FOR ORDER BY", plan
    finally:
        store.close()


def test_the_cases_page_shows_fifty_counts_on_to_five_hundred_and_pages_on(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from goodwill.service.workspace import init_workspace
    from goodwill.web.app import create_app
    from tests.conftest import BRAND
    from tests.web_helpers import csrf_of

    settings = Settings(workspace=tmp_path / "ws")
    store = init_workspace(settings, BRAND)
    try:
        _workspace(store, settings, tmp_path, n=130)
        with store.begin() as conn:
            conn.execute(text("UPDATE cases SET status = 'new', team = 'care' WHERE id % 2 = 0"))
            conn.execute(text("UPDATE cases SET status = 'open', team = NULL WHERE id % 2 = 1"))
            conn.execute(text("UPDATE cases SET status = 'closed' WHERE id % 13 = 0"))
            conn.execute(text("UPDATE cases SET priority = priority + 400, priority_band = 'high' WHERE priority > 10"))
            active = conn.execute(text("SELECT count(*) FROM cases WHERE status <> 'closed'")).scalar_one()
            care = conn.execute(text("SELECT count(*) FROM cases WHERE status <> 'closed' AND team = 'care'")).scalar_one()
            low = conn.execute(text("SELECT count(*) FROM cases WHERE status <> 'closed' AND priority_band = 'low'")
                               ).scalar_one()
        team.add_user(store, ADMIN, "bo", "a-long-password-2", "agent")
        expected = _sorted_all(store, ["new", "open", "waiting"], None, None)
    finally:
        store.close()
    assert active > 100 and care < 100 and 0 < low < 100
    with TestClient(create_app(settings)) as client:
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data={"username": "bo", "password": "a-long-password-2", "csrf_token": token},
                           follow_redirects=False).status_code == 303
        def listed(html: str) -> list[int]:
            return [int(part.split('"', 1)[0]) for part in html.split('<td><a href="/cases/')[1:]]

        def next_link(html: str) -> str | None:
            found = re.search(r'<a href="([^"]+)" rel="next">', html)
            return None if found is None else found.group(1).replace("&amp;", "&")

        page = client.get("/cases").text
        assert listed(page) == expected[:50]
        assert f"Showing the first 50 of {active}." in page
        assert page.count('class="top-case ') == 1 and f'<a href="/cases/{expected[0]}">case {expected[0]}</a>' in page
        again = client.get("/cases").text  # the rows come from kept HTML the second time: the same page
        assert again.split('<table class="cases"')[1] == page.split('<table class="cases"')[1]
        # The next links walk the whole list in order, once each, and the last page links no further.
        walked, link, pages = listed(page), next_link(page), 1
        while link is not None:
            later = client.get(link).text
            assert "top-case" not in later and "First page" in later and "Showing the first" not in later
            walked += listed(later)
            link, pages = next_link(later), pages + 1
        assert walked == expected and pages == -(-active // 50)
        assert "not a cursor this list handed out" in client.get("/cases?cursor=7.bm90LWEtY3Vyc29y").text
        care_page = client.get("/cases?team=care").text
        assert care_page.count('<td><a href="/cases/') == min(care, 50)
        assert (f"Showing the first 50 of {care}." in care_page) == (care > 50)
        low_page = client.get("/cases?band=low").text
        assert low_page.count('<td><a href="/cases/') == min(low, 50)
        assert low_page.split('<tr class="top-case ', 1)[1].split('"', 1)[0].endswith("band-low")


def test_a_priority_band_lists_its_own_cases_in_order_off_the_index(store: Store, settings: Settings,
                                                                     tmp_path: Path) -> None:
    """The band filter reads every case of the band (not only those among the most urgent), in the list's
    order, counted to the cap; the band's priority range lets SQLite seek in the index without a sort."""
    from goodwill.errors import FieldError
    from goodwill.inbox.priority import EMERGENCY, band_of

    _workspace(store, settings, tmp_path)
    edges = (EMERGENCY + 5, EMERGENCY, 999, 900, 400, 399, 150, 149, 10, 0)  # each band's edges
    rng = random.Random(29)
    with store.begin() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM cases ORDER BY id")).scalars()]
        for n, i in enumerate(ids):
            score = edges[n] if n < len(edges) else rng.choice(edges + (rng.randrange(EMERGENCY + 900),))
            conn.execute(text("UPDATE cases SET priority = :p, priority_band = :b WHERE id = :i"),
                         {"p": score, "b": band_of(score), "i": i})
        banded = {int(i): str(b) for i, b in conn.execute(text("SELECT id, priority_band FROM cases"))}
    now = T0 + timedelta(days=3)
    for band in ("emergency", "high", "normal", "low"):
        for status, statuses in (("active", ["new", "open", "waiting"]), ("all", list(STATUSES))):
            expected = [i for i in _sorted_all(store, statuses, None, None) if banded[i] == band]
            assert expected
            for limit in (1, 3, 500):
                found = cases.list_cases_counted(store, ADMIN, status=status, band=band, limit=limit,
                                                 count_upto=500, now=now)
                assert [c["id"] for c in found["items"]] == expected[:limit], (band, status, limit)
                assert {c["band"] for c in found["items"]} == {band}
                assert found["total"] == len(expected)
            capped = cases.list_cases_counted(store, ADMIN, status=status, band=band, limit=1, count_upto=2, now=now)
            assert capped["total"] == min(len(expected), 2)
            walked: list[int] = []  # a band's next pages, by cursor, walk the band's cases once each in order
            cursor = None
            while True:
                page = cases.list_cases_counted(store, ADMIN, status=status, band=band, limit=3, count_upto=500,
                                                cursor=cursor, now=now)
                walked += [c["id"] for c in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert walked == expected, (band, status)
    try:
        cases.list_cases_counted(store, ADMIN, band="urgent")
        raise AssertionError("an unknown band was accepted")
    except FieldError as exc:
        assert exc.field == "band" and "emergency, high, normal, low" in str(exc)
    if store.engine.dialect.name == "sqlite":
        seen: list[tuple[str, Any]] = []

        def grab(_conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
            seen.append((statement, params))

        event.listen(store.engine, "before_cursor_execute", grab)
        with store.begin() as conn:
            case_store.list_cases(conn, statuses=["new"], band=(150, 400), limit=5)
            event.remove(store.engine, "before_cursor_execute", grab)
            statement, params = next((s, p) for s, p in seen if "ORDER BY" in s)
            plan = " | ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
            assert "ix_cases_list_order" in plan and "TEMP B-TREE" not in plan, plan


def test_a_band_s_priority_range_holds_exactly_the_priorities_of_that_band() -> None:
    """The band filter reads a band's priority range alone: a case's band is stored with its priority as
    `band_of` that priority, and every priority (any below zero too) lies in the range of exactly that band."""
    from goodwill.inbox.priority import BANDS, EMERGENCY, band_of
    from goodwill.service.cases import _band_range

    ranges = {name: _band_range(name) for name, _ in BANDS}
    for score in range(-200, 2 * EMERGENCY + 2000):
        holding = [name for name, (lowest, below) in ranges.items()
                   if (lowest is None or score >= lowest) and (below is None or score < below)]
        assert holding == [band_of(score)], score


def test_stored_bands_are_the_bands_of_stored_priorities(store: Store, settings: Settings, tmp_path: Path) -> None:
    """Cases the service writes, as they arrive and as waiting raises their priority, keep the band their
    priority falls in (what filtering a band by its priority range relies on)."""
    from goodwill.inbox.priority import band_of

    path = tmp_path / "mixed.jsonl"
    words = ("@halcyonbikes where is my order? two weeks late, this is ridiculous",
             "@halcyonbikes my bike caught fire while charging, I want a refund now",
             "@halcyonbikes love the new saddle", "@halcyonbikes how do I pump the tyres?")
    path.write_text("".join(json.dumps({
        "id": f"m{i}", "platform": "twitter", "author": f"writer{i % 7}", "reply_to": None, "text": words[i % 4],
        "created_at": (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")}) + "\n" for i in range(40)))
    import_path(store, ADMIN, settings, path, ImportOptions())
    for later in (timedelta(0), timedelta(hours=2), timedelta(days=4)):
        cases.list_cases_counted(store, ADMIN, status="all", limit=500, now=T0 + later)
        with store.begin() as conn:
            rows = conn.execute(text("SELECT priority, priority_band FROM cases")).all()
        assert rows and all(band == band_of(int(p)) for p, band in rows), rows
        assert len({band for _, band in rows}) > 1


def test_a_kept_listed_row_follows_its_case_message_author_and_assignee(store: Store, settings: Settings,
                                                                        tmp_path: Path) -> None:
    """Listed rows are kept between lists under the row's values: a change to the case, its first message,
    its author's handle or its assignee's name lists the new values, never the kept ones."""
    _workspace(store, settings, tmp_path, n=20)
    now = T0 + timedelta(days=3)

    def first() -> dict[str, Any]:
        return cases.list_cases(store, ADMIN, status="all", limit=1, now=now)[0]

    before = first()
    assert first() == before
    with store.begin() as conn:
        ana = conn.execute(text("SELECT id FROM users WHERE username = 'ana'")).scalar_one()
        conn.execute(text("UPDATE cases SET assignee_id = :a, tags = :t WHERE id = :i"),
                     {"a": ana, "t": '["refund"]', "i": before["id"]})
    assert first()["assignee"] == "ana" and first()["tags"] == ["refund"]
    with store.begin() as conn:
        conn.execute(text("UPDATE users SET username = 'ana-maria' WHERE id = :a"), {"a": ana})
        conn.execute(text("UPDATE messages SET text = 'changed <b>text</b>' WHERE id = :m"), {"m": before["message_id"]})
        conn.execute(text("UPDATE accounts SET handle = 'renamed' WHERE id = "
                          "(SELECT account_id FROM messages WHERE id = :m)"), {"m": before["message_id"]})
    after = first()
    assert (after["id"], after["assignee"], after["text"], after["author"]) == \
        (before["id"], "ana-maria", "changed <b>text</b>", "renamed")
    assert after["opened_at"] == before["opened_at"] and after["factors"] == before["factors"]


def _due_case(store: Store, settings: Settings, tmp_path: Path) -> int:
    """A workspace whose one new case waited 3 days but still holds the priority it had when it was opened,
    due to be worked out again since then."""
    ids = _workspace(store, settings, tmp_path, n=8)
    with store.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'new', priority = 1, priority_band = 'low',"
                          " priority_next_at = :due, waiting_since = :at WHERE id = :i"),
                     {"due": (T0 + timedelta(minutes=15)).replace(tzinfo=None), "at": T0.replace(tzinfo=None), "i": ids[0]})
    return ids[0]


def _stored(store: Store, case_id: int) -> tuple[int, str, Any]:
    with store.begin() as conn:
        row = conn.execute(text("SELECT priority, priority_band, priority_next_at FROM cases WHERE id = :i"),
                           {"i": case_id}).one()
    return int(row[0]), str(row[1]), row[2]


def test_a_list_that_does_not_refresh_writes_nothing_and_reprioritise_catches_up(store: Store, settings: Settings,
                                                                                 tmp_path: Path) -> None:
    """Where the web server works priorities out in the background, its lists read them as stored (with the
    waiting time in words brought up to now) and write nothing; `reprioritise` writes what waiting raised."""
    case_id = _due_case(store, settings, tmp_path)
    now = T0 + timedelta(days=3, minutes=5)
    before = _stored(store, case_id)
    listed = {c["id"]: c for c in cases.list_cases(store, ADMIN, status="new", refresh=False, now=now)}
    assert _stored(store, case_id) == before
    assert (listed[case_id]["priority"], listed[case_id]["band"]) == (1, "low")
    assert listed[case_id]["reason"].endswith("waiting 3 days")
    assert list(listed)[-1] == case_id  # the stored order: last

    assert cases.reprioritise(store, now=now) == 1
    priority, band, next_at = _stored(store, case_id)
    assert priority > 170 and band in ("normal", "high") and next_at is None  # 72 h and more: the last step
    assert cases.reprioritise(store, now=now) == 0
    fresh = cases.list_cases(store, ADMIN, status="new", refresh=False, now=now)
    assert fresh[0]["id"] == case_id and fresh[0]["priority"] == priority
    assert fresh[0]["reason"].endswith("waiting 3 days")


def test_the_case_list_works_priorities_out_first_only_without_the_server_s_runs(store: Store, settings: Settings,
                                                                                 tmp_path: Path) -> None:
    """`GET /api/v1/cases` (like the Cases page) writes nothing while the server works priorities out in the
    background; with GOODWILL_REPRIORITISE_EVERY 0 it works them out itself first; the server's run does at start."""
    case_id = _due_case(store, settings, tmp_path)
    before = _stored(store, case_id)
    token = team.create_token(store, team.user_actor(store, "ana"), "tests")[0]
    auth = {"Authorization": f"Bearer {token}"}
    background = create_app(settings.model_copy(update={"reprioritise_every": 30.0}), store=store)
    listed = TestClient(background).get("/api/v1/cases?status=new", headers=auth).json()["items"]
    assert _stored(store, case_id) == before and listed[-1]["id"] == case_id and listed[-1]["priority"] == 1

    inline = create_app(settings.model_copy(update={"reprioritise_every": 0.0}), store=store)
    listed = TestClient(inline).get("/api/v1/cases?status=new", headers=auth).json()["items"]
    assert _stored(store, case_id)[0] > 170 and listed[0]["id"] == case_id


def test_the_server_works_priorities_out_when_it_starts(store: Store, settings: Settings, tmp_path: Path) -> None:
    """The server's first background run comes as it starts, before any interval has passed."""
    case_id = _due_case(store, settings, tmp_path)
    app = create_app(settings.model_copy(update={"reprioritise_every": 30.0}), store=store)
    with TestClient(app) as client:
        deadline = time.monotonic() + 20
        while _stored(store, case_id)[0] == 1:
            assert time.monotonic() < deadline, "the server's run did not work the priority out"
            time.sleep(0.05)
        assert client.get("/api/v1/health").status_code == 200


def test_next_pages_follow_the_list_s_order_whatever_the_filters(store: Store, settings: Settings,
                                                                 tmp_path: Path) -> None:
    """Paging by cursor (ties in priority and opening time among them) gives the list sorting every case
    would give, each case once, with the filters and across statuses; counts from a cursor count what follows."""
    from goodwill.errors import FieldError

    _workspace(store, settings, tmp_path)
    now = T0 + timedelta(days=3)
    for status, statuses in (("active", ["new", "open", "waiting"]), ("new", ["new"]),
                             ("resolved,open", ["resolved", "open"])):
        for team_name, assignee in ((None, None), ("care", None), (None, "none")):
            expected = _sorted_all(store, statuses, team_name, assignee)
            walked: list[int] = []
            cursor = None
            while True:
                page = cases.list_cases_counted(store, ADMIN, status=status, team=team_name, assignee=assignee,
                                                limit=4, count_upto=500, cursor=cursor, now=now)
                assert page["total"] == len(expected) - len(walked) if page["next_cursor"] else len(page["items"])
                walked += [c["id"] for c in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert walked == expected, (status, team_name, assignee)
    for bad in ("", "x", "12.", "1.bm90LWEtY3Vyc29y", "-1.MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw1"):
        with pytest.raises(FieldError, match="cursor"):
            cases.list_cases_counted(store, ADMIN, cursor=bad)

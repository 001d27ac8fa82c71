"""What was erased stays erased (SQLite and PostgreSQL): a post deleted on its platform, or a forgotten
person's posts and accounts, are not stored again by a later import or by listening, and the store keeps
only digests of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from goodwill.domain import ParsedMessage
from goodwill.domain.sources import Deletion
from goodwill.domain.team import Actor, Origin, Role
from goodwill.ingest.readers import ImportOptions
from goodwill.ingest.writer import StreamWriter, import_file
from goodwill.service import privacy
from goodwill.store import Store, erasure
from tests.privacy_scan import everything

ADMIN = Actor(None, "tester", Role.ADMIN, Origin.CLI, "local")
AT = "2026-10-01T08:00:00Z"


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _records() -> list[dict[str, Any]]:
    return [
        {"id": "z1", "platform": "twitter", "author": "zoe_w", "author_id": "u-zoe-9", "author_name": "Zoe Wren",
         "text": "@halcyonbikes my Drift rattles on every bump", "created_at": AT},
        {"id": "z2", "platform": "twitter", "author": "zoe_w", "author_id": "u-zoe-9", "text": "still rattling, any idea?",
         "created_at": "2026-10-01T09:00:00Z"},
        {"id": "p1", "platform": "twitter", "author": "pat_q", "text": "anyone else hear a rattle? @zoe_w has it too",
         "created_at": "2026-10-01T10:00:00Z"},
        {"id": "p2", "platform": "twitter", "author": "pat_q", "text": "Lovely ride today", "created_at": "2026-10-01T11:00:00Z"},
        {"id": "p3", "platform": "twitter", "author": "lee_m", "text": "@pat_q same here", "created_at": "2026-10-01T12:00:00Z",
         "reply_to": "p2"},
    ]


def _stored(store: Store) -> dict[str, tuple[str, str | None]]:
    with store.begin() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(sa.text(
            "SELECT m.platform_id, a.handle, m.reply_to_id FROM messages m JOIN accounts a ON a.id = m.account_id"))}


def _handles(store: Store) -> set[str]:
    with store.begin() as conn:
        return {h for (h,) in conn.execute(sa.text("SELECT handle FROM accounts"))}


def test_a_forgotten_person_is_not_imported_again(store: Store, tmp_path: Path) -> None:
    import_file(store, _write(tmp_path / "first.jsonl", _records()), ImportOptions())
    with store.begin() as conn:
        zoe = conn.execute(sa.text("SELECT person_id FROM accounts WHERE handle = 'zoe_w'")).scalar_one()
    assert privacy.forget(store, ADMIN, zoe)["messages"] == 2
    assert "zoe_w" not in _handles(store)
    # A later export holds their posts again, a new post of theirs, and a new post by someone else mentioning them.
    later = [*_records(),
             {"id": "z3", "platform": "twitter", "author": "zoe_w", "text": "back again", "created_at": "2026-10-02T08:00:00Z"},
             {"id": "p4", "platform": "twitter", "author": "pat_q", "text": "@zoe_w did yours get fixed?",
              "created_at": "2026-10-02T09:00:00Z"}]
    report = import_file(store, _write(tmp_path / "later.jsonl", later), ImportOptions())
    assert report.added == 1 and report.erased == 3  # p4 is new; z1, z2 and z3 are theirs
    stored = _stored(store)
    assert set(stored) == {"p1", "p2", "p3", "p4"}
    assert "zoe_w" not in _handles(store)  # not even as the account p4 mentions
    with store.begin() as conn:
        mentioned = conn.execute(sa.text("SELECT COUNT(*) FROM interactions i JOIN accounts a ON a.id = i.target_account_id "
                                         "WHERE a.handle = 'zoe_w'")).scalar_one()
    assert mentioned == 0
    # Listening does not bring them back either.
    with StreamWriter(store, "listen:test") as writer:
        result = writer.write([ParsedMessage(platform="twitter", platform_id="z4", author="zoe_w", text="hello again",
                                             created_at=datetime(2026, 10, 3, tzinfo=UTC))])
    assert result.added == 0 and result.erased == 1
    text = everything(store).replace("[forgotten]", "")
    for trace in ("zoe_w", "u-zoe-9", "zoe wren", "rattles on every bump", "back again", "hello again"):
        assert trace not in text, trace


def test_a_post_deleted_on_its_platform_is_not_imported_again(store: Store, tmp_path: Path) -> None:
    import_file(store, _write(tmp_path / "first.jsonl", _records()), ImportOptions())
    with StreamWriter(store, "listen:test") as writer:
        # p2 is stored; x9 never was: a deletion remembers both.
        writer.write([], deletions=[Deletion("twitter", "p2", datetime(2026, 10, 5, tzinfo=UTC)),
                                    Deletion("twitter", "x9", datetime(2026, 10, 5, tzinfo=UTC))])
    assert "p2" not in _stored(store) and _stored(store)["p3"][1] is None  # the reply to it answers nothing now
    later = [*_records(),
             {"id": "x9", "platform": "twitter", "author": "kim_o", "text": "gone before it came", "created_at": "2026-10-01T13:00:00Z"},
             {"id": "p5", "platform": "twitter", "author": "kim_o", "text": "@pat_q agreed", "created_at": "2026-10-01T14:00:00Z",
              "reply_to": "p2"}]
    report = import_file(store, _write(tmp_path / "later.jsonl", later), ImportOptions())
    assert report.erased == 2 and report.added == 1  # p2 and x9 left out; p5 is new
    stored = _stored(store)
    assert "p2" not in stored and "x9" not in stored
    assert stored["p5"] == ("kim_o", None)  # its reference to the deleted post is not kept
    assert stored["p1"][0] == "pat_q"  # the rest of the author's posts stay
    text = everything(store)
    assert "lovely ride today" not in text and "gone before it came" not in text
    # Only digests are kept, and they name no id.
    with store.begin() as conn:
        kept = {(k, d) for d, k in conn.execute(sa.text("SELECT digest, kind FROM erased_keys"))}
    assert kept == {("post", erasure.digest("post", "twitter", "p2")), ("post", erasure.digest("post", "twitter", "x9"))}
    # Deleting the same post again remembers nothing new.
    with StreamWriter(store, "listen:test") as writer:
        writer.write([], deletions=[Deletion("twitter", "p2", datetime(2026, 10, 6, tzinfo=UTC))])
    with store.begin() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM erased_keys")).scalar_one() == 2

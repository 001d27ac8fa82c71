"""The pure half of ingest: a batch of parsed messages made ready to store.

`prepare` needs nothing but the messages and the brand's accounts, so it can
run in the process that reads a file while another one writes (see
`goodwill.ingest.spool`). Everything in a `Prepared` batch is plain JSON-able data.
Times are written the way the store keeps them: naive UTC text,
`YYYY-MM-DD HH:MM:SS.ffffff`, which sorts as it should.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from goodwill.domain import ParsedMessage, account_key, normalise_handle
from goodwill.domain.messages import BRAND, MESSAGE_ROW_COLUMNS
from goodwill.domain.signals import INTENTS, SENTIMENTS

if TYPE_CHECKING:
    from goodwill.understand.signals import SignalBatch

#: Columns of a prepared message row (the store fills in account, root and run).
ROW_COLUMNS = MESSAGE_ROW_COLUMNS


@dataclass
class Prepared:
    """A batch ready to store: one entry per distinct message, first copy wins."""

    records: int = 0
    rows: list[list[Any]] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # account key of each row's author
    mentions: list[list[str]] = field(default_factory=list)  # account keys each row mentions
    accounts: dict[str, list[Any]] = field(default_factory=dict)  # "platform\x1fkey" -> account row
    signals: list[list[Any]] = field(default_factory=list)  # each row's signals (goodwill.domain.signals.SIGNAL_COLUMNS), or none
    signals_deferred: bool = False  # the signals are left to the writing process (see goodwill.ingest.spool)

    def to_json(self) -> bytes:
        return orjson.dumps(self)  # orjson writes dataclasses natively, without copying

    @classmethod
    def from_json(cls, data: bytes) -> Prepared:
        return cls(**orjson.loads(data))


def store_time(value: datetime) -> str:
    """A time as the store keeps it: naive UTC text with microseconds."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode() if value else ("{}" if isinstance(value, dict) else "[]")


def prepare(
    batch: list[ParsedMessage], brand_accounts: dict[str, list[str]], *, signals: bool = True, defer_signals: bool = False
) -> Prepared:
    """Rows, accounts and mentions for `batch`; brand messages are recognised
    from their own flag, else from the brand's accounts per platform. With
    `signals`, also each row's signals (`goodwill.understand`), or with
    `defer_signals` a mark that the writer is to compute them (`add_signals`)."""
    brand = {p: {normalise_handle(h) for h in hs} for p, hs in brand_accounts.items()}
    out = Prepared(records=len(batch))
    seen: set[tuple[str, str]] = set()
    accounts = out.accounts
    for m in batch:
        key = (m.platform, m.platform_id)
        if key in seen:
            continue
        seen.add(key)
        author = account_key(m.author)
        is_brand = m.is_brand if m.is_brand is not None else author[1:] in brand.get(m.platform, ())
        created = store_time(m.created_at)
        akey = f"{m.platform}\x1f{author}"
        row = accounts.get(akey)
        if row is None:
            accounts[akey] = [m.platform, author, m.author, m.author_id, m.author_name, is_brand, created]
        else:
            row[3] = row[3] or m.author_id
            row[4] = row[4] or m.author_name
            row[5] = row[5] or is_brand
            row[6] = created if row[6] is None or created < row[6] else row[6]
        mentioned = []
        for handle in m.mentions:
            mkey = account_key(handle)
            if mkey == "@":
                continue
            mentioned.append(mkey)
            makey = f"{m.platform}\x1f{mkey}"
            if makey not in accounts:
                accounts[makey] = [m.platform, mkey, handle.lstrip("@"), None, None, mkey[1:] in brand.get(m.platform, ()), None]
        out.rows.append([
            m.platform, m.platform_id, None, m.kind.value, m.text, created, m.url, m.reply_to_id, None,
            m.quote_of_id, m.repost_of_id, _json(m.mentions), _json(m.hashtags), _json(m.links),
            _json(m.metrics), orjson.dumps(m.raw).decode(), is_brand, None,
        ])
        out.authors.append(author)
        out.mentions.append(mentioned)
    if signals and out.rows:
        if defer_signals:
            out.signals_deferred = True
        else:
            add_signals(out)
    return out


def add_signals(batch: Prepared) -> None:
    """Compute the signals of a batch's rows (and clear its deferral mark)."""
    from goodwill.understand.enrich import enrich

    batch.signals = signal_rows(enrich([r[4] for r in batch.rows], sentiment="fast", is_brand=[r[BRAND] for r in batch.rows]))
    batch.signals_deferred = False


def signal_rows(batch: SignalBatch) -> list[list[Any]]:
    """Plain, JSON-able rows of `SIGNAL_COLUMNS` for the store (JSON columns already serialised)."""
    rows: list[list[Any]] = []
    sent = batch.sentiment_scores.round(4).tolist()
    intents = batch.intent_scores.round(4).tolist()
    for i in range(len(batch)):
        s, it = sent[i], intents[i]
        rows.append([
            batch.language[i], SENTIMENTS[s.index(max(s))], s[0], s[1], s[2], INTENTS[it.index(max(it))],
            orjson.dumps(dict(zip(INTENTS, it, strict=True))).decode(), bool(batch.needs_response[i]), batch.urgency[i],
            orjson.dumps(batch.aspects[i]).decode(), round(float(batch.promotional[i]), 3), batch.model_version,
            orjson.dumps(batch.reasons[i] if batch.reasons else {}).decode(),
        ])
    return rows

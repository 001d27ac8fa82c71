"""The tables, as SQLAlchemy Core metadata.

Migrations under `migrations/versions/` create exactly these; a test checks
that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC; returns aware UTC datetimes. Naive input is taken as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value  # str: raw SQL on SQLite
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Id = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspace = Table(
    "workspace",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("brand_accounts", JSON, nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("competitors", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True),
    Column("display_name", String(400)),
    Column("first_account_id", Id, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("account_key", String(400), nullable=False),
    Column("handle", String(400), nullable=False),
    Column("platform_user_id", String(200)),
    Column("display_name", String(400)),
    Column("person_id", Id, ForeignKey("people.id"), index=True),
    Column("is_brand", Boolean, nullable=False, default=False),
    Column("counts", JSON),
    Column("first_seen_at", UTCDateTime),
    UniqueConstraint("platform", "account_key"),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("fingerprint", String(128), nullable=False, index=True),
    Column("format", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("records_done", BigInteger, nullable=False, default=0),
    Column("added", BigInteger, nullable=False, default=0),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("error", Text),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("platform_id", String(200), nullable=False),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("url", Text),
    Column("reply_to_id", String(200)),
    Column("thread_root_id", String(200), nullable=False),
    Column("quote_of_id", String(200)),
    Column("repost_of_id", String(200)),
    Column("mentions", JSON, nullable=False),
    Column("hashtags", JSON, nullable=False),
    Column("links", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("is_brand", Boolean, nullable=False),
    # Not indexed: ingest finds a batch's new rows by id range, and an index
    # here tempts the planner into scanning the whole run for every batch.
    Column("ingest_run_id", Id, ForeignKey("ingest_runs.id")),
    UniqueConstraint("platform", "platform_id"),
    Index(None, "platform", "thread_root_id"),
    Index(None, "platform", "reply_to_id"),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("root_platform_id", String(200), nullable=False),
    Column("root_account_id", Id, ForeignKey("accounts.id")),
    Column("root_is_brand", Boolean, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("brand_message_count", Integer, nullable=False),
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("platform", "root_platform_id"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("source_account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("target_account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("message_id", "kind", "target_account_id"),
)


# ---------------------------------------------------------------------------
# The web app (migration 0002): users, API tokens, audit log.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Listening (migration 0003): sources and their checkpoints.
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Understanding (migration 0004): the signals of each message.
# ---------------------------------------------------------------------------

message_signals = Table(
    "message_signals",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("language", String(16), nullable=False),
    Column("sentiment", String(10), nullable=False),
    Column("sentiment_negative", Float, nullable=False),
    Column("sentiment_neutral", Float, nullable=False),
    Column("sentiment_positive", Float, nullable=False),
    Column("intent", String(20), nullable=False),
    Column("intent_scores", JSON, nullable=False),
    Column("needs_response", Boolean, nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("aspects", JSON, nullable=False),
    Column("promotional", Float, nullable=False),
    Column("model_version", String(200), nullable=False),
    Index(None, "needs_response", "urgency"),
)

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
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    Column("retention_days", Integer),  # migration 0007: personal data older than this is deleted; None keeps it
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True),
    Column("display_name", String(400)),
    Column("first_account_id", Id, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("merged_into_id", Id),  # migration 0007: merged into that person; a split can bring it back
)

#: What each person wrote as the stage rules read it (`goodwill.domain.people.SaidSeries`, packed by
#: `goodwill.store.said_series`), kept as messages are stored, answered, changed and erased, so that opening
#: cases for a batch reads one row per writer instead of their history (migration 0016).
said_series = Table(
    "said_series",
    metadata,
    Column("person_id", Id, primary_key=True, autoincrement=False),
    Column("messages", Integer, nullable=False),
    Column("last_at", UTCDateTime),
    Column("series", LargeBinary, nullable=False),
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
    Column("home_person_id", Id),  # migration 0007: the person it had before its first merge
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
    # Listening (migration 0003): when a platform reported an edit or a deletion.
    Column("edited_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
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
    Column("target_account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("message_id", Id, ForeignKey("messages.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("message_id", "kind", "target_account_id"),
    # Who engages with an account, read from the index alone (how many people engage with a case's writer;
    # migration 0016, replacing an index on the target alone).
    Index(None, "target_account_id", "source_account_id"),
)


# ---------------------------------------------------------------------------
# The web app (migration 0002): users, API tokens, audit log.
# ---------------------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    # Bumped when the password is reset or the user disabled: signs out every session.
    Column("session_version", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex of the whole token
    Column("prefix", String(16), nullable=False),  # shown in lists so a token can be recognised
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Id),  # no foreign key: the log outlives what it describes
    Column("actor_name", String(200), nullable=False),
    Column("action", String(80), nullable=False, index=True),
    Column("target", String(400)),
    Column("details", JSON, nullable=False),
    Column("origin", String(20), nullable=False),
    Column("address", String(100)),
)

# Messages per UTC day and platform, kept by ingest with every batch, so the
# overview does not count a million messages on every visit.
message_days = Table(
    "message_days",
    metadata,
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("platform", String(40), primary_key=True),
    Column("messages", BigInteger, nullable=False),
    Column("brand_messages", BigInteger, nullable=False),
)

# The conversation list filtered by platform, latest activity first, without sorting the platform's threads.
Index("ix_threads_platform_last_at", threads.c.platform, threads.c.last_at)

web_secret = Table(
    "web_secret",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("secret", String(200), nullable=False),  # signs session cookies; made on first serve
)



# ---------------------------------------------------------------------------
# Listening (migration 0003): sources and their checkpoints.
# ---------------------------------------------------------------------------

sources = Table(
    "sources",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("platform", String(40), nullable=False),
    Column("url", Text),
    Column("queries", JSON, nullable=False),
    Column("account", String(400)),
    Column("token_env", String(200)),
    Column("schedule_seconds", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("backfill_posts", Integer),  # a new source's first run reads back this many posts per query...
    Column("backfill_since", UTCDateTime),  # ...and no further back than this
)

source_checkpoints = Table(
    "source_checkpoints",
    metadata,
    Column("source_id", Id, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("checkpoint", JSON),
    Column("last_run_at", UTCDateTime),
    Column("last_ok_at", UTCDateTime),
    Column("last_error", Text),
    Column("runs", Integer, nullable=False),
    Column("items_seen", BigInteger, nullable=False),
    Column("items_added", BigInteger, nullable=False),
    Column("edits", BigInteger, nullable=False),
    Column("deletions", BigInteger, nullable=False),
)


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
    # The words behind the intent and a high urgency (migration 0013); NULL for rows stored before it.
    Column("reasons", JSON),
    Index(None, "needs_response", "urgency"),
    Index("ix_message_signals_model_version", "model_version"),  # migration 0012
)


# ---------------------------------------------------------------------------
# Topics (migration 0006): topic clusters, their days, alerts, share of voice.
# Rebuilt as a whole by `goodwill topics refresh`.
# ---------------------------------------------------------------------------

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(400), nullable=False),
    Column("keyphrases", JSON, nullable=False),
    Column("size", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
)

message_topics = Table(
    "message_topics",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("closeness", Float, nullable=False),
)

topic_days = Table(
    "topic_days",
    metadata,
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
    Column("sentiment", Float, nullable=False),
)

topic_alerts = Table(
    "topic_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("topic_id", Integer, ForeignKey("topics.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("day", Date, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("observed", Float, nullable=False),
    Column("expected", Float, nullable=False),
    Column("p_value", Float, nullable=False),
    Column("examples", JSON, nullable=False),
)

share_of_voice = Table(
    "share_of_voice",
    metadata,
    Column("period", Date, primary_key=True),
    Column("name", String(400), primary_key=True),
    Column("is_brand", Boolean, nullable=False),
    Column("mentions", Integer, nullable=False),
    Column("share", Float, nullable=False),
)

# --- inbox: cases (migration 0008) ---

# One case per thread that needs the brand; the priority's parts are stored
# with it, the number itself worked out again when waiting longer raises it
# (`priority_next_at`).
cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("thread_root_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("first_message_id", Id, nullable=False, index=True),  # the first customer message of the case
    Column("person_id", Id, index=True),
    Column("opened_at", UTCDateTime, nullable=False),  # when that message was written
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_customer_at", UTCDateTime, nullable=False),
    Column("waiting_since", UTCDateTime),  # the oldest customer message not yet answered; NULL: not waiting on the brand
    # The priority's parts (goodwill.inbox.priority.Factors)...
    Column("urgency", String(10), nullable=False),
    Column("intent", String(20), nullable=False),
    Column("sentiment", String(10), nullable=False),
    Column("needs_response", Boolean, nullable=False),
    Column("emergency", JSON, nullable=False),  # [[reason, words], ...] of the urgent phrases
    Column("stage", String(20)),
    Column("stage_reason", Text),
    Column("engaged_by", Integer, nullable=False),
    # ...and the priority they give, until priority_next_at.
    Column("priority", Integer, nullable=False),
    Column("priority_band", String(20), nullable=False),
    Column("priority_reason", Text, nullable=False),
    Column("priority_next_at", UTCDateTime, index=True),
    Column("team", String(100)),
    Column("assignee_id", Id, ForeignKey("users.id"), index=True),
    Column("tags", JSON, nullable=False),
    Column("sla_policy", String(100)),
    Column("sla_due_at", UTCDateTime),
    Column("first_response_at", UTCDateTime),
    Column("first_response_message_id", Id),
    Column("resolved_at", UTCDateTime),
    Column("resolved_public", Boolean),
    Column("reopened", Integer, nullable=False),
    UniqueConstraint("platform", "thread_root_id"),
)

# The case list: one status's cases read in the list's order (most urgent first, then oldest), so the
# first page stops after its rows instead of sorting every open case (migration 0017; it replaced
# an index on status and priority alone). The assignee and team follow (migration 0020), so the unassigned,
# one agent's and one team's lists read the index alone too, without each candidate's row.
Index("ix_cases_list_order", cases.c.status, cases.c.priority.desc(), cases.c.opened_at, cases.c.id,
      cases.c.assignee_id, cases.c.team)

# Which messages belong to which case (a message to one case at most).
case_messages = Table(
    "case_messages",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("is_brand", Boolean, nullable=False),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("actor_id", Id),  # no foreign key: the history outlives users
    Column("actor_name", String(200), nullable=False),
    Column("message_id", Id),
    Column("details", JSON, nullable=False),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("author_id", Id),
    Column("author_name", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- inbox: routing rules and SLA policies (migration 0009) ---

# Teams: who answers what. A member is offered new cases only while available.
teams = Table(
    "teams",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("manager_id", Id),  # the user breaches are escalated to; no foreign key: users are disabled, not deleted
    Column("last_assigned_id", Id),  # round-robin's cursor: the member the team last gave a case to
    Column("created_at", UTCDateTime, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", Id, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True, index=True),
    Column("available", Boolean, nullable=False),
)

# Routing rules, one row per version. Editing a rule adds a version and retires
# the previous one; removing retires the current one. Old versions stay, so a
# case keeps the version that routed it.
routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", Id, primary_key=True),  # the version's id
    Column("rule_id", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("conditions", JSON, nullable=False),
    Column("actions", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("retired_at", UTCDateTime),  # replaced by a newer version, or removed
    UniqueConstraint("rule_id", "version"),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("min_priority", Float, nullable=False),
    Column("first_response_minutes", Integer, nullable=False),
    Column("resolution_minutes", Integer, nullable=False),
    Column("timezone", String(100), nullable=False),
    Column("hours", JSON, nullable=False),  # per weekday, Monday first: [[start_minute, end_minute], ...]
    Column("holidays", JSON, nullable=False),  # ["YYYY-MM-DD", ...]
    Column("near_breach", Float, nullable=False),
    Column("escalate", String(20), nullable=False),
    Column("escalate_to", String(80)),
    Column("updated_at", UTCDateTime, nullable=False),
)

# How each case was routed: the rule version, the reason, the policy; it goes with the case.
case_routes = Table(
    "case_routes",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("rule_version_id", Id, ForeignKey("routing_rules.id")),
    Column("team_id", Id, ForeignKey("teams.id", ondelete="SET NULL"), index=True),
    Column("sla_policy", String(100)),
    Column("reason", Text, nullable=False),
    Column("routed_at", UTCDateTime, nullable=False),
)

# A breach of one target of a case, escalated once: the row is the case's visible flag.
sla_escalations = Table(
    "sla_escalations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(20), nullable=False),  # first_response or resolution
    Column("due_at", UTCDateTime, nullable=False),
    Column("escalated_at", UTCDateTime, nullable=False),
    Column("action", String(20), nullable=False),  # notify or reassign
    Column("to_user_id", Id),
    Column("reason", Text, nullable=False),
    UniqueConstraint("case_id", "target"),
)

# --- inbox: knowledge base and saved replies (migration 0010) ---

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(200), primary_key=True),  # the article's own id (a slug or a number), as imported
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("tags", JSON, nullable=False),  # normalised tags (lower case), a list
    Column("updated_at", UTCDateTime, nullable=False),
    Column("vector", LargeBinary),  # the encoder's float32 vector of the article, computed when it is saved
    Column("vector_model", String(40)),  # the encoder version that computed it
    # count and newest change without reading the rows (their vectors and bodies): the suggestion cache's check
    Index("ix_kb_articles_updated_at", "updated_at"),
)

saved_replies = Table(
    "saved_replies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("title", String(200), nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# --- advocacy: gestures, budgets, posts (migration 0011) ---

# The give-or-take reading of each of the brand's own messages (a cache of
# goodwill.advocacy.givetake, kept per text and model version).
give_take_readings = Table(
    "give_take_readings",
    metadata,
    Column("message_id", Id, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("text_sha", String(16), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("subtype", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("model_version", String(200), nullable=False),
)

# Surprise-and-delight budgets, one per calendar month: the amount and the
# cost up to which an agent's gesture needs no manager's approval.
advocacy_budgets = Table(
    "advocacy_budgets",
    metadata,
    Column("period", String(7), primary_key=True),  # YYYY-MM, UTC
    Column("currency", String(3), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("agent_limit_cents", BigInteger, nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

# Gestures given to people, each with who logged it and who approved or
# declined it; deleted with the person when they are forgotten.
gestures = Table(
    "gestures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("person_id", Id, ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("cost_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period", String(7), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # approved, pending, declined
    Column("logged_by", String(200), nullable=False),
    Column("logged_by_id", Id),
    Column("logged_at", UTCDateTime, nullable=False, index=True),
    Column("decided_by", String(200)),
    Column("decided_by_id", Id),
    Column("decided_at", UTCDateTime),
    Column("note", Text),
)


# Scheduled relationship-health reports: where each weekly report is written
# and the last week written, so a report is written once per week.
report_schedules = Table(
    "report_schedules",
    metadata,
    Column("id", Id, primary_key=True),
    Column("every", String(10), nullable=False),  # weekly
    Column("out_dir", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_period", String(10)),  # e.g. 2026-W47, the last period written
    Column("last_file", Text),
    Column("last_run_at", UTCDateTime),
    UniqueConstraint("out_dir"),
)

# The brand's own posts: drafts, their schedule on a channel (a source), the
# give-or-take reading and tone flags they had when written, and how each was
# published: claimed (status publishing, claim_token) before the platform is
# called, with an idempotency key the platform sees, so a post goes out once.
posts = Table(
    "posts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(200), nullable=False),  # the source's name
    Column("platform", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),  # draft, scheduled, publishing, published, failed, cancelled
    Column("scheduled_at", UTCDateTime),
    Column("collaboration", String(20)),  # sponsored, pitched, or None
    Column("influencer", String(200)),  # the influencer's handle for a collaboration
    Column("reading_kind", String(10), nullable=False),
    Column("reading_subtype", String(20), nullable=False),
    Column("reading_reasons", JSON, nullable=False),
    Column("tone", JSON, nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("claim_token", String(64)),
    Column("claimed_at", UTCDateTime),
    Column("attempts", Integer, nullable=False),
    Column("published_id", String(300)),
    Column("published_url", Text),
    Column("published_at", UTCDateTime),
    Column("message_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
    Column("error", Text),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_posts_status_scheduled_at", "status", "scheduled_at"),
)

# --- understanding: the pending accurate pass (migration 0012) ---

signal_passes = Table(
    "signal_passes",
    metadata,
    # The mode: "cascade" (the accurate pass), "fast" or "accurate"; "-force" after it for a forced run.
    Column("name", String(40), primary_key=True),
    Column("model_version", String(200), nullable=False),  # the models the pass writes
    Column("last_message_id", Id, nullable=False),  # the last message of the last committed batch
    Column("done", Integer, nullable=False),  # messages read in this run so far
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),  # NULL while a run is under way (or stopped part-way)
)

# --- inbox: who is working a case (migration 0014) ---

case_presence = Table(
    "case_presence",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("user_name", String(200), nullable=False),
    Column("typing", Boolean, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False, index=True),
)

# --- inbox: replies held for a manager's approval (migration 0015) ---

# Whose replies need a manager's approval: the cases of these teams, or with these tags (names in lower case).
approval_policy = Table(
    "approval_policy",
    metadata,
    Column("kind", String(10), primary_key=True),  # team or tag
    Column("name", String(100), primary_key=True),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

# An agent's reply held until a manager approves it (then sent through the connector) or declines it.
pending_replies = Table(
    "pending_replies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("message_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),  # the customer message it answers
    Column("text", Text, nullable=False),
    Column("tone", JSON, nullable=False),  # the tone check's flags on the text when it was written or edited
    Column("status", String(20), nullable=False, index=True),  # pending, sending, sent, declined, withdrawn
    Column("author_id", Id),  # no foreign key: the history outlives users
    Column("author_name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The case event that held it (or its last edit): replies and status changes after it cross it.
    Column("held_event_id", Id),
    Column("decided_by", String(200)),
    Column("decided_by_id", Id),
    Column("decided_at", UTCDateTime),
    Column("reason", Text),  # why it was declined
    Column("claimed_at", UTCDateTime),  # when an approval started sending it
    Column("published_id", String(300)),
    Column("sent_message_id", Id, ForeignKey("messages.id", ondelete="SET NULL")),
)

# --- upkeep: the jobs the long-running processes run on schedule (migration 0018) ---

upkeep_jobs = Table(
    "upkeep_jobs",
    metadata,
    Column("name", String(40), primary_key=True),  # "retention", "rescore"
    Column("last_run_at", UTCDateTime),  # when the last run was claimed
    Column("next_run_at", UTCDateTime),  # when it is due again; NULL: due now
    Column("last_result", JSON),  # what the last run did (counts only)
    Column("last_error", Text),  # why the last attempt failed, if it did (cleared by a run that succeeds)
)

# --- people: their scores as of the last scoring run (migration 0019) ---

person_scores = Table(
    "person_scores",
    metadata,
    Column("person_id", Id, primary_key=True),
    Column("computed_at", UTCDateTime, nullable=False),  # when the run that wrote it ran
    Column("judged_at", UTCDateTime, nullable=False),  # the moment the stage was judged at (the newest message's time)
    Column("last_at", UTCDateTime),  # their latest message, for "most recently active first"
    Column("stage", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("trust", Integer, nullable=False),
    Column("trust_parts", JSON, nullable=False),
    Column("reciprocity", Integer, nullable=False),
    Column("reciprocity_parts", JSON, nullable=False),
    Column("influence", Float),  # of their best-scored account; NULL: not on the interaction graph
    Column("influence_reasons", JSON),
    Column("outreach", Float),
    Column("outreach_reasons", JSON),
    Column("account_id", Id),  # the account their influence is scored on
    Column("received", Integer, nullable=False),  # engagement that account received (influencers list those with some)
    Index("ix_person_scores_stage_last_at", "stage", "last_at"),
    Index("ix_person_scores_last_at", "last_at"),
    Index("ix_person_scores_influence", "influence"),
)

# --- what was erased, kept so that it is not stored again (migration 0021) ---

erased_keys = Table(
    "erased_keys",
    metadata,
    # sha256 of the kind, the platform and the post's id or the account's key (`erasure.digest`): it can confirm
    # an id one already holds, and names none.
    Column("digest", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),  # "post" (deleted on its platform, or a forgotten person's) or "account"
    Column("erased_at", UTCDateTime, nullable=False),
)

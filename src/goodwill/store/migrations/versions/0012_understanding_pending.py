"""understanding: provisional signals and the accurate pass that follows

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # Where each pass over the stored messages got to, so a pass that stopped resumes after its last batch.
    op.create_table(
        "signal_passes",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("model_version", sa.String(200), nullable=False),
        sa.Column("last_message_id", _ID, nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    # Counting signals by model version, and finding the provisional ones, without a scan of the whole table.
    op.create_index("ix_message_signals_model_version", "message_signals", ["model_version"])


def downgrade() -> None:
    op.drop_index("ix_message_signals_model_version", table_name="message_signals")
    op.drop_table("signal_passes")

"""listening: how far back a new source's first run reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE: SQLite adds and drops columns in place (see 0003).
    # Sources added before this revision keep NULLs: their first run reads one page, as it did.
    op.add_column('sources', sa.Column('backfill_posts', sa.Integer(), nullable=True))
    op.add_column('sources', sa.Column('backfill_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('sources', 'backfill_since')
    op.drop_column('sources', 'backfill_posts')

"""conversation list: the words behind each message's signals

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows stored before keep no reasons until `goodwill enrich` reads them again.
    with op.batch_alter_table('message_signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message_signals', schema=None) as batch_op:
        batch_op.drop_column('reasons')

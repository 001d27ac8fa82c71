"""people: merges that can be undone, and a retention policy per workspace

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # Plain ALTER TABLE: SQLite adds and drops columns in place (see 0003).
    op.add_column('people', sa.Column('merged_into_id', _ID, nullable=True))
    op.add_column('accounts', sa.Column('home_person_id', _ID, nullable=True))
    op.add_column('workspace', sa.Column('retention_days', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('workspace', 'retention_days')
    op.drop_column('accounts', 'home_person_id')
    op.drop_column('people', 'merged_into_id')

"""erased keys: digests of deleted posts and forgotten accounts, so imports and listening do not store them again

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'erased_keys',
        sa.Column('digest', sa.String(length=64), primary_key=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('erased_at', sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('erased_keys')

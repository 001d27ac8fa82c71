"""upkeep: the jobs the long-running processes run on schedule (retention, scoring people)

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    jobs = op.create_table(
        'upkeep_jobs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_run_at', sa.DateTime(), nullable=True),
        sa.Column('next_run_at', sa.DateTime(), nullable=True),
        sa.Column('last_result', sa.JSON(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_upkeep_jobs')),
    )
    # Every job is due at once: the first process to look runs it (claiming its row), the others skip it.
    op.bulk_insert(jobs, [{'name': 'retention'}, {'name': 'rescore'}])


def downgrade() -> None:
    op.drop_table('upkeep_jobs')

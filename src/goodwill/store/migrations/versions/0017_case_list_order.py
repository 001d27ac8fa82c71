"""case list: an index in the list's order

Revision ID: 0017
Revises: 0019
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Per status, most urgent first, then oldest: the case list reads its first page off this index
    # instead of sorting every open case. It covers what the index on (status, priority) served.
    op.create_index('ix_cases_list_order', 'cases',
                    ['status', sa.text('priority DESC'), 'opened_at', 'id'])
    op.drop_index(op.f('ix_cases_status_priority'), table_name='cases')


def downgrade() -> None:
    op.create_index(op.f('ix_cases_status_priority'), 'cases', ['status', 'priority'])
    op.drop_index('ix_cases_list_order', table_name='cases')

"""case list: its order index also holds each case's assignee and team

Revision ID: 0020
Revises: 0016
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The assignee and team after the order's columns: the unassigned, one agent's and one team's lists are
    # then read off the index alone, as the plain list is, without looking up each candidate's row.
    op.drop_index('ix_cases_list_order', table_name='cases')
    op.create_index('ix_cases_list_order', 'cases',
                    ['status', sa.text('priority DESC'), 'opened_at', 'id', 'assignee_id', 'team'])


def downgrade() -> None:
    op.drop_index('ix_cases_list_order', table_name='cases')
    op.create_index('ix_cases_list_order', 'cases', ['status', sa.text('priority DESC'), 'opened_at', 'id'])

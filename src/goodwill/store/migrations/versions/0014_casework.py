"""inbox: who is viewing or typing in a case (presence, for collision detection)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'case_presence',
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('user_id', _ID, nullable=False),
        sa.Column('user_name', sa.String(length=200), nullable=False),
        sa.Column('typing', sa.Boolean(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_presence_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_presence_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_presence')),
    )
    op.create_index(op.f('ix_case_presence_seen_at'), 'case_presence', ['seen_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_case_presence_seen_at'), table_name='case_presence')
    op.drop_table('case_presence')

"""inbox: replies held for a manager's approval, and which teams and tags need it

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'approval_policy',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('set_by', sa.String(length=200), nullable=False),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'name', name=op.f('pk_approval_policy')),
    )
    op.create_table(
        'pending_replies',
        sa.Column('id', _ID, nullable=False),
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('message_id', _ID, nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('tone', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('author_id', _ID, nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('held_event_id', _ID, nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_by_id', _ID, nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('published_id', sa.String(length=300), nullable=True),
        sa.Column('sent_message_id', _ID, nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_pending_replies_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_pending_replies_message_id_messages'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sent_message_id'], ['messages.id'],
                                name=op.f('fk_pending_replies_sent_message_id_messages'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_replies')),
    )
    op.create_index(op.f('ix_pending_replies_case_id'), 'pending_replies', ['case_id'], unique=False)
    op.create_index(op.f('ix_pending_replies_status'), 'pending_replies', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_replies_status'), table_name='pending_replies')
    op.drop_index(op.f('ix_pending_replies_case_id'), table_name='pending_replies')
    op.drop_table('pending_replies')
    op.drop_table('approval_policy')

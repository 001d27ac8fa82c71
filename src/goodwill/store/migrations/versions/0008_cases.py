"""inbox: cases, their messages, notes and events

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'cases',
        sa.Column('id', _ID, nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('thread_root_id', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('first_message_id', _ID, nullable=False),
        sa.Column('person_id', _ID, nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('last_customer_at', sa.DateTime(), nullable=False),
        sa.Column('waiting_since', sa.DateTime(), nullable=True),
        sa.Column('urgency', sa.String(length=10), nullable=False),
        sa.Column('intent', sa.String(length=20), nullable=False),
        sa.Column('sentiment', sa.String(length=10), nullable=False),
        sa.Column('needs_response', sa.Boolean(), nullable=False),
        sa.Column('emergency', sa.JSON(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=True),
        sa.Column('stage_reason', sa.Text(), nullable=True),
        sa.Column('engaged_by', sa.Integer(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('priority_band', sa.String(length=20), nullable=False),
        sa.Column('priority_reason', sa.Text(), nullable=False),
        sa.Column('priority_next_at', sa.DateTime(), nullable=True),
        sa.Column('team', sa.String(length=100), nullable=True),
        sa.Column('assignee_id', _ID, nullable=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('sla_policy', sa.String(length=100), nullable=True),
        sa.Column('sla_due_at', sa.DateTime(), nullable=True),
        sa.Column('first_response_at', sa.DateTime(), nullable=True),
        sa.Column('first_response_message_id', _ID, nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_public', sa.Boolean(), nullable=True),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_cases_assignee_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
        sa.UniqueConstraint('platform', 'thread_root_id', name=op.f('uq_cases_platform_thread_root_id')),
    )
    op.create_index(op.f('ix_cases_first_message_id'), 'cases', ['first_message_id'])
    op.create_index(op.f('ix_cases_person_id'), 'cases', ['person_id'])
    op.create_index(op.f('ix_cases_priority_next_at'), 'cases', ['priority_next_at'])
    op.create_index(op.f('ix_cases_assignee_id'), 'cases', ['assignee_id'])
    op.create_index(op.f('ix_cases_status_priority'), 'cases', ['status', 'priority'])
    op.create_table(
        'case_messages',
        sa.Column('message_id', _ID, nullable=False),
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('is_brand', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_case_messages_message_id_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_messages_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_case_messages')),
    )
    op.create_index(op.f('ix_case_messages_case_id'), 'case_messages', ['case_id'])
    op.create_table(
        'case_events',
        sa.Column('id', _ID, nullable=False),
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('actor_id', _ID, nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=False),
        sa.Column('message_id', _ID, nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    )
    op.create_index(op.f('ix_case_events_case_id'), 'case_events', ['case_id'])
    op.create_table(
        'case_notes',
        sa.Column('id', _ID, nullable=False),
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('author_id', _ID, nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes')),
    )
    op.create_index(op.f('ix_case_notes_case_id'), 'case_notes', ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_case_notes_case_id'), table_name='case_notes')
    op.drop_table('case_notes')
    op.drop_index(op.f('ix_case_events_case_id'), table_name='case_events')
    op.drop_table('case_events')
    op.drop_index(op.f('ix_case_messages_case_id'), table_name='case_messages')
    op.drop_table('case_messages')
    for name in ('status_priority', 'assignee_id', 'priority_next_at', 'person_id', 'first_message_id'):
        op.drop_index(op.f(f'ix_cases_{name}'), table_name='cases')
    op.drop_table('cases')

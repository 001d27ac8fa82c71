"""advocacy: gestures, budgets, the brand's posts and their schedule

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # --- give-or-take readings of the brand's own messages ---
    op.create_table(
        'give_take_readings',
        sa.Column('message_id', _ID, nullable=False),
        sa.Column('text_sha', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subtype', sa.String(length=20), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('model_version', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_give_take_readings_message_id_messages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_give_take_readings')),
    )
    # --- end of give-or-take readings ---
    # --- gestures and budgets ---
    op.create_table(
        'advocacy_budgets',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('agent_limit_cents', sa.BigInteger(), nullable=False),
        sa.Column('set_by', sa.String(length=200), nullable=False),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('period', name=op.f('pk_advocacy_budgets')),
    )
    op.create_table(
        'gestures',
        sa.Column('id', _ID, nullable=False),
        sa.Column('person_id', _ID, nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('cost_cents', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('logged_by', sa.String(length=200), nullable=False),
        sa.Column('logged_by_id', _ID, nullable=True),
        sa.Column('logged_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_by_id', _ID, nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_gestures_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gestures')),
    )
    op.create_index(op.f('ix_gestures_person_id'), 'gestures', ['person_id'], unique=False)
    op.create_index(op.f('ix_gestures_period'), 'gestures', ['period'], unique=False)
    op.create_index(op.f('ix_gestures_logged_at'), 'gestures', ['logged_at'], unique=False)
    # --- end of gestures and budgets ---
    # --- report schedules ---
    op.create_table(
        'report_schedules',
        sa.Column('id', _ID, nullable=False),
        sa.Column('every', sa.String(length=10), nullable=False),
        sa.Column('out_dir', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_period', sa.String(length=10), nullable=True),
        sa.Column('last_file', sa.Text(), nullable=True),
        sa.Column('last_run_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedules')),
        sa.UniqueConstraint('out_dir', name=op.f('uq_report_schedules_out_dir')),
    )
    # --- end of report schedules ---


def downgrade() -> None:
    op.drop_table('report_schedules')  # report schedules
    op.drop_table('give_take_readings')  # give-or-take readings
    # --- gestures and budgets ---
    op.drop_table('gestures')
    op.drop_table('advocacy_budgets')

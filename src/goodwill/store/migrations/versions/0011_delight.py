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
    # --- the brand's own posts: drafts, schedule, publishing ---
    op.create_table(
        'posts',
        sa.Column('id', _ID, nullable=False),
        sa.Column('channel', sa.String(length=200), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('scheduled_at', sa.DateTime(), nullable=True),
        sa.Column('collaboration', sa.String(length=20), nullable=True),
        sa.Column('influencer', sa.String(length=200), nullable=True),
        sa.Column('reading_kind', sa.String(length=10), nullable=False),
        sa.Column('reading_subtype', sa.String(length=20), nullable=False),
        sa.Column('reading_reasons', sa.JSON(), nullable=False),
        sa.Column('tone', sa.JSON(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('claim_token', sa.String(length=64), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('published_id', sa.String(length=300), nullable=True),
        sa.Column('published_url', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('message_id', _ID, nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_posts_message_id_messages'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_posts_idempotency_key')),
    )
    op.create_index(op.f('ix_posts_status_scheduled_at'), 'posts', ['status', 'scheduled_at'], unique=False)
    # --- end of the brand's own posts ---


def downgrade() -> None:
    op.drop_table('posts')  # the brand's own posts
    op.drop_table('report_schedules')  # report schedules
    op.drop_table('give_take_readings')  # give-or-take readings
    # --- gestures and budgets ---
    op.drop_table('gestures')
    op.drop_table('advocacy_budgets')

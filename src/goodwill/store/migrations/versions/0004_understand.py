"""understanding: the signals of each message

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('message_signals',
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('sentiment', sa.String(length=10), nullable=False),
    sa.Column('sentiment_negative', sa.Float(), nullable=False),
    sa.Column('sentiment_neutral', sa.Float(), nullable=False),
    sa.Column('sentiment_positive', sa.Float(), nullable=False),
    sa.Column('intent', sa.String(length=20), nullable=False),
    sa.Column('intent_scores', sa.JSON(), nullable=False),
    sa.Column('needs_response', sa.Boolean(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('aspects', sa.JSON(), nullable=False),
    sa.Column('promotional', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_signals_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_message_signals'))
    )
    with op.batch_alter_table('message_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_signals_needs_response_urgency'), ['needs_response', 'urgency'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_signals_needs_response_urgency'))
    op.drop_table('message_signals')

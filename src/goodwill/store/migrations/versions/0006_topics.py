"""topics: topic clusters, their messages and days, alerts, share of voice

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'topics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=400), nullable=False),
        sa.Column('keyphrases', sa.JSON(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('negative', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    )
    op.create_table(
        'message_topics',
        sa.Column('message_id', Id, nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('closeness', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_topics_message_id_messages'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_message_topics_topic_id_topics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('message_id', name=op.f('pk_message_topics')),
    )
    op.create_index(op.f('ix_message_topics_topic_id'), 'message_topics', ['topic_id'])
    op.create_table(
        'topic_days',
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('negative', sa.Integer(), nullable=False),
        sa.Column('sentiment', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_days_topic_id_topics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('topic_id', 'day', name=op.f('pk_topic_days')),
    )
    op.create_table(
        'topic_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('observed', sa.Float(), nullable=False),
        sa.Column('expected', sa.Float(), nullable=False),
        sa.Column('p_value', sa.Float(), nullable=False),
        sa.Column('examples', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_alerts_topic_id_topics'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_alerts')),
    )
    op.create_index(op.f('ix_topic_alerts_topic_id'), 'topic_alerts', ['topic_id'])
    op.create_index(op.f('ix_topic_alerts_day'), 'topic_alerts', ['day'])
    op.create_table(
        'share_of_voice',
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=400), nullable=False),
        sa.Column('is_brand', sa.Boolean(), nullable=False),
        sa.Column('mentions', sa.Integer(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'name', name=op.f('pk_share_of_voice')),
    )


def downgrade() -> None:
    op.drop_table('share_of_voice')
    op.drop_index(op.f('ix_topic_alerts_day'), table_name='topic_alerts')
    op.drop_index(op.f('ix_topic_alerts_topic_id'), table_name='topic_alerts')
    op.drop_table('topic_alerts')
    op.drop_table('topic_days')
    op.drop_index(op.f('ix_message_topics_topic_id'), table_name='message_topics')
    op.drop_table('message_topics')
    op.drop_table('topics')

"""people: scores per person as of the last scoring run (stage, trust, reciprocity, influence, outreach, reasons)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'person_scores',
        sa.Column('person_id', _ID, nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('judged_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('trust', sa.Integer(), nullable=False),
        sa.Column('trust_parts', sa.JSON(), nullable=False),
        sa.Column('reciprocity', sa.Integer(), nullable=False),
        sa.Column('reciprocity_parts', sa.JSON(), nullable=False),
        sa.Column('influence', sa.Float(), nullable=True),
        sa.Column('influence_reasons', sa.JSON(), nullable=True),
        sa.Column('outreach', sa.Float(), nullable=True),
        sa.Column('outreach_reasons', sa.JSON(), nullable=True),
        sa.Column('account_id', _ID, nullable=True),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_scores')),
    )
    op.create_index('ix_person_scores_stage_last_at', 'person_scores', ['stage', 'last_at'])
    op.create_index('ix_person_scores_last_at', 'person_scores', ['last_at'])
    op.create_index('ix_person_scores_influence', 'person_scores', ['influence'])


def downgrade() -> None:
    op.drop_index('ix_person_scores_influence', table_name='person_scores')
    op.drop_index('ix_person_scores_last_at', table_name='person_scores')
    op.drop_index('ix_person_scores_stage_last_at', table_name='person_scores')
    op.drop_table('person_scores')

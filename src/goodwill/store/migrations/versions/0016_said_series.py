"""people: each person's messages as the stage rules read them, kept as messages arrive (filled from the store);
who engages with an account read from one index

Revision ID: 0016
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'said_series',
        sa.Column('person_id', _ID, autoincrement=False, nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.Column('series', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_said_series')),
    )
    # Who engages with an account, read from the index alone: it replaces the index on the target alone.
    op.create_index(op.f('ix_interactions_target_account_id_source_account_id'), 'interactions',
                    ['target_account_id', 'source_account_id'])
    op.drop_index(op.f('ix_interactions_target_account_id'), table_name='interactions')
    # A workspace with messages already: every person's row, from their stored messages.
    from goodwill.store.said_series import rebuild_everyone

    rebuild_everyone(op.get_bind())


def downgrade() -> None:
    op.create_index(op.f('ix_interactions_target_account_id'), 'interactions', ['target_account_id'])
    op.drop_index(op.f('ix_interactions_target_account_id_source_account_id'), table_name='interactions')
    op.drop_table('said_series')

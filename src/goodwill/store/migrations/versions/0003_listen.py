"""listening: sources, checkpoints, edits and deletions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', _ID, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('queries', sa.JSON(), nullable=False),
    sa.Column('account', sa.String(length=400), nullable=True),
    sa.Column('token_env', sa.String(length=200), nullable=True),
    sa.Column('schedule_seconds', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )
    op.create_table('source_checkpoints',
    sa.Column('source_id', _ID, nullable=False),
    sa.Column('checkpoint', sa.JSON(), nullable=True),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('items_seen', sa.BigInteger(), nullable=False),
    sa.Column('items_added', sa.BigInteger(), nullable=False),
    sa.Column('edits', sa.BigInteger(), nullable=False),
    sa.Column('deletions', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_checkpoints_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', name=op.f('pk_source_checkpoints'))
    )
    # Plain ALTER TABLE (no batch copy): SQLite adds and drops these columns
    # in place, while a batch copy would drop a table other tables refer to.
    op.add_column('messages', sa.Column('edited_at', sa.DateTime(), nullable=True))
    op.add_column('messages', sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('messages', 'deleted_at')
    op.drop_column('messages', 'edited_at')
    op.drop_table('source_checkpoints')
    op.drop_table('sources')

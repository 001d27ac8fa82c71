"""inbox: knowledge-base articles and saved replies

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # knowledge base
    op.create_table(
        'kb_articles',
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=True),
        sa.Column('vector_model', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    )
    op.create_index('ix_kb_articles_updated_at', 'kb_articles', ['updated_at'])
    # saved replies
    op.create_table(
        'saved_replies',
        sa.Column('id', _ID, nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies')),
        sa.UniqueConstraint('title', name=op.f('uq_saved_replies_title')),
    )


def downgrade() -> None:
    op.drop_table('saved_replies')
    op.drop_table('kb_articles')

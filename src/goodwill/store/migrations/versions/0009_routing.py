"""inbox: routing rules (versioned) and SLA policies

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'teams',
        sa.Column('id', _ID, nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('manager_id', _ID, nullable=True),
        sa.Column('last_assigned_id', _ID, nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
        sa.UniqueConstraint('name', name=op.f('uq_teams_name')),
    )
    op.create_table(
        'team_members',
        sa.Column('team_id', _ID, nullable=False),
        sa.Column('user_id', _ID, nullable=False),
        sa.Column('available', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users')),
        sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_members')),
    )
    op.create_index(op.f('ix_team_members_user_id'), 'team_members', ['user_id'])
    op.create_table(
        'routing_rules',
        sa.Column('id', _ID, nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('conditions', sa.JSON(), nullable=False),
        sa.Column('actions', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
        sa.UniqueConstraint('rule_id', 'version', name=op.f('uq_routing_rules_rule_id_version')),
    )
    op.create_table(
        'sla_policies',
        sa.Column('id', _ID, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('min_priority', sa.Float(), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=False),
        sa.Column('resolution_minutes', sa.Integer(), nullable=False),
        sa.Column('timezone', sa.String(length=100), nullable=False),
        sa.Column('hours', sa.JSON(), nullable=False),
        sa.Column('holidays', sa.JSON(), nullable=False),
        sa.Column('near_breach', sa.Float(), nullable=False),
        sa.Column('escalate', sa.String(length=20), nullable=False),
        sa.Column('escalate_to', sa.String(length=80), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
        sa.UniqueConstraint('name', name=op.f('uq_sla_policies_name')),
    )
    op.create_table(
        'case_routes',
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('rule_version_id', _ID, nullable=True),
        sa.Column('team_id', _ID, nullable=True),
        sa.Column('sla_policy', sa.String(length=100), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('routed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_routes_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rule_version_id'], ['routing_rules.id'], name=op.f('fk_case_routes_rule_version_id_routing_rules')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_case_routes_team_id_teams'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_routes')),
    )
    op.create_index(op.f('ix_case_routes_team_id'), 'case_routes', ['team_id'])
    op.create_table(
        'sla_escalations',
        sa.Column('id', _ID, nullable=False),
        sa.Column('case_id', _ID, nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('escalated_at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('to_user_id', _ID, nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sla_escalations_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_escalations')),
        sa.UniqueConstraint('case_id', 'target', name=op.f('uq_sla_escalations_case_id_target')),
    )


def downgrade() -> None:
    op.drop_table('sla_escalations')
    op.drop_index(op.f('ix_case_routes_team_id'), table_name='case_routes')
    op.drop_table('case_routes')
    op.drop_table('sla_policies')
    op.drop_table('routing_rules')
    op.drop_index(op.f('ix_team_members_user_id'), table_name='team_members')
    op.drop_table('team_members')
    op.drop_table('teams')

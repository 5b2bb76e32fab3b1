"""calendar official schedules

Official whole-year schedules an administrator loads for years `chinese_calendar` lacks
(`repair calendar load --official YEAR`): the years and their days. Overrides stay in calendar_overrides.

Revision ID: c4e1a2b7d9f0
Revises: c1a5e7b10b5f
Create Date: 2026-12-02 19:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c4e1a2b7d9f0'
down_revision = 'c1a5e7b10b5f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_official_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(), nullable=False),
        sa.Column('loaded_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    op.create_table(
        'calendar_official_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_index('ix_calendar_official_days_year', 'calendar_official_days', ['year'])


def downgrade() -> None:
    op.drop_index('ix_calendar_official_days_year', table_name='calendar_official_days')
    op.drop_table('calendar_official_days')
    op.drop_table('calendar_official_years')

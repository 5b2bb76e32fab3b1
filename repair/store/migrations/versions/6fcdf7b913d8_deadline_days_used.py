"""deadline days used

`deadlines.days_used`: the days a met clock ran (see repair.domain.clocks.days_used), filled by the clocks
from now on and here for the clocks already met, with the working-day calendar as stored (official data
plus the administrator's overrides). The audit index gains the column so the figures read it from there.

Revision ID: 6fcdf7b913d8
Revises: 6c6fd7dbb139
Create Date: 2026-11-26 08:37:22.396286
"""
from alembic import op
import sqlalchemy as sa

from repair.calendar import DayOverride, WorkCalendar
from repair.domain.clocks import days_used

revision = '6fcdf7b913d8'
down_revision = '6c6fd7dbb139'
branch_labels = None
depends_on = None

BATCH = 5000
OLD_AUDIT_COLUMNS = ['case_id', 'stage', 'started_on', 'status', 'due', 'met_on', 'paused_days', 'unit',
                     'limit_days']
OVERRIDES = sa.table('calendar_overrides', sa.column('day', sa.Date), sa.column('kind', sa.String),
                     sa.column('name', sa.String))
DEADLINES = sa.table('deadlines', sa.column('id', sa.Integer), sa.column('unit', sa.String),
                     sa.column('started_on', sa.Date), sa.column('met_on', sa.Date),
                     sa.column('paused_days', sa.Integer), sa.column('status', sa.String),
                     sa.column('days_used', sa.Integer))


def _backfill(connection) -> None:
    """days_used of every met clock, a batch of BATCH rows at a time (in id order)."""
    overrides = connection.execute(sa.select(OVERRIDES.c.day, OVERRIDES.c.kind, OVERRIDES.c.name)).all()
    calendar = WorkCalendar([DayOverride(day=r.day, kind=r.kind, name=r.name) for r in overrides])
    d = DEADLINES.c
    read = (sa.select(d.id, d.unit, d.started_on, d.met_on, d.paused_days)
            .where(d.status == 'met', d.met_on.is_not(None), d.id > sa.bindparam('after'))
            .order_by(d.id).limit(BATCH))
    write = DEADLINES.update().where(d.id == sa.bindparam('b_id')).values(days_used=sa.bindparam('used'))
    after = 0
    while rows := connection.execute(read, {'after': after}).all():
        values = [{'b_id': r.id, 'used': days_used(calendar, r.unit, r.started_on, r.met_on, r.paused_days)}
                  for r in rows]
        filled = [v for v in values if v['used'] is not None]  # None: spans an estimated year, left NULL
        if filled:
            connection.execute(write, filled)
        after = rows[-1].id


def upgrade() -> None:
    op.add_column('deadlines', sa.Column('days_used', sa.Integer(), nullable=True))
    _backfill(op.get_bind())
    op.drop_index('ix_deadlines_audit', table_name='deadlines')
    op.create_index('ix_deadlines_audit', 'deadlines', [*OLD_AUDIT_COLUMNS, 'days_used'], unique=False)


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite ≥ 3.35 drops a column in place): no table copy under enforced foreign keys.
    op.drop_index('ix_deadlines_audit', table_name='deadlines')
    op.create_index('ix_deadlines_audit', 'deadlines', OLD_AUDIT_COLUMNS, unique=False)
    op.drop_column('deadlines', 'days_used')

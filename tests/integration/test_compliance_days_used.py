"""The days a clock used, stored when it is met (`deadlines.days_used`), and how the compliance figures read
them: stored counts as they are, counted again where the calendar may have changed since, and the migration
that fills them for clocks met before the column existed."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, update

from repair.domain.actors import Actor
from repair.services.calendar.overrides import calendar_for, load_overrides
from repair.store import migrate
from repair.store.db import make_engine
from repair.store.models import Base
from tests.conftest import at
from tests.integration.test_compliance_figures import EXPECTED, as_table, build_timelines, figures

DEADLINES, CASES = Base.metadata.tables["deadlines"], Base.metadata.tables["cases"]
REVISION = "6fcdf7b913d8"  # the migration that adds days_used
DECISION = ("FGW", "penalty_repair", "decision")


@pytest.fixture
def timelines(world, make_case, fire):
    return build_timelines(world, make_case, fire)


def met_clocks(world) -> list:
    d, c = DEADLINES.c, CASES.c
    with world.uow(read_only=True) as uow:
        query = (select(d.id, c.case_no, d.stage, d.started_on, d.met_on, d.paused_days, d.days_used)
                 .join_from(DEADLINES, CASES, c.id == d.case_id).where(d.status == "met").order_by(d.id))
        return uow.connection.execute(query).all()


def set_days_used(world, value) -> None:
    with world.uow() as uow:
        uow.connection.execute(update(DEADLINES).where(DEADLINES.c.status == "met").values(days_used=value))
        uow.commit()


def test_met_clocks_store_the_working_days_they_used(world, timelines):
    clocks = met_clocks(world)
    with world.uow(read_only=True) as uow:
        calendar = calendar_for(world, uow)
    assert len(clocks) == 18
    assert [c.days_used for c in clocks] == [
        calendar.count_workdays(c.started_on, c.met_on) - c.paused_days for c in clocks]
    # B: accepted 11-03, supplement 11-05..11-12 (5 working days paused), granted 11-24: of the 15 working
    # days in (11-03, 11-24] the decision used 10; feedback, from the submission on 11-02, one more.
    used = {c.stage: c.days_used for c in clocks if c.case_no == timelines["B"]}
    assert used == {"acceptance": 1, "decision": 10, "feedback": 11}


def test_figures_read_the_stored_counts(world, timelines):
    set_days_used(world, DEADLINES.c.days_used + 100)
    shifted = as_table(figures(world)["rows"])
    for key, row in EXPECTED.items():
        assert shifted[key][:9] == row[:9]
        assert shifted[key][9:] == tuple(None if v is None else round(v + 100, 2) for v in row[9:])


def test_clocks_without_a_stored_count_are_counted_from_the_calendar(world, timelines):
    set_days_used(world, None)
    assert as_table(figures(world)["rows"]) == EXPECTED


def test_calendar_data_loaded_after_clocks_were_met_recounts_them(world, timelines):
    # 2026-11-04 declared a holiday on 12-01, after the November clocks that spanned it were met.
    with world.uow() as uow:
        load_overrides(world, uow, "date,kind,name\n2026-11-04,holiday,临时停工\n", actor=Actor("admin", "admin"),
                       now=at("2026-12-01"))
    after_load = as_table(figures(world)["rows"])
    assert after_load[DECISION][9:] != EXPECTED[DECISION][9:]  # one working day fewer for most clocks
    set_days_used(world, None)
    assert after_load == as_table(figures(world)["rows"])  # the same as counting every clock afresh


def test_migration_fills_the_clocks_met_before_it(world, timelines):
    # Going down past the calendar layers drops 2027's official schedule, so after the way back up 2027 is an
    # estimated year again: the migration fills every clock but those reaching into it (counted when loaded).
    before = [(c.id, None if c.met_on.year >= 2027 else c.days_used) for c in met_clocks(world)]
    assert sum(used is None for _, used in before) == 2
    world.dispose()
    engine = make_engine(world.settings.database_url)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, ScriptDirectory.from_config(config).get_revision(REVISION).down_revision)
    migrate.upgrade(engine, REVISION)
    migrate.upgrade(engine)
    engine.dispose()
    assert [(c.id, c.days_used) for c in met_clocks(world)] == before

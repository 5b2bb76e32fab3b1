"""Alembic: one head, and `upgrade head` on an empty database produces exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from repair.store import migrate
from repair.store.db import make_engine
from repair.store.models import Base


def test_exactly_one_head():
    assert len(migrate.heads()) == 1


def test_upgraded_schema_matches_the_models(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # already at head: running again is a no-op
    with engine.connect() as connection:
        options = {"compare_type": True, "include_name": migrate.ours}  # the job queue's tables are not ours
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_creates_case_events(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        tables = set(engine.dialect.get_table_names(connection))
    engine.dispose()
    assert {"case_events", "cases", "deadlines", "records", "users", "calendar_overrides"} <= tables

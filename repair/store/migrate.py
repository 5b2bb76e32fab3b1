"""Create or migrate the schema with Alembic (idempotent)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# The job queue (procrastinate) owns these tables on PostgreSQL and migrates them itself.
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def ours(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic `include_name`: our schema only, not the job queue's tables (nor their indexes)."""
    return not (type_ == "table" and (name or "").startswith(FOREIGN_TABLE_PREFIXES))


def alembic_config() -> Config:
    """Alembic configuration pointing at the package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def heads() -> list[str]:
    """The migration heads (a healthy tree has exactly one)."""
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the latest)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (developer tool)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

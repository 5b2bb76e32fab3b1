"""Engine and session factories; SQLite pragmas and immediate write transactions."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    # WAL + NORMAL never corrupts; only the last commits can be lost on power failure.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and explicit BEGIN handling."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A writer takes the write lock at BEGIN: two writers never deadlock on a lock upgrade.
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True for SQLite engines."""
    return engine.dialect.name == "sqlite"


def make_session_factories(engine: Engine) -> tuple[sessionmaker, sessionmaker]:
    """Return (writer, reader) session factories."""
    writer_bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    writer = sessionmaker(bind=writer_bind, expire_on_commit=False, autoflush=False)
    reader = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    return writer, reader

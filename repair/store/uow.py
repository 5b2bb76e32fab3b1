"""Unit of work: one session, one transaction; leaving without commit rolls back."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from repair.errors import ConcurrencyConflict


class UnitOfWork:
    """Context manager around one transaction. Only services call `commit()`."""

    def __init__(self, writer: sessionmaker, reader: sessionmaker | None = None, *, read_only: bool = False):
        self._factory = reader if (read_only and reader is not None) else writer
        self.read_only = read_only
        self.session: Session | None = None
        self._connection = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        return self

    def __exit__(self, *exc) -> None:
        assert self.session is not None
        # close() rolls back whatever was not committed; unlike rollback() it leaves loaded objects readable.
        self.session.close()
        self.session = None
        self._connection = None

    @property
    def connection(self):
        """The transaction's Core connection, for the hot path's explicit statements (looked up once)."""
        assert self.session is not None
        if self._connection is None:
            self._connection = self.session.connection()
        return self._connection

    @property
    def dialect(self) -> str:
        assert self.session is not None
        return self.session.get_bind().dialect.name

    def commit(self) -> None:
        """Commit; a lost race (stale version, duplicate history seq, lock) becomes ConcurrencyConflict."""
        assert self.session is not None and not self.read_only
        self._connection = None  # the next statement, if any, runs in a new transaction
        try:
            self.session.commit()
        except (StaleDataError, IntegrityError, OperationalError) as error:
            self.session.rollback()
            if isinstance(error, IntegrityError) and "case_events" not in str(error):
                raise
            if isinstance(error, OperationalError) and not _is_lock_error(error):
                raise
            raise ConcurrencyConflict(
                "案件已被他人同时修改，请刷新后重试 / the case was changed concurrently; reload and retry"
            ) from error

    def flush(self) -> None:
        """Flush pending changes, mapping lost races like commit()."""
        assert self.session is not None
        try:
            self.session.flush()
        except StaleDataError as error:
            raise ConcurrencyConflict(
                "案件已被他人同时修改，请刷新后重试 / the case was changed concurrently; reload and retry"
            ) from error


def _is_lock_error(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "locked" in text or "deadlock" in text or "could not serialize" in text

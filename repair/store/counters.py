"""Gapless counters: the increment commits or rolls back with the transaction that used it."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from repair.store.models import Counter
from repair.store.uow import UnitOfWork


def _upsert(insert):
    statement = insert(Counter).values(key=None, value=1)
    return (statement.on_conflict_do_update(index_elements=["key"], set_={"value": Counter.value + 1})
            .returning(Counter.value))


_NEXT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def next_value(uow: UnitOfWork, key: str) -> int:
    """Increment and return the counter `key` in one statement (row-locked until the transaction ends)."""
    return uow.connection.execute(_NEXT[uow.dialect], {"key": key}).scalar_one()

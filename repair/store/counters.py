"""Gapless counters: the increment commits or rolls back with the transaction that used it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from repair.store.models import Counter
from repair.store.uow import UnitOfWork


def next_value(uow: UnitOfWork, key: str) -> int:
    """Increment and return the counter `key` (row-locked until the transaction ends)."""
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    uow.session.execute(insert(Counter).values(key=key, value=0).on_conflict_do_nothing(index_elements=["key"]))
    return uow.session.execute(
        update(Counter).where(Counter.key == key).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar_one()

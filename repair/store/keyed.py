"""Looking up a batch of rows by a composite key in one statement that stays fast on every database.

A row-value `IN` list ((a, b) IN ((…), …)) is what SQLite wants, but PostgreSQL plans thousands of them as one
OR-chain it rechecks row by row (20 s for 5,000 keys against 50,000 records); there the keys go in as one
array per column, unnested into a derived table and joined on the unique index (0.25 s).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ARRAY, Column, Connection, and_, bindparam, func, select, tuple_
from sqlalchemy.engine import Result


def select_by_keys(connection: Connection, columns: Sequence, key_columns: Sequence[Column],
                   keys: Sequence[tuple]) -> Result:
    """SELECT `columns` of the rows whose `key_columns` equal one of `keys` (tuples in key-column order)."""
    if connection.dialect.name != "postgresql":
        return connection.execute(select(*columns).where(tuple_(*key_columns).in_(list(keys))))
    arrays = [func.unnest(bindparam(f"key_{i}", [key[i] for key in keys], type_=ARRAY(column.type)))
              .label(f"k{i}") for i, column in enumerate(key_columns)]
    wanted = select(*arrays).subquery("wanted")
    join_on = and_(*(column == wanted.c[f"k{i}"] for i, column in enumerate(key_columns)))
    table = key_columns[0].table
    return connection.execute(select(*columns).select_from(table.join(wanted, join_on)))

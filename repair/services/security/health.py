"""Readiness: can this node reach its database (one trivial read, no data returned)."""

from __future__ import annotations

from sqlalchemy import text


def database_ready(runtime) -> None:
    """Raise whatever the driver raises when the database does not answer."""
    with runtime.uow(read_only=True) as uow:
        uow.session.execute(text("SELECT 1")).scalar_one()

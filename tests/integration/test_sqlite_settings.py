"""The embedded SQLite database runs in WAL mode with foreign keys enforced."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from repair.store.db import make_engine


def test_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_a_deadline_cannot_point_to_a_missing_case(runtime):
    with runtime.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(text("INSERT INTO deadlines (case_id, stage, title, limit_days, unit, basis, confirmed, "
                          "started_on, due, provisional, paused_days, extended_days, status, derivation) VALUES "
                          "(999, 's', 't', 1, 'workdays', 'b', true, '2026-01-01', '2026-01-02', false, 0, 0, 'running', '')"))

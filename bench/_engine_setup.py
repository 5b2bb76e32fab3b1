"""Untimed part of `bench/engine.py`: databases with N penalty cases waiting in `fulfilment_check`.

Each target (SQLite file, PostgreSQL database) is built once through the real services, then copied
so that the engine and the Core baseline each start from the same rows in a database of their own.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from repair.config import Settings
from repair.domain.actors import Actor
from repair.services.cases.verbs import fire, submit_application
from repair.services.security.users import add_user
from repair.services.setup.runtime import LOCAL_TZ, Runtime
from repair.store.db import normalise_url
from repair.store.migrate import upgrade
from repair.store.models import Department, Fulfilment, Record

USCC = "91310115MA1K4QWE8M"
OFFICER = Actor("fgw_officer", "officer", department="FGW")
ENTERPRISE = Actor("ent", "enterprise", uscc=USCC)
# A Monday; a 2025-06-02 general penalty is inside its repair window then (min publicity over, max not).
SUBMITTED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL_TZ)
PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Pair:
    """Two identical databases: one for the engine, one for the baseline."""

    kind: str
    engine_url: str
    baseline_url: str
    case_nos: tuple[str, ...]


def phase_times(round_no: int) -> tuple[datetime, datetime]:
    """When round `round_no` requests a supplement and when the enterprise supplies it (one day later)."""
    request = SUBMITTED_AT + timedelta(days=1 + 2 * round_no)
    return request, request + timedelta(days=1)


def populate(runtime: Runtime, cases: int) -> tuple[str, ...]:
    """Department, users, N paid penalty records, N cases submitted and accepted; returns the case numbers."""
    now = SUBMITTED_AT
    stamp = now.replace(tzinfo=None)
    with runtime.uow() as uow:
        runtime.workflows.register_current(uow, now)
        uow.session.add(Department(code="FGW", name="区发展改革委", channel="ndrc"))
        uow.session.flush()
        add_user(uow, username=OFFICER.username, role="officer", department="FGW", now=now)
        add_user(uow, username=ENTERPRISE.username, role="enterprise", uscc=USCC, now=now)
        records = [Record(kind="administrative_penalty", authority_code="FGW", decision_no=f"沪浦发改罚〔2025〕{i}号",
                          uscc=USCC, party_name="上海示例贸易有限公司", channel="ndrc", tier="general", sector=None,
                          decided_on=date(2025, 6, 2), published_on=date(2025, 6, 9), penalty_types="罚款",
                          fine_amount=Decimal("5000.00"), legal_basis="《行政处罚法》", facts="示例违法事实",
                          status="published", created_at=stamp, updated_at=stamp)
                   for i in range(1, cases + 1)]
        uow.session.add_all(records)
        uow.session.flush()
        uow.session.add_all([Fulfilment(record_id=r.id, kind="fine_payment", amount=r.fine_amount,
                                        occurred_on=date(2025, 6, 20), reference="JK1", source="财政",
                                        recorded_at=stamp) for r in records])
        record_ids = [r.id for r in records]
        uow.commit()
    case_nos = []
    for record_id in record_ids:
        with runtime.uow() as uow:
            case_nos.append(submit_application(runtime, uow, record_id=record_id, actor=ENTERPRISE, now=now,
                                               commitment_signed=True).case_no)
    for case_no in case_nos:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "accept", actor=OFFICER, now=now)
    return tuple(case_nos)


def build(url: str, instance: Path, cases: int) -> tuple[str, ...]:
    """Migrate `url` and populate it through the services."""
    runtime = Runtime(Settings(instance_path=instance, database_url=url))
    try:
        upgrade(runtime.engine)
        return populate(runtime, cases)
    finally:
        runtime.dispose()


def sqlite_pair(workdir: Path, cases: int) -> Pair:
    """A populated SQLite file and a byte copy of it."""
    source = workdir / "engine.db"
    case_nos = build(f"sqlite:///{source}", workdir, cases)
    with sqlite3.connect(source) as conn:  # fold the WAL into the main file before copying it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = workdir / "baseline.db"
    shutil.copyfile(source, target)
    return Pair("sqlite", f"sqlite:///{source}", f"sqlite:///{target}", case_nos)


def pg_admin_url(explicit: str | None) -> str | None:
    """The PostgreSQL server to use, if one answers (explicit URL first, then the local default)."""
    url = normalise_url(explicit or PG_DEFAULT_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return url
    except Exception as error:  # noqa: BLE001 - any failure means "no server here": go on without PG
        if explicit:
            raise SystemExit(f"REPAIR_BENCH_PG_URL 无法连接 / cannot connect: {error}") from error
        return None
    finally:
        engine.dispose()


@contextmanager
def pg_pair(admin_url: str, workdir: Path, cases: int, tag: str) -> Iterator[Pair]:
    """Two temporary databases on `admin_url`'s server (the second cloned from the first); dropped after."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = (f"repair_bench_{tag}_engine", f"repair_bench_{tag}_core")
    base = admin_url.rsplit("/", 1)[0]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{names[0]}"'))
        case_nos = build(f"{base}/{names[0]}", workdir, cases)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"'))
        yield Pair("postgresql", f"{base}/{names[0]}", f"{base}/{names[1]}", case_nos)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

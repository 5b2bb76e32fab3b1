"""Benchmark: penalty records imported per second from CSV, bulk import beside a naive per-row ORM baseline.

Run as `.venv/bin/python bench/import.py [--rows N] [--baseline-rows M] [--batch-size B] [--database postgresql]`. Generates an
N-row CSV of valid records (codes from `make_uscc`), imports it with `repair.services.exchange.imports.import_records`
into a fresh SQLite file (hashing, header check, validation, bulk upsert, batch commits, rejects file: the
whole service), then re-imports it (every row unchanged). The baseline imports the first M rows of the
same file into another fresh SQLite file the naive way: the same row checks, then per row one ORM
lookup, `session.add` and a commit. Prints a summary; the last line is the JSON object
{"metric": "import_records_per_s", "value": ..., "baseline": ..., "ratio": ...}. Exits non-zero, without
the JSON line, when either side stored a different number of rows than it should have.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# This folder holds calendar.py: keep it off the path so `import calendar` stays the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from repair.config import Settings  # noqa: E402
from repair.domain.uscc import make_uscc  # noqa: E402
from repair.exchange.formats import RawRow  # noqa: E402
from repair.exchange.validation import RECORD_FIELDS, RecordRules  # noqa: E402
from repair.services.cases.history import utc_naive  # noqa: E402
from repair.services.cases.verbs import local_date  # noqa: E402
from repair.services.exchange.imports import DEFAULT_BATCH, import_records  # noqa: E402
from repair.services.setup.runtime import Runtime, local_now  # noqa: E402
from repair.store.db import normalise_url  # noqa: E402
from repair.store.migrate import upgrade  # noqa: E402
from repair.store.models import Department, Record  # noqa: E402

DEPARTMENTS = (("FGW", "区发展改革委", "ndrc"), ("SCJG", "区市场监管局", "samr"), ("YJJ", "区应急管理局", "ndrc"))
TIERS = ("minor", "general", "serious")
SECTORS = ("", "food", "drug", "special_equipment", "work_safety", "fire_safety")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CREATED: list[str] = []


def write_rows(path: Path, count: int) -> None:
    """A CSV of `count` valid penalty records spread over three departments."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RECORD_FIELDS)
        for i in range(count):
            code, _, _ = DEPARTMENTS[i % 3]
            month, day = 1 + i % 9, 1 + i % 28
            writer.writerow([code, f"沪浦{code}罚〔2026〕{i + 1}号", make_uscc(f"{i:08d}"), f"上海测试企业{i}有限公司",
                             f"2025-{month:02d}-{day:02d}", f"2025-{month + 1:02d}-{day:02d}", "罚款;警告",
                             f"{1000 + i % 50000}.{i % 100:02d}", TIERS[i % 3], SECTORS[i % 6],
                             "《中华人民共和国行政处罚法》第二十八条", f"第{i}号案件违法事实"])


def database_url(kind: str, instance: Path, name: str) -> str:
    """A new, empty database: a SQLite file in `instance`, or a PostgreSQL database made for this run."""
    if kind == "sqlite":
        return f"sqlite:///{instance / 'repair.db'}"
    admin_url = normalise_url(os.environ.get("REPAIR_TEST_DATABASE_URL", PG_DEFAULT))
    database = f"repair_bench_{name}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    CREATED.append(database)
    return admin_url.rsplit("/", 1)[0] + "/" + database


def drop_databases() -> None:
    """Drop the PostgreSQL databases this run made."""
    if not CREATED:
        return
    admin = create_engine(normalise_url(os.environ.get("REPAIR_TEST_DATABASE_URL", PG_DEFAULT)),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for database in CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def fresh_runtime(folder: Path, name: str, kind: str = "sqlite") -> Runtime:
    """A runtime over a new, migrated database (SQLite file or PostgreSQL) holding the three departments."""
    instance = folder / name
    instance.mkdir()
    runtime = Runtime(Settings(instance_path=instance, database_url=database_url(kind, instance, name)))
    upgrade(runtime.engine)
    with runtime.uow() as uow:
        uow.session.add_all(Department(code=c, name=n, channel=ch) for c, n, ch in DEPARTMENTS)
        uow.commit()
    return runtime


def naive_import(runtime: Runtime, path: Path, limit: int) -> int:
    """The baseline: same checks, then one ORM lookup, add and commit per row."""
    now = local_now()
    stamp = utc_naive(now)
    with runtime.uow(read_only=True) as uow:
        departments = dict(uow.session.execute(select(Department.code, Department.channel)).all())
    rules = RecordRules(departments, local_date(now))
    stored = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            if number - 1 > limit:
                break
            values, _ = rules.check(RawRow(number, raw))
            if values is None:
                continue
            with runtime.uow() as uow:
                key = (Record.authority_code == values["authority_code"],
                       Record.decision_no == values["decision_no"])
                existing = uow.session.scalar(select(Record).where(*key))
                if existing is None:
                    uow.session.add(Record(**values, status="published", created_at=stamp, updated_at=stamp))
                    stored += 1
                uow.commit()
    return stored


def count_records(runtime: Runtime) -> int:
    """Rows in `records`."""
    with runtime.uow(read_only=True) as uow:
        return uow.session.scalar(select(func.count(Record.id)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="PostgreSQL: REPAIR_TEST_DATABASE_URL (default the local test server); "
                             "each side gets its own new database, dropped at the end")
    args = parser.parse_args()
    try:
        return run(args)
    finally:
        drop_databases()


def run(args) -> int:
    """Generate, import, re-import, run the baseline; print the figures."""

    with tempfile.TemporaryDirectory(prefix="repair-bench-import-") as tmp:
        folder = Path(tmp)
        source = folder / "penalties.csv"
        started = time.perf_counter()
        write_rows(source, args.rows)
        print(f"generated {args.rows} rows ({source.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s")

        bulk = fresh_runtime(folder, "bulk", args.database)
        started = time.perf_counter()
        first = import_records(bulk, source, actor="bench", now=local_now(), batch_size=args.batch_size)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        again = import_records(bulk, source, actor="bench", now=local_now(), batch_size=args.batch_size)
        again_elapsed = time.perf_counter() - started
        total = count_records(bulk)
        bulk.dispose()

        naive = fresh_runtime(folder, "naive", args.database)
        started = time.perf_counter()
        naive_stored = naive_import(naive, source, args.baseline_rows)
        naive_elapsed = time.perf_counter() - started
        naive_total = count_records(naive)
        naive.dispose()

    sample = min(args.rows, args.baseline_rows)
    if (first.stored, first.rejected, again.unchanged, total) != (args.rows, 0, args.rows, args.rows) \
            or naive_stored != sample or naive_total != sample:
        print(f"MISMATCH: bulk stored {first.stored}, rejected {first.rejected}, re-import unchanged "
              f"{again.unchanged}, table {total}; baseline stored {naive_stored}, table {naive_total}")
        return 1
    rate, naive_rate = args.rows / elapsed, sample / naive_elapsed
    print(f"bulk import : {args.rows} rows in {elapsed:.2f} s = {rate:,.0f} rows/s (batch {args.batch_size})")
    print(f"re-import   : {args.rows} rows unchanged in {again_elapsed:.2f} s = "
          f"{args.rows / again_elapsed:,.0f} rows/s")
    print(f"naive (ORM) : {sample} rows in {naive_elapsed:.2f} s = {naive_rate:,.0f} rows/s "
          "(per-row add + commit)")
    print(f"speed-up    : {rate / naive_rate:.1f}x; re-import / first import time: {again_elapsed / elapsed:.2f}"
          f" ({args.database})")
    print(json.dumps({"metric": "import_records_per_s", "value": round(rate, 1),
                      "baseline": round(naive_rate, 1), "ratio": round(rate / naive_rate, 2),
                      "database": args.database, "first_import_s": round(elapsed, 2),
                      "reimport_s": round(again_elapsed, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

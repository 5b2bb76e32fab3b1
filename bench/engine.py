"""Benchmark: committed workflow transitions per second, engine beside the same SQL through SQLAlchemy Core.

Run as `.venv/bin/python bench/engine.py [--cases N] [--rounds R] [--no-pg]`. Prints a summary; the last
line is a JSON object {"metric": "engine_transitions_per_s_sqlite", "value": ..., "baseline": ...,
"ratio": ...} (plus the PostgreSQL figures, null when no server answered).

Workload: N penalty cases in `fulfilment_check` (submitted and accepted through the services, untimed).
Each round fires `request_supplement` (officer, with a reason: the decision and feedback clocks pause,
two suspensions open) on every case, then one day later `supply` (enterprise: the suspensions close,
the clocks resume and their due dates and derivations are recomputed). Every firing is one committed
transaction (BEGIN IMMEDIATE on SQLite): load the case FOR UPDATE with its deadlines, fire, update the
deadlines, append the hash-chained event, update the case under its version check, commit. The
ping-pong is legal forever, so every round does the same work. Round 0 warms caches and is not
counted. The engine and the baseline run on two copies of the same database, alternating who goes
first, and must end with identical rows (same hashes, due dates and derivations), which checks that
the baseline did the same work.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# This folder holds calendar.py: keep it off the path so `import calendar` stays the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import event, select  # noqa: E402

from bench._engine_baseline import CoreBaseline  # noqa: E402
from bench._engine_setup import (  # noqa: E402
    ENTERPRISE, OFFICER, Pair, pg_admin_url, pg_pair, phase_times, sqlite_pair)
from repair.calendar import WorkCalendar  # noqa: E402
from repair.config import Settings  # noqa: E402
from repair.services.cases import fire  # noqa: E402
from repair.services.runtime import Runtime  # noqa: E402
from repair.store.db import make_engine  # noqa: E402
from repair.store.models import Base  # noqa: E402

WORKFLOW = "penalty_repair"
REASON = "请补充缴款凭证原件扫描件"
COMPARED = ("cases", "deadlines", "deadline_suspensions", "case_events")
TARGET_RATIO, TARGET_RATE = 1 / 3, 1_000


def engine_round(runtime: Runtime, case_nos: tuple[str, ...], round_no: int) -> tuple[float, float, float]:
    """Both phases of one round through the engine; returns (request s, supply s, process CPU s)."""
    request_at, supply_at = phase_times(round_no)
    gc.collect()
    cpu, begin = time.process_time(), time.perf_counter()
    for case_no in case_nos:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "request_supplement", actor=OFFICER, now=request_at, reason=REASON)
    middle = time.perf_counter()
    for case_no in case_nos:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "supply", actor=ENTERPRISE, now=supply_at)
    return middle - begin, time.perf_counter() - middle, time.process_time() - cpu


def core_round(baseline: CoreBaseline, calendar: WorkCalendar, case_nos: tuple[str, ...],
               round_no: int) -> tuple[float, float, float]:
    """Both phases of one round through the Core baseline; due dates are precomputed between them, untimed."""
    request_at, supply_at = phase_times(round_no)
    gc.collect()
    cpu, begin = time.process_time(), time.perf_counter()
    for case_no in case_nos:
        baseline.request_supplement(case_no, actor=OFFICER.username, now=request_at, reason=REASON)
    requested, cpu = time.perf_counter() - begin, time.process_time() - cpu
    baseline.prepare_supply(calendar, supply_at.date())
    gc.collect()
    cpu, begin = time.process_time() - cpu, time.perf_counter()
    for case_no in case_nos:
        baseline.supply(case_no, actor=ENTERPRISE.username, now=supply_at)
    return requested, time.perf_counter() - begin, time.process_time() - cpu


def count_statements(engine, run) -> Counter:
    """Statements (by leading keyword; an executemany counts once) that `run()` sends through `engine`."""
    seen: Counter = Counter()

    def listener(_conn, _cursor, statement, _params, _context, _many):
        seen[statement.lstrip().split(None, 1)[0].upper()] += 1

    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the tables a firing writes, in primary-key order."""
    tables = Base.metadata.tables
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(
            select(tables[name]).order_by(*tables[name].primary_key))] for name in COMPARED}


def compare(pair: Pair, rounds: int, workdir: Path) -> dict:
    """Run engine and baseline rounds interleaved on one database pair; return medians and a check."""
    runtime = Runtime(Settings(instance_path=workdir, database_url=pair.engine_url))
    wf = runtime.workflows.named(WORKFLOW)
    baseline_engine = make_engine(pair.baseline_url)
    baseline = CoreBaseline(baseline_engine, tuple(c.stage for c in wf.clocks),
                            frozenset(c.stage for c in wf.clocks if "awaiting_supplement" in c.pauses))
    calendar = WorkCalendar([])  # what the engine builds from an empty override table
    timings: dict[str, list[tuple[float, float, float]]] = {"engine": [], "core": []}
    try:
        # Round 0 warms caches, untimed; it also counts the statements each side sends.
        statements = {
            "engine": count_statements(runtime.engine, lambda: engine_round(runtime, pair.case_nos, 0)),
            "core": count_statements(baseline_engine,
                                     lambda: core_round(baseline, calendar, pair.case_nos, 0)),
        }
        for round_no in range(1, rounds + 1):
            sides = ("engine", "core") if round_no % 2 else ("core", "engine")
            for side in sides:
                timings[side].append(engine_round(runtime, pair.case_nos, round_no) if side == "engine"
                                     else core_round(baseline, calendar, pair.case_nos, round_no))
        identical = snapshot(runtime.engine) == snapshot(baseline_engine)
    finally:
        runtime.dispose()
        baseline_engine.dispose()
    n = len(pair.case_nos)
    result = {"kind": pair.kind, "cases": n, "rounds": rounds, "identical": identical}
    for side, spent in timings.items():
        # Per transition, rounded: the engine's first firing also loads its calendar once.
        result[side + "_sql"] = {k: round(v / (2 * n), 1) for k, v in sorted(statements[side].items())}
        result[side + "_cpu_us"] = statistics.median(c / (2 * n) * 1e6 for _, _, c in spent)
        result[side] = statistics.median(2 * n / (a + b) for a, b, _ in spent)
        result[side + "_request"] = statistics.median(n / a for a, _, _ in spent)
        result[side + "_supply"] = statistics.median(n / b for _, b, _ in spent)
        result[side + "_all"] = [round(2 * n / (a + b)) for a, b, _ in spent]
    result["same_sql"] = result["engine_sql"] == result["core_sql"]
    result["ratio"] = result["engine"] / result["core"]
    return result


def describe(result: dict, setup_s: float) -> None:
    """Print one target's figures."""
    print(f"[{result['kind']}] {result['cases']} cases, {result['rounds']} rounds x {2 * result['cases']} "
          f"transitions per side (setup {setup_s:.1f} s, untimed)")
    for side, label in (("engine", "engine (ORM + workflow)"), ("core", "baseline (Core, same SQL)")):
        print(f"  {label:27s} {result[side]:8.0f} transitions/s median  "
              f"(request_supplement {result[side + '_request']:.0f}/s, "
              f"supply {result[side + '_supply']:.0f}/s; "
              f"rounds {result[side + '_all']})")
        print(f"  {'':27s} client CPU {result[side + '_cpu_us']:.0f} us/transition; "
              "statements per transition "
              f"{result[side + '_sql']}")
    print(f"  ratio engine/baseline      {result['ratio']:8.3f}")
    if not result["same_sql"]:
        print("  WARNING: the two sides send different statements: bring bench/_engine_baseline.py in line "
              "with what the engine emits")
    print("  final rows identical (cases, deadlines, suspensions, hash-chained events): "
          f"{result['identical']}")


def main() -> None:
    """Parse options, build the databases, run the comparisons, print the summary and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500, help="cases per database (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5, at most 100)")
    parser.add_argument("--pg-cases", type=int, default=None,
                        help="cases on PostgreSQL (default: --cases, at most 200: "
                             "each commit waits for a WAL flush)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    pg_cases = args.pg_cases or min(args.cases, 200)
    if not 1 <= args.cases <= 100_000 or not 1 <= pg_cases <= 100_000 or not 1 <= args.rounds <= 100:
        parser.error("--cases must be 1..100000 and --rounds 1..100 (the timeline must stay inside 2026)")
    print(__doc__.split("\n\n")[2].replace("\n", " "))
    results = {}
    with tempfile.TemporaryDirectory(prefix="repair_bench_") as tmp:
        workdir = Path(tmp)
        begin = time.perf_counter()
        pair = sqlite_pair(workdir, args.cases)
        setup_s = time.perf_counter() - begin
        results["sqlite"] = compare(pair, args.rounds, workdir)
        describe(results["sqlite"], setup_s)
        admin = None if args.no_pg else pg_admin_url(os.environ.get("REPAIR_BENCH_PG_URL"))
        if admin is None:
            print("[postgresql] skipped: " + ("--no-pg" if args.no_pg else "no server answered "
                                              "(set REPAIR_BENCH_PG_URL to an admin URL)"))
        else:
            begin = time.perf_counter()
            with pg_pair(admin, workdir, pg_cases, str(os.getpid())) as pg:
                setup_s = time.perf_counter() - begin
                results["postgresql"] = compare(pg, args.rounds, workdir)
            describe(results["postgresql"], setup_s)
    sqlite = results["sqlite"]
    met = sqlite["ratio"] >= TARGET_RATIO and sqlite["engine"] >= TARGET_RATE
    print(f"target (SQLite: engine >= baseline/3 and >= {TARGET_RATE}/s): {'met' if met else 'NOT met'}")
    if not all(r["identical"] for r in results.values()):
        raise SystemExit("engine and baseline databases differ: "
                         "the baseline no longer does the engine's work")
    pg = results.get("postgresql")
    print(json.dumps({
        "metric": "engine_transitions_per_s_sqlite", "value": round(sqlite["engine"], 1),
        "baseline": round(sqlite["core"], 1), "ratio": round(sqlite["ratio"], 3),
        "postgresql_value": round(pg["engine"], 1) if pg else None,
        "postgresql_baseline": round(pg["core"], 1) if pg else None,
        "postgresql_ratio": round(pg["ratio"], 3) if pg else None,
    }))


if __name__ == "__main__":
    main()

"""Benchmark: committed workflow transitions per second, engine beside the same SQL through SQLAlchemy Core.

Run as `.venv/bin/python bench/engine.py [--cases N] [--rounds R] [--no-pg] [--show-sql]`. Prints a summary;
the last line is a JSON object {"metric": "engine_transitions_per_s_sqlite", "value": ..., "baseline": ...,
"ratio": ...} (plus the PostgreSQL figures, null when no server answered). Exits non-zero, without the JSON
line, when the two sides sent different statements or ended with different rows.

Workload: N penalty cases in `fulfilment_check` (submitted and accepted through the services, untimed).
Each round fires `request_supplement` (officer, with a reason: the decision and feedback clocks pause,
two suspensions open) on every case, then one day later `supply` (enterprise: the suspensions close,
the clocks resume and their due dates and derivations are recomputed). Every firing is one committed
transaction (BEGIN IMMEDIATE on SQLite): load the case (FOR UPDATE on PostgreSQL) and its open
deadlines, fire, append the hash-chained event, update the case under its version check, update the
changed deadlines, open or close the suspensions, commit. The ping-pong is legal forever, so every
round does the same work. Round 0 warms caches; round 1 records the statements each side sends; neither
is timed. The engine and the baseline run on two copies of the same database, alternating who goes
first; they must send the same statement texts in the same order in every transaction and end with
identical rows (same hashes, due dates and derivations), which checks that the baseline did the same
work.
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
from bench._engine_setup import ENTERPRISE, OFFICER, Pair, pg_admin_url, pg_pair, phase_times, sqlite_pair  # noqa: E402
from repair.calendar import WorkCalendar  # noqa: E402
from repair.config import Settings  # noqa: E402
from repair.services.cases.verbs import fire  # noqa: E402
from repair.services.setup.runtime import Runtime  # noqa: E402
from repair.store.db import make_engine  # noqa: E402
from repair.store.models import Base  # noqa: E402

WORKFLOW = "penalty_repair"
REASON = "请补充缴款凭证原件扫描件"
COMPARED = ("cases", "deadlines", "deadline_suspensions", "case_events", "documents", "counters")
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


class StatementLog:
    """The statements of every committed transaction sent through an engine, in order (a context manager).

    A statement is its text with whitespace collapsed; an executemany is one statement marked with its
    number of parameter sets. Transactions that roll back (the baseline's untimed preparation) are dropped.
    """

    def __init__(self, engine):
        self.engine = engine
        self.pending: list[str] = []
        self.transactions: Counter = Counter()  # statement sequence -> committed transactions that sent it

    def __enter__(self) -> "StatementLog":
        for name, listener in self._listeners():
            event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc) -> None:
        for name, listener in self._listeners():
            event.remove(self.engine, name, listener)

    def _listeners(self):
        return (("before_cursor_execute", self._statement), ("commit", self._commit),
                ("rollback", self._rollback))

    def _statement(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        text = " ".join(statement.split())
        self.pending.append(f"{text}  -- executemany x{len(parameters)}" if executemany else text)

    def _commit(self, _conn) -> None:
        self.transactions[tuple(self.pending)] += 1
        self.pending = []

    def _rollback(self, _conn) -> None:
        self.pending = []

    def per_transition(self, transitions: int) -> dict[str, float]:
        """Statements per transition by leading keyword (for the summary)."""
        seen: Counter = Counter()
        for sequence, times in self.transactions.items():
            for statement in sequence:
                seen[statement.split(None, 1)[0].upper()] += times
        return {k: round(v / transitions, 1) for k, v in sorted(seen.items())}


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
                            frozenset(c.stage for c in wf.clocks if "awaiting_supplement" in c.pauses),
                            frozenset(state for state in wf.states if wf.is_open(state)))
    calendar = WorkCalendar([])  # what the engine builds from an empty override table
    timings: dict[str, list[tuple[float, float, float]]] = {"engine": [], "core": []}
    try:
        # Round 0 warms caches (the engine loads its workflow and calendar once), round 1 records what each
        # side sends; both untimed.
        engine_round(runtime, pair.case_nos, 0)
        core_round(baseline, calendar, pair.case_nos, 0)
        with StatementLog(runtime.engine) as engine_log, StatementLog(baseline_engine) as core_log:
            engine_round(runtime, pair.case_nos, 1)
            core_round(baseline, calendar, pair.case_nos, 1)
        for round_no in range(2, rounds + 2):
            sides = ("engine", "core") if round_no % 2 else ("core", "engine")
            for side in sides:
                timings[side].append(engine_round(runtime, pair.case_nos, round_no) if side == "engine"
                                     else core_round(baseline, calendar, pair.case_nos, round_no))
        identical = snapshot(runtime.engine) == snapshot(baseline_engine)
    finally:
        runtime.dispose()
        baseline_engine.dispose()
    n = len(pair.case_nos)
    result = {"kind": pair.kind, "cases": n, "rounds": rounds, "identical": identical,
              "engine_log": engine_log.transactions, "core_log": core_log.transactions}
    for side, spent in timings.items():
        result[side + "_sql"] = (engine_log if side == "engine" else core_log).per_transition(2 * n)
        result[side + "_cpu_us"] = statistics.median(c / (2 * n) * 1e6 for _, _, c in spent)
        result[side] = statistics.median(2 * n / (a + b) for a, b, _ in spent)
        result[side + "_request"] = statistics.median(n / a for a, _, _ in spent)
        result[side + "_supply"] = statistics.median(n / b for _, b, _ in spent)
        result[side + "_all"] = [round(2 * n / (a + b)) for a, b, _ in spent]
    result["same_sql"] = engine_log.transactions == core_log.transactions
    result["ratio"] = result["engine"] / result["core"]
    return result


def print_transactions(transactions: Counter, indent: str = "    ") -> None:
    """Each distinct statement sequence with the number of committed transactions that sent it."""
    for sequence, times in sorted(transactions.items(), key=lambda item: -item[1]):
        print(f"{indent}{times} transaction(s):")
        for statement in sequence:
            print(f"{indent}  {statement}")


def describe(result: dict, setup_s: float, show_sql: bool) -> None:
    """Print one target's figures (and the statements, when asked or when the two sides differ)."""
    print(f"[{result['kind']}] {result['cases']} cases, {result['rounds']} rounds x {2 * result['cases']} "
          f"transitions per side (setup {setup_s:.1f} s, untimed)")
    for side, label in (("engine", "engine (services + workflow)"), ("core", "baseline (Core, same SQL)")):
        print(f"  {label:28s} {result[side]:8.0f} transitions/s median  "
              f"(request_supplement {result[side + '_request']:.0f}/s, "
              f"supply {result[side + '_supply']:.0f}/s; "
              f"rounds {result[side + '_all']})")
        print(f"  {'':28s} client CPU {result[side + '_cpu_us']:.0f} us/transition; "
              "statements per transition "
              f"{result[side + '_sql']}")
    print(f"  ratio engine/baseline       {result['ratio']:8.3f}")
    if show_sql:
        print("  statements the engine sent per committed transaction (round 1):")
        print_transactions(result["engine_log"])
    if result["same_sql"]:
        print("  same statements in every transaction (full texts, order, executemany batches): True")
    else:
        print("  WARNING: the two sides send different statements: bring bench/_engine_baseline.py in line "
              "with what the engine emits")
        for side, other in (("engine", "core"), ("core", "engine")):
            print(f"  only the {side} sent:")
            print_transactions(result[side + "_log"] - result[other + "_log"])
    print("  final rows identical (cases, deadlines, suspensions, hash-chained events, documents, counters): "
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
    parser.add_argument("--show-sql", action="store_true",
                        help="print the statements the engine sends in each transaction")
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
        describe(results["sqlite"], setup_s, args.show_sql)
        admin = None if args.no_pg else pg_admin_url(os.environ.get("REPAIR_BENCH_PG_URL"))
        if admin is None:
            print("[postgresql] skipped: " + ("--no-pg" if args.no_pg else "no server answered "
                                              "(set REPAIR_BENCH_PG_URL to an admin URL)"))
        else:
            begin = time.perf_counter()
            with pg_pair(admin, workdir, pg_cases, str(os.getpid())) as pg:
                setup_s = time.perf_counter() - begin
                results["postgresql"] = compare(pg, args.rounds, workdir)
            describe(results["postgresql"], setup_s, args.show_sql)
    sqlite = results["sqlite"]
    met = sqlite["ratio"] >= TARGET_RATIO and sqlite["engine"] >= TARGET_RATE
    print(f"target (SQLite: engine >= baseline/3 and >= {TARGET_RATE}/s): {'met' if met else 'NOT met'}")
    differ = [kind for kind, r in results.items() if not r["same_sql"]]
    if differ:
        raise SystemExit(f"engine and baseline send different statements on {', '.join(differ)}: "
                         "the baseline no longer sends the engine's SQL")
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

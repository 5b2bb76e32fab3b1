"""Benchmark: the audit overview (compliance figures in SQL) beside a naive ORM-and-Python baseline.

Run as `.venv/bin/python bench/audit.py [--cases 200000] [--rebuild] [--integrity]`. The data set (one year,
2025, of cases in eight departments; see bench/_audit_data.py) is generated once with bulk Core inserts and
cached as bench/out/audit-<cases>.db (rebuilt when the schema's migration head changes). Timed: the
overview of 2025 as the web page computes it (figures, first page of overdue clocks, calendar drift), best of three; the
baseline loads every case with its deadlines through the ORM and computes the same figures in Python, once.
Both results must agree, or the script exits non-zero without the JSON line. `--integrity` also times the
hash-chain verification (it hashes every event, so it is reported apart from the overview).
Last line: {"metric": "audit_overview_seconds", "value": ..., "baseline": ..., "ratio": baseline/value}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

# This folder holds calendar.py: keep it off the path so `import calendar` stays the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import func, select  # noqa: E402

from bench._audit_data import generate  # noqa: E402
from repair.config import Settings  # noqa: E402
from repair.services.audit.integrity import verify_all  # noqa: E402
from repair.services.audit.reports import audit_report  # noqa: E402
from repair.services.calendar.overrides import calendar_for  # noqa: E402
from repair.services.setup.runtime import Runtime  # noqa: E402
from repair.store.db import make_engine  # noqa: E402
from repair.store.migrate import heads, upgrade  # noqa: E402
from repair.store.models import Case, CaseEvent, Deadline, Department  # noqa: E402

YEAR, TODAY = 2025, date(2026, 1, 15)
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)
COMPARED = ("cases", "deadlines", "met", "met_on_time", "met_late", "overdue_now", "due_soon", "open",
            "on_time_share", "median_used", "p90_used")


def database(cases: int, rebuild: bool) -> tuple[str, dict]:
    """The cached data set's URL (generated when missing, stale or asked for) and its row counts."""
    out = _HERE / "out"
    out.mkdir(exist_ok=True)
    path, stamp = out / f"audit-{cases}.db", out / f"audit-{cases}.json"
    key = {"heads": sorted(heads()), "cases": cases, "generator": 4}
    if not rebuild and path.exists() and stamp.exists() and json.loads(stamp.read_text())["key"] == key:
        return f"sqlite:///{path}", json.loads(stamp.read_text())["counts"]
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    began = time.perf_counter()
    counts = generate(engine, cases=cases, year=YEAR, today=TODAY)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"generated {counts} in {time.perf_counter() - began:.1f} s")
    stamp.write_text(json.dumps({"key": key, "counts": counts}))
    return f"sqlite:///{path}", counts


def interpolated(values: list[int], p: float) -> float:
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    values = sorted(values)
    position = (len(values) - 1) * p
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 2)


def naive_overview(runtime: Runtime) -> dict:
    """The baseline: every case and its deadlines as ORM objects, the figures computed in Python."""
    with runtime.uow(read_only=True) as uow:
        calendar = calendar_for(runtime, uow)
        next_workday = calendar.add_workdays(TODAY, 1)
        names = {d.code: d.name for d in uow.session.scalars(select(Department))}
        groups: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        used: dict[tuple, list[int]] = defaultdict(list)
        case_sets: dict[tuple, set] = defaultdict(set)
        overdue = []
        for case in uow.session.scalars(select(Case)).all():
            for d in case.deadlines:
                if not START <= d.started_on <= END:
                    continue
                key = (case.department_code, case.workflow, d.stage)
                group = groups[key]
                case_sets[key].add(case.id)
                group["deadlines"] += 1
                if d.status == "met":
                    group["met"] += 1
                    group["met_on_time"] += d.met_on <= d.due
                    used[key].append(calendar.count_workdays(d.started_on, d.met_on) - d.paused_days)
                if d.status == "running" and d.due < TODAY:
                    group["overdue_now"] += 1
                    overdue.append((case.case_no, d.stage, calendar.count_workdays(d.due, TODAY)))
                group["due_soon"] += d.status == "running" and TODAY <= d.due <= next_workday
                group["open"] += d.status in ("running", "paused")
    rows = []
    for key in sorted(groups):
        group = groups[key]
        decided = group["met"] + group["overdue_now"]
        values = used[key]
        rows.append({"department": key[0], "department_name": names[key[0]], "workflow": key[1], "stage": key[2],
                     "cases": len(case_sets[key]), **group, "met_late": group["met"] - group["met_on_time"],
                     "on_time_share": round(group["met_on_time"] / decided, 4) if decided else None,
                     "median_used": interpolated(values, 0.5) if values else None,
                     "p90_used": interpolated(values, 0.9) if values else None})
    return {"rows": rows, "overdue": sorted(overdue)}


def fast_overview(runtime: Runtime) -> dict:
    """The overview as the audit page computes it: first page of overdue clocks, no chain verification."""
    with runtime.uow(read_only=True) as uow:
        return audit_report(runtime, uow, start=START, end=END, today=TODAY, with_integrity=False,
                            overdue_page=(0, 50))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--integrity", action="store_true", help="also time the hash-chain verification")
    args = parser.parse_args()
    url, counts = database(args.cases, args.rebuild)
    runtime = Runtime(Settings(instance_path=_HERE / "out" / "instance", database_url=url))
    with runtime.uow(read_only=True) as uow:
        events = uow.session.scalar(select(func.count()).select_from(CaseEvent))
        deadlines = uow.session.scalar(select(func.count()).select_from(Deadline))
    print(f"data set: {counts['cases']} cases, {deadlines} deadlines, {events} events ({url})")
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        report = fast_overview(runtime)
        timings.append(time.perf_counter() - began)
    value = min(timings)
    print(f"overview (SQL): best {value:.3f} s, runs {', '.join(f'{t:.3f}' for t in timings)}; "
          f"{len(report['rows'])} groups, {report['overdue_total']} overdue open clocks")
    began = time.perf_counter()
    naive = naive_overview(runtime)
    baseline = time.perf_counter() - began
    print(f"baseline (ORM + Python): {baseline:.3f} s")
    fast_rows = [{k: r[k] for k in ("department", "department_name", "workflow", "stage", *COMPARED)}
                 for r in report["rows"]]
    slow_rows = [{k: r[k] for k in ("department", "department_name", "workflow", "stage", *COMPARED)}
                 for r in naive["rows"]]
    with runtime.uow(read_only=True) as uow:  # the whole overdue list, as the reports carry it
        every = audit_report(runtime, uow, start=START, end=END, today=TODAY, with_integrity=False)
    fast_overdue = sorted((o["case_no"], o["stage"], o["workdays_over"]) for o in every["overdue_open_cases"])
    if fast_rows != slow_rows or fast_overdue != naive["overdue"] or report["overdue_total"] != len(fast_overdue):
        print("MISMATCH between the SQL figures and the baseline", file=sys.stderr)
        return 1
    print("figures agree with the baseline")
    integrity = {}
    if args.integrity:
        began = time.perf_counter()
        with runtime.uow(read_only=True) as uow:
            check = verify_all(runtime, uow)
        seconds = time.perf_counter() - began
        print(f"integrity check (chains + every case row, deadline, suspension and extension replayed): "
              f"{seconds:.1f} s, {check.checked('cases')} cases, {check.checked('events')} events, "
              f"intact={check.intact}")
        for subject, problems in list(check.broken.items())[:5]:
            print(f"  {subject}: {problems[0]}", file=sys.stderr)
        if not check.intact:
            print(f"INTEGRITY: {len(check.broken)} subjects differ from their history", file=sys.stderr)
            return 1
        integrity = {"integrity_seconds": round(seconds, 1)}
    runtime.dispose()
    print(json.dumps({"metric": "audit_overview_seconds", "value": round(value, 3), "baseline": round(baseline, 3),
                      "ratio": round(baseline / value, 1), "median_run": round(statistics.median(timings), 3),
                      "cases": counts["cases"], "events": events, **integrity}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

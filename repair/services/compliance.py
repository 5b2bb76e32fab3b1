"""Time-limit compliance figures, computed in SQL: one function feeds the audit pages and every report format.

Scope: the deadlines whose clock started (`started_on`) in the period, grouped by department, workflow and
stage. Working days are counted in the database with a temporary day table (day → cumulative number of
working days up to and including it, filled from the working-day calendar), so "working days in (a, b]"
is `wd(b) - wd(a)`: two primary-key joins instead of a walk through the calendar per deadline.

Definitions (per group):
- `cases`: distinct cases; `deadlines`: stage clocks counted (cancelled ones included);
- `met` / `met_on_time` (met_on ≤ due) / `met_late`; `overdue_now`: running and due before today;
  `due_soon`: running and due today or by the next working day; `open`: running or paused;
- `on_time_share` = met_on_time / (met + overdue_now): a clock already past its due date counts as late;
- `median_used` / `p90_used`: working days used by met clocks = working days in (started_on, met_on]
  minus paused_days (the 补正 pause), as percentiles with linear interpolation (like numpy's default).

One grouped scan (`_cube`) returns counts by group, status, punctuality, timing, month and days used —
a few thousand rows however many cases there are; the per-group figures, the monthly trend and the
percentiles (from the days-used histogram) are summed from it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, and_, case, func, literal, select

from repair.domain.errors import DomainError, ValidationError
from repair.services.calendar import calendar_for
from repair.store.models import Base
from repair.store.uow import UnitOfWork

T = Base.metadata.tables
DEADLINES, CASES, DEPARTMENTS = T["deadlines"], T["cases"], T["departments"]
UNASSIGNED = "未分配"
MAX_PERIOD_DAYS = 3660
# The day table reaches this far past the period (or today): far enough for every clock met by now.
DAYS_BEYOND = 400

DAYS = Table("audit_days", MetaData(), Column("day", Date, primary_key=True), Column("ordinal", Integer),
             Column("wd", Integer), Column("month", String(7)), prefixes=["TEMPORARY"],
             sqlite_with_rowid=False)  # one b-tree search per lookup instead of index + table


def check_period(start: date, end: date) -> None:
    """Refuse an empty or overlong period."""
    if end < start:
        raise ValidationError(f"结束日期 {end} 早于开始日期 {start} / period ends before it starts", "to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError("统计期间不得超过十年 / the period may span at most ten years", "to")


def _fill_days(uow: UnitOfWork, calendar, first: date, last: date) -> dict[date, int]:
    """(Re)fill the temporary day table for [first, last]; returns day → cumulative working days."""
    connection = uow.connection
    DAYS.create(connection, checkfirst=True)
    connection.execute(DAYS.delete())
    rows, cumulative, day = [], {}, first
    count = 0
    while day <= last:
        count += calendar.is_workday(day)
        cumulative[day] = count
        rows.append({"day": day, "ordinal": day.toordinal(), "wd": count, "month": day.strftime("%Y-%m")})
        day += timedelta(days=1)
    connection.execute(DAYS.insert(), rows)
    return cumulative


def _scope(start: date, end: date, department: str | None):
    conditions = [DEADLINES.c.started_on >= start, DEADLINES.c.started_on <= end]
    if department:
        conditions.append(CASES.c.department_code == department)
    return and_(*conditions)


def _cube(uow: UnitOfWork, where, today: date, next_workday: date):
    """One grouped scan: deadline counts by group, kind (see KINDS), month started and days used."""
    d, c = DEADLINES.c, CASES.c
    started, met = DAYS.alias("started"), DAYS.alias("met")
    kind = case((d.status == "met", case((d.met_on <= d.due, 1), else_=2)),
                (d.status == "running", case((d.due < today, 3), (d.due <= next_workday, 4), else_=5)),
                (d.status == "paused", 6), else_=0)
    used = (case((d.unit == "workdays", met.c.wd - started.c.wd), else_=met.c.ordinal - started.c.ordinal)
            - d.paused_days)
    keys = (c.department_code, c.workflow, d.stage, kind, started.c.month, used)
    query = (select(*keys, func.count(), func.max(d.limit_days))
             .select_from(CASES.join(DEADLINES, c.id == d.case_id).join(started, started.c.day == d.started_on)
                          .outerjoin(met, met.c.day == d.met_on))
             .where(where).group_by(*keys))
    return uow.connection.execute(query).all()


def _repeats(uow: UnitOfWork, where) -> dict[tuple, int]:
    """Clocks restarted in the same case (sharing again after a revocation), which are not more cases.

    Grouped in the order the indexes deliver the rows (department, workflow, case, stage): no sorting."""
    d, c = DEADLINES.c, CASES.c
    query = (select(c.department_code, c.workflow, d.stage, func.count())
             .select_from(CASES.join(DEADLINES, c.id == d.case_id)).where(where)
             .group_by(c.department_code, c.workflow, c.id, d.stage).having(func.count() > 1))
    repeats: dict[tuple, int] = {}
    for dep, wf, st, n in uow.connection.execute(query):
        repeats[(dep, wf, st)] = repeats.get((dep, wf, st), 0) + n - 1
    return repeats


def _overdue(uow, where, today, today_wd: int, page: tuple[int, int] | None) -> list[dict]:
    d, c = DEADLINES.c, CASES.c
    query = (select(c.case_no, c.department_code, c.workflow, c.state, c.assigned_to, d.stage, d.title, d.due,
                    (literal(today_wd) - DAYS.c.wd).label("workdays_over"))
             .select_from(DEADLINES.join(CASES, c.id == d.case_id).join(DAYS, DAYS.c.day == d.due))
             .where(where, d.status == "running", d.due < today).order_by(d.due, c.case_no, d.stage))
    if page is not None:
        query = query.offset(page[0]).limit(page[1])
    return [{"case_no": r.case_no, "department": r.department_code, "workflow": r.workflow, "state": r.state,
             "stage": r.stage, "title": r.title, "due": r.due.isoformat(), "workdays_over": r.workdays_over,
             "responsible": r.assigned_to or UNASSIGNED} for r in uow.connection.execute(query)]


COUNTS = ("deadlines", "met", "met_on_time", "overdue_now", "due_soon", "open")
# kind: 1 met on time, 2 met late, 3 running and overdue, 4 running and due within a working day,
# 5 running otherwise, 6 paused, 0 cancelled
KINDS = {"met": (1, 2), "met_on_time": (1,), "overdue_now": (3,), "due_soon": (4,), "open": (3, 4, 5, 6)}


def _tally(target: dict, kind: int, n: int) -> None:
    target["deadlines"] += n
    for key, kinds in KINDS.items():
        if kind in kinds:
            target[key] += n


def percentile(histogram: dict[int, int], p: float) -> float | None:
    """Percentile with linear interpolation between closest ranks (numpy's default), from value → count;
    rounded to two decimals."""
    total = sum(histogram.values())
    if not total:
        return None
    values = sorted(histogram)

    def at_rank(rank: int) -> int:
        seen = 0
        for value in values:
            seen += histogram[value]
            if seen > rank:
                return value
        return values[-1]

    position = (total - 1) * p
    low = at_rank(int(position))
    high = at_rank(min(int(position) + 1, total - 1))
    return round(low + (high - low) * (position - int(position)), 2)


def _with_share(row: dict) -> dict:
    decided = row["met"] + row["overdue_now"]
    row["met_late"] = row["met"] - row["met_on_time"]
    row["on_time_share"] = round(row["met_on_time"] / decided, 4) if decided else None
    return row


def _title(runtime, workflow: str, stage: str) -> str:
    try:
        return runtime.workflows.named(workflow).clock(stage).title
    except (KeyError, LookupError, DomainError):
        return stage


def _rollup(runtime, cube, repeats: dict[tuple, int], names: dict[str, str]):
    groups: dict[tuple, dict] = {}
    months: dict[str, dict] = {}
    for dep, wf, st, kind, month, used, n, limit in cube:
        group = groups.setdefault((dep, wf, st), {**dict.fromkeys(COUNTS, 0), "limit_days": 0, "histogram": {}})
        _tally(group, kind, n)
        group["limit_days"] = max(group["limit_days"], limit)
        if kind in KINDS["met"]:
            group["histogram"][used] = group["histogram"].get(used, 0) + n
        _tally(months.setdefault(month, {"month": month, **dict.fromkeys(COUNTS, 0)}), kind, n)
    rows, departments = [], {}
    for (dep, wf, st), group in sorted(groups.items()):
        histogram = group.pop("histogram")
        rows.append(_with_share({"department": dep, "department_name": names.get(dep, dep), "workflow": wf,
                                 "stage": st, "title": _title(runtime, wf, st),
                                 "cases": group["deadlines"] - repeats.get((dep, wf, st), 0), **group,
                                 "median_used": percentile(histogram, 0.5), "p90_used": percentile(histogram, 0.9)}))
        total = departments.setdefault(dep, {"department": dep, "department_name": names.get(dep, dep),
                                             **dict.fromkeys(COUNTS, 0)})
        for key in COUNTS:
            total[key] += group[key]
    trend = [_with_share(months[m]) for m in sorted(months)]
    return rows, [_with_share(d) for d in departments.values()], trend


def compliance_figures(runtime, uow: UnitOfWork, *, start: date, end: date, today: date,
                       department: str | None = None, overdue_page: tuple[int, int] | None = None) -> dict:
    """Every compliance figure of the period (see the module docstring) as plain data.

    `overdue_page` (offset, limit) returns one page of the overdue open clocks instead of all of them;
    `overdue_total` always counts them all."""
    check_period(start, end)
    calendar = calendar_for(runtime, uow)
    where = _scope(start, end, department)
    next_workday = calendar.add_workdays(today, 1)
    cumulative = _fill_days(uow, calendar, start, max(end, next_workday) + timedelta(days=DAYS_BEYOND))
    cube = _cube(uow, where, today, next_workday)
    if any(row[5] is None and row[3] in KINDS["met"] for row in cube):
        # A clock met more than DAYS_BEYOND days after the period and today (a back-dated `today`).
        latest = uow.connection.execute(select(func.max(DEADLINES.c.met_on)).where(
            DEADLINES.c.started_on >= start, DEADLINES.c.started_on <= end)).scalar()
        cumulative = _fill_days(uow, calendar, start, latest)
        cube = _cube(uow, where, today, next_workday)
    rows, departments, trend = _rollup(runtime, cube, _repeats(uow, where), dict(department_choices(uow)))
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()}, "department": department,
        "as_of": today.isoformat(), "rows": rows, "departments": departments, "trend": trend,
        "overdue_total": sum(row["overdue_now"] for row in rows),
        "overdue_open_cases": _overdue(uow, where, today, cumulative.get(today, 0), overdue_page),
    }


def department_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, name) of every department, for the filter."""
    query = select(DEPARTMENTS.c.code, DEPARTMENTS.c.name).order_by(DEPARTMENTS.c.code)
    return [(code, name) for code, name in uow.connection.execute(query)]

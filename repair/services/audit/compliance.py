"""Time-limit compliance figures, computed in SQL: one function feeds the audit pages and every report format.

Scope: the deadlines whose clock started (`started_on`) in the period, grouped by department, workflow and
stage.

Definitions (per group):
- `cases`: distinct cases; `deadlines`: stage clocks counted (cancelled ones included);
- `met` / `met_on_time` (met_on ≤ due) / `met_late`; `overdue_now`: running and due before today;
  `due_soon`: running and due today or by the next working day; `open`: running or paused;
- `on_time_share` = met_on_time / (met + overdue_now): a clock already past its due date counts as late;
- `median_used` / `p90_used`: working days used by met clocks = working days in (started_on, met_on]
  minus paused_days (the 补正 pause), as percentiles with linear interpolation (like numpy's default).

Days used are stored on each clock when it is met (`deadlines.days_used`). They are counted again here, from
a temporary day table (day → cumulative number of working days, filled from the current calendar, so that
"working days in (a, b]" is `wd(b) - wd(a)`), for the few clocks whose stored count may be out of date: those
met in a year the calendar only estimated (stored NULL) and those met before calendar data about a day they
spanned was loaded.

One grouped scan per (department, workflow) (`_cube`: the cases index delivers each pair's clocks together,
so the sort is small and keyed by numbers) returns counts by month started, kind, days used and stage — a
few thousand rows however many cases there are; the per-group figures, the monthly trend and the
percentiles (from the days-used histogram) are summed from it. Clocks restarted in the same case are found
in one pass over the deadlines index, which holds them in (case, stage) order.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)

from repair.errors import DomainError, ValidationError
from repair.services.calendar.overrides import calendar_for
from repair.store.models import Base
from repair.store.uow import UnitOfWork

T = Base.metadata.tables
DEADLINES, CASES, DEPARTMENTS, OVERRIDES = T["deadlines"], T["cases"], T["departments"], T["calendar_overrides"]
UNASSIGNED = "未分配"
MAX_PERIOD_DAYS = 3660
# The day table reaches this far past the period (or today): far enough for every clock met by now.
DAYS_BEYOND = 400
USED_SPAN = 1 << 20  # days used fit in ±USED_SPAN / 2 (over 1,400 years)

DAYS = Table("audit_days", MetaData(), Column("day", Date, primary_key=True), Column("ordinal", Integer),
             Column("wd", Integer), prefixes=["TEMPORARY"],
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
        rows.append({"day": day, "ordinal": day.toordinal(), "wd": count})
        day += timedelta(days=1)
    connection.execute(DAYS.insert(), rows)
    return cumulative


def _month_number(uow: UnitOfWork, day):
    """year × 12 + month − 1 of a date column (SQLite keeps dates as ISO text: slicing it beats strftime)."""
    if uow.dialect == "sqlite":
        return cast(func.substr(day, 1, 4), Integer) * 12 + cast(func.substr(day, 6, 2), Integer) - 1
    return cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1


def _recount_terms(uow: UnitOfWork) -> list:
    """Conditions picking the met clocks whose stored days_used may predate calendar data loaded since.

    Data loaded on day L about days D changes the count of a clock met by L (the loading day counts, its time
    zone aside) that spans one of D; for each L that is within "started before max(D), met from min(D) to L".
    Data loaded ahead of its days (the usual case) picks nothing."""
    spans: dict[date, tuple[date, date]] = {}
    for day, loaded_at in uow.connection.execute(select(OVERRIDES.c.day, OVERRIDES.c.loaded_at)):
        loaded = loaded_at.date() + timedelta(days=1)
        if day <= loaded:
            first, last = spans.get(loaded, (day, day))
            spans[loaded] = (min(first, day), max(last, day))
    d = DEADLINES.c
    return [and_(d.unit == "workdays", d.started_on < last, d.met_on >= first, d.met_on <= loaded)
            for loaded, (first, last) in sorted(spans.items())]


def _used(recount: list):
    """Days used by a met clock: the stored count, or counted from the day table where it may be out of date."""
    d = DEADLINES.c

    def at(day, column):
        return select(column).where(DAYS.c.day == day).scalar_subquery()

    counted = case((d.unit == "workdays", at(d.met_on, DAYS.c.wd) - at(d.started_on, DAYS.c.wd)),
                   else_=at(d.met_on, DAYS.c.ordinal) - at(d.started_on, DAYS.c.ordinal)) - d.paused_days
    return case((and_(d.status == "met", or_(d.days_used.is_(None), *recount)), counted), else_=d.days_used)


def _partitions(uow: UnitOfWork, department: str | None) -> list[tuple[str, str]]:
    """The (department, workflow) pairs of the cases, in index order."""
    c = CASES.c
    query = select(c.department_code, c.workflow).group_by(c.department_code, c.workflow)
    if department:
        query = query.where(c.department_code == department)
    return [(dep, wf) for dep, wf in uow.connection.execute(query)]


def _cube(uow: UnitOfWork, partitions, start: date, end: date, today: date, next_workday: date) -> list[tuple]:
    """Deadline counts by department, workflow, stage, kind (see KINDS), month started and days used.

    One query per (department, workflow): its rows come from one stretch of the cases index. The sort that
    groups them is keyed by one number, (months since the period's first month × 8 + kind) × USED_SPAN +
    days used + USED_SPAN / 2 (0 when not met), then the stage: SQLite sorts that much faster than the
    separate columns, most of whose values repeat."""
    d, c = DEADLINES.c, CASES.c
    kind = case((d.status == "met", case((d.met_on <= d.due, 1), else_=2)),
                (d.status == "running", case((d.due < today, 3), (d.due <= next_workday, 4), else_=5)),
                (d.status == "paused", 6), else_=0)
    first_month = start.year * 12 + start.month - 1
    packed = (((_month_number(uow, d.started_on) - first_month) * 8 + kind) * literal(USED_SPAN, BigInteger)
              + func.coalesce(_used(_recount_terms(uow)) + USED_SPAN // 2, 0))
    # Grouped outside: SQLite would evaluate the key twice (select list and GROUP BY hold different parameters).
    clocks = (select(packed.label("packed"), d.stage, d.limit_days)
              .select_from(CASES.join(DEADLINES, c.id == d.case_id))
              .where(c.department_code == bindparam("dep"), c.workflow == bindparam("wf"),
                     d.started_on >= start, d.started_on <= end).subquery())
    query = (select(clocks.c.packed, clocks.c.stage, func.count(), func.max(clocks.c.limit_days))
             .group_by(clocks.c.packed, clocks.c.stage))
    connection = uow.connection
    cube = []
    for dep, wf in partitions:
        for key, stage, n, limit in connection.execute(query, {"dep": dep, "wf": wf}):
            high, used = divmod(key, USED_SPAN)
            months, kind_no = divmod(high, 8)
            year, month = divmod(first_month + months, 12)
            cube.append((dep, wf, stage, kind_no, f"{year:04d}-{month + 1:02d}",
                         used - USED_SPAN // 2 if used else None, n, limit))
    return cube


def _repeats(uow: UnitOfWork, start: date, end: date, department: str | None) -> dict[tuple, int]:
    """Clocks restarted in the same case (sharing again after a revocation), which are not more cases.

    Grouped in the order the deadlines index delivers the clocks (case, stage): no sorting; only the
    restarted ones meet their cases."""
    d, c = DEADLINES.c, CASES.c
    restarted = (select(d.case_id, d.stage, (func.count() - 1).label("extra"))
                 .where(d.started_on >= start, d.started_on <= end)
                 .group_by(d.case_id, d.stage).having(func.count() > 1).subquery())
    query = (select(c.department_code, c.workflow, restarted.c.stage, restarted.c.extra)
             .join_from(restarted, CASES, c.id == restarted.c.case_id))
    if department:
        query = query.where(c.department_code == department)
    repeats: dict[tuple, int] = {}
    for dep, wf, st, extra in uow.connection.execute(query):
        repeats[(dep, wf, st)] = repeats.get((dep, wf, st), 0) + extra
    return repeats


def _overdue(uow, start: date, end: date, department: str | None, today: date, today_wd: int,
             page: tuple[int, int] | None) -> list[dict]:
    d, c = DEADLINES.c, CASES.c
    query = (select(c.case_no, c.department_code, c.workflow, c.state, c.assigned_to, d.stage, d.title, d.due,
                    (literal(today_wd) - DAYS.c.wd).label("workdays_over"))
             .select_from(DEADLINES.join(CASES, c.id == d.case_id).join(DAYS, DAYS.c.day == d.due))
             .where(d.started_on >= start, d.started_on <= end, d.status == "running", d.due < today)
             .order_by(d.due, c.case_no, d.stage))
    if department:
        query = query.where(c.department_code == department)
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
    next_workday = calendar.add_workdays(today, 1)
    cumulative = _fill_days(uow, calendar, start, max(end, next_workday) + timedelta(days=DAYS_BEYOND))
    partitions = _partitions(uow, department)
    cube = _cube(uow, partitions, start, end, today, next_workday)
    if any(row[5] is None and row[3] in KINDS["met"] for row in cube):
        # A recounted clock met more than DAYS_BEYOND days after the period and today (a back-dated `today`).
        latest = uow.connection.execute(select(func.max(DEADLINES.c.met_on)).where(
            DEADLINES.c.started_on >= start, DEADLINES.c.started_on <= end)).scalar()
        cumulative = _fill_days(uow, calendar, start, latest)
        cube = _cube(uow, partitions, start, end, today, next_workday)
    repeats = _repeats(uow, start, end, department)
    rows, departments, trend = _rollup(runtime, cube, repeats, dict(department_choices(uow)))
    overdue = _overdue(uow, start, end, department, today, cumulative.get(today, 0), overdue_page)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()}, "department": department,
        "as_of": today.isoformat(), "rows": rows, "departments": departments, "trend": trend,
        "overdue_total": sum(row["overdue_now"] for row in rows),
        "overdue_open_cases": overdue,
    }


def department_choices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(code, name) of every department, for the filter."""
    query = select(DEPARTMENTS.c.code, DEPARTMENTS.c.name).order_by(DEPARTMENTS.c.code)
    return [(code, name) for code, name in uow.connection.execute(query)]

"""Working-day calendar backed by official data plus the schedules and overrides stored in the database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select, union_all

from repair.calendar import DayOverride, WorkCalendar, parse_overrides_csv
from repair.calendar.layers import OfficialSchedule, check_schedule
from repair.domain.actors import Actor
from repair.errors import TransitionRefused
from repair.services.calendar.recompute import recompute_open
from repair.store.calendar_models import CalendarOfficialDay, CalendarOfficialYear
from repair.store.models import CalendarOverride
from repair.store.uow import UnitOfWork

_OVERRIDES, _YEARS = CalendarOverride.__table__, CalendarOfficialYear.__table__
# Changes whenever overrides or official schedules are loaded (a load always writes loaded_at = now).
_STAMP = union_all(select(func.count(), func.max(_OVERRIDES.c.loaded_at)),
                   select(func.count(), func.max(_YEARS.c.loaded_at)))


def calendar_for(runtime, uow: UnitOfWork) -> WorkCalendar:
    """The calendar with every stored official schedule and override; rebuilt only when they changed."""
    key = tuple(tuple(row) for row in uow.connection.execute(_STAMP))
    cached = runtime._calendar_cache.get("calendar")
    if cached is None or cached[0] != key:
        overrides = [DayOverride(day=r.day, kind=r.kind, name=r.name)
                     for r in uow.session.scalars(select(CalendarOverride))]
        days: dict[int, list[DayOverride]] = {}
        for row in uow.session.scalars(select(CalendarOfficialDay)):
            days.setdefault(row.year, []).append(DayOverride(day=row.day, kind=row.kind, name=row.name))
        schedules = [OfficialSchedule(year, tuple(days.get(year, ())))
                     for year in uow.session.scalars(select(CalendarOfficialYear.year))]
        cached = (key, WorkCalendar(overrides, schedules=schedules))
        runtime._calendar_cache["calendar"] = cached
    return cached[1]


def load_overrides(runtime, uow: UnitOfWork, csv_text: str, *, actor: Actor, now: datetime,
                   official_year: int | None = None) -> dict:
    """Store administrator calendar data, then recompute every open deadline it changes.

    Without `official_year` the rows are overrides: each replaces the lower layers for its day only.
    With it, the rows are that year's whole official schedule: it replaces any schedule loaded for the year
    before and makes the year non-provisional. Returns {"loaded", "years", "official_year", "moved",
    "recomputed"}: `moved` lists every deadline whose due date, provisional flag or derivation changed.
    """
    if actor.role not in ("admin", "system"):
        raise TransitionRefused("只有管理员可以维护日历 / only an administrator may load calendar data", ["role"])
    rows = parse_overrides_csv(csv_text)
    stamp = now.replace(tzinfo=None)
    if official_year is not None:
        schedule = check_schedule(official_year, rows)
        uow.session.execute(delete(CalendarOfficialDay).where(CalendarOfficialDay.year == official_year))
        uow.session.add_all(CalendarOfficialDay(day=d.day, year=official_year, kind=d.kind, name=d.name)
                            for d in schedule.days)
        year = uow.session.get(CalendarOfficialYear, official_year)
        if year is None:
            uow.session.add(CalendarOfficialYear(year=official_year, days=len(schedule.days), loaded_at=stamp,
                                                 loaded_by=actor.username))
        else:
            year.days, year.loaded_at, year.loaded_by = len(schedule.days), stamp, actor.username
        first, last = date(official_year, 1, 1), date(official_year, 12, 31)
    else:
        for override in rows:
            row = uow.session.get(CalendarOverride, override.day)
            if row is None:
                uow.session.add(CalendarOverride(day=override.day, kind=override.kind, name=override.name,
                                                 loaded_at=stamp, loaded_by=actor.username))
            else:
                row.kind, row.name = override.kind, override.name
                row.loaded_at, row.loaded_by = stamp, actor.username
        first = min((o.day for o in rows), default=None)
        last = max((o.day for o in rows), default=None)
    uow.session.flush()
    moved = []
    if first is not None:
        moved = recompute_open(uow, calendar_for(runtime, uow), first, last, actor=actor, now=now)
    uow.commit()
    return {"loaded": len(rows), "years": sorted({o.day.year for o in rows} | (
        {official_year} if official_year else set())), "official_year": official_year, "moved": moved}

"""Working-day calendar backed by official data plus the overrides stored in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from repair.calendar import DayOverride, WorkCalendar, parse_overrides_csv
from repair.domain.actors import Actor
from repair.domain.errors import TransitionRefused
from repair.services.clocks import recompute_provisional
from repair.store.models import CalendarOverride
from repair.store.uow import UnitOfWork


_OVERRIDES_STAMP = select(func.count(), func.max(CalendarOverride.__table__.c.loaded_at))


def calendar_for(runtime, uow: UnitOfWork) -> WorkCalendar:
    """The calendar with every stored override; rebuilt only when the overrides changed."""
    count, latest = uow.connection.execute(_OVERRIDES_STAMP).one()
    key = (count, latest)
    cached = runtime._calendar_cache.get("calendar")
    if cached is None or cached[0] != key:
        rows = uow.session.scalars(select(CalendarOverride)).all()
        overrides = [DayOverride(day=r.day, kind=r.kind, name=r.name) for r in rows]
        cached = (key, WorkCalendar(overrides))
        runtime._calendar_cache["calendar"] = cached
    return cached[1]


def load_overrides(runtime, uow: UnitOfWork, csv_text: str, *, actor: Actor, now: datetime) -> dict:
    """Store administrator calendar data, then recompute every open provisional due date.

    Returns {"loaded": n, "years": [...], "moved": [drift rows]}.
    """
    if actor.role not in ("admin", "system"):
        raise TransitionRefused("只有管理员可以维护日历 / only an administrator may load calendar data", ["role"])
    overrides = parse_overrides_csv(csv_text)
    stamp = now.replace(tzinfo=None)
    for override in overrides:
        row = uow.session.get(CalendarOverride, override.day)
        if row is None:
            uow.session.add(CalendarOverride(day=override.day, kind=override.kind, name=override.name,
                                             loaded_at=stamp, loaded_by=actor.username))
        else:
            row.kind, row.name, row.loaded_at, row.loaded_by = override.kind, override.name, stamp, actor.username
    uow.session.flush()
    calendar = calendar_for(runtime, uow)
    moved = recompute_provisional(uow, calendar, actor=actor, now=now)
    uow.commit()
    return {"loaded": len(overrides), "years": sorted({o.day.year for o in overrides}), "moved": moved}

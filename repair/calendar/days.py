"""What the calendar says about one day, shared by the calendar and the derivation text."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple, Protocol

from repair.calendar.layers import Source


class DayInfo(NamedTuple):
    """How one day is decided: `kind` is holiday/workday for a listed day, None for an ordinary one."""

    day: date
    workday: bool
    kind: str | None
    name: str
    source: Source


class CalendarDay(NamedTuple):
    """A non-ordinary day of a year, for `repair calendar show`."""

    day: date
    kind: str
    name: str
    source: Source


class DayLookup(Protocol):
    """Anything that can decide a day; the working-day calendar is one."""

    def day_info(self, day: date) -> DayInfo: ...

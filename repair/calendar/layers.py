"""The calendar's three layers, lowest first: official schedules, provisional rules, administrator overrides.

- **official**: the State Council's whole-year schedules — the years `chinese_calendar` ships, plus any year
  loaded with `repair calendar load --official YEAR`. Only these years are *known* (non-provisional).
- **provisional**: for every other year, Mon–Fri minus the statutory holidays whose dates never move.
- **override**: single days an administrator declares a holiday or a working day. An override replaces the
  lower layers for that day only and never makes its year known, so a partial load keeps every lower-layer
  holiday it does not name.

Every day is decided by exactly one layer and keeps that layer as its `source`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from repair.calendar.official import chinese_holiday_name, official_special_days, official_years
from repair.calendar.overrides import DayOverride
from repair.errors import CalendarDataError

Source = Literal["official", "provisional", "override"]
# Beyond the known years: Mon–Fri, except the statutory holidays whose dates never move.
PROVISIONAL_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节",
                        (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节"}


@dataclass(frozen=True)
class OfficialSchedule:
    """A whole year's official schedule (holidays and make-up working days) loaded by an administrator."""

    year: int
    days: tuple[DayOverride, ...]


def check_schedule(year: int, days: Iterable[DayOverride]) -> OfficialSchedule:
    """An official schedule for `year`, or CalendarDataError when it cannot be the whole year's schedule.

    Every day must lie in `year`, at least one must be a holiday (every State Council notice has some), and a
    year `chinese_calendar` already covers cannot be replaced (its data is the official source)."""
    days = tuple(days)
    if year in official_years():
        raise CalendarDataError(f"{year} 年已有官方数据（chinese_calendar），只能以覆盖方式调整"
                                f" / {year} already has official data (chinese_calendar); load overrides instead")
    outside = [d.day for d in days if d.day.year != year]
    if outside:
        raise CalendarDataError(f"官方全年安排只能包含 {year} 年的日期，{outside[0]} 不在其中"
                                f" / an official schedule for {year} may only list {year} dates, got {outside[0]}")
    if not any(d.kind == "holiday" for d in days):
        raise CalendarDataError(f"{year} 年官方全年安排中没有任何放假日 / the official schedule for {year} "
                                f"lists no holiday: not a whole-year schedule")
    return OfficialSchedule(year, days)


def _weekday(ordinal: int) -> int:
    return (ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday


class Layers:
    """The layered day data; `decide` says how one day is decided."""

    def __init__(self, overrides: Iterable[DayOverride] = (), schedules: Iterable[OfficialSchedule] = ()) -> None:
        self.library_years = frozenset(official_years())
        official: dict[int, tuple[str, str]] = dict(official_special_days())
        years = set(self.library_years)
        for schedule in schedules:
            years.add(schedule.year)
            for day in schedule.days:
                official[day.day.toordinal()] = (day.kind, chinese_holiday_name(day.name))
        self.official_years = frozenset(years)
        self.official = official
        self.overrides: dict[int, tuple[str, str]] = {}
        for override in overrides:
            ordinal = override.day.toordinal()
            if ordinal in self.overrides:
                raise CalendarDataError(f"日历覆盖日期重复：{override.day}"
                                        f" / duplicate calendar override {override.day}")
            self.overrides[ordinal] = (override.kind, chinese_holiday_name(override.name))

    def decide(self, day: date) -> tuple[bool, str | None, str, Source]:
        """(working day?, listed kind or None for an ordinary day, name, source) of one day."""
        ordinal = day.toordinal()
        listed = self.overrides.get(ordinal)
        if listed is not None:
            return listed[0] == "workday", listed[0], listed[1], "override"
        weekday_works = _weekday(ordinal) < 5
        if day.year in self.official_years:
            listed = self.official.get(ordinal)
            if listed is not None:
                return listed[0] == "workday", listed[0], listed[1], "official"
            return weekday_works, None, "", "official"
        name = PROVISIONAL_HOLIDAYS.get((day.month, day.day))
        if name is not None:
            return False, "holiday", name, "provisional"
        return weekday_works, None, "", "provisional"

    def workday_ordinals(self, year: int) -> list[int]:
        """The working days of a year, as ordinals in order."""
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        if year in self.official_years:
            lower = self.official
        else:
            lower = {date(year, m, d).toordinal(): ("holiday", name) for (m, d), name in PROVISIONAL_HOLIDAYS.items()}
        overrides = self.overrides
        out = []
        for ordinal in range(first, last + 1):
            listed = overrides.get(ordinal) or lower.get(ordinal)
            if (listed[0] == "workday") if listed is not None else _weekday(ordinal) < 5:
                out.append(ordinal)
        return out

    def listed_days(self, year: int) -> list[tuple[date, str, str, Source]]:
        """The year's holidays and make-up/declared working days, each with the layer that decides it."""
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        out = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            _workday, kind, name, source = self.decide(day)
            if kind is not None:
                out.append((day, kind, name, source))
        return out

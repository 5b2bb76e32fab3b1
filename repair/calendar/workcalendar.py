"""The working-day calendar over three layers: official data, a provisional rule, administrator overrides.

See repair.calendar.layers for how each day is decided and which years are known (non-provisional).

Working days are held as a sorted list of ordinals, so adding or counting working days is a bisection,
never a walk day by day. Years past the precomputed horizon are appended on demand; the table is swapped
as a whole, so the calendar behaves as immutable and is safe to share between threads.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, date
from typing import NamedTuple

from repair.calendar.days import CalendarDay, DayInfo
from repair.calendar.derivation import explain_due
from repair.calendar.layers import PROVISIONAL_HOLIDAYS, Layers, OfficialSchedule
from repair.calendar.overrides import DayOverride
from repair.errors import ValidationError

__all__ = ["PROVISIONAL_HOLIDAYS", "CalendarDay", "DayInfo", "DueDate", "WorkCalendar"]
PROVISIONAL_YEARS_AHEAD = 10
EXTEND_CHUNK_YEARS = 20


@dataclass(frozen=True)
class DueDate:
    """A computed due date; `derivation` is empty unless it was asked for."""

    due: date
    provisional: bool
    derivation: str


class _Table(NamedTuple):
    ordinals: list[int]
    last_year: int


class WorkCalendar:
    """Working days for any date from the first known year on; immutable once built."""

    def __init__(self, overrides: Iterable[DayOverride] = (), schedules: Iterable[OfficialSchedule] = ()) -> None:
        self._layers = Layers(overrides, schedules)
        self._known = self._layers.official_years
        self._first_year = min(self._known)
        self._first_ordinal = date(self._first_year, 1, 1).toordinal()
        self._table = _Table([], self._first_year - 1)
        self._covering(self.last_known_year + PROVISIONAL_YEARS_AHEAD)

    @property
    def last_known_year(self) -> int:
        """The last year with official data (from the library or a loaded whole-year schedule)."""
        return max(self._known)

    @property
    def first_year(self) -> int:
        """The first year the calendar can decide."""
        return self._first_year

    @property
    def known_years(self) -> frozenset[int]:
        """Years with official data; every other year is provisional (overrides never make a year known)."""
        return self._known

    def is_provisional(self, day: date) -> bool:
        """True if the day's year has no official data."""
        return day.year not in self._known

    def is_workday(self, day: date) -> bool:
        """True if the day is a working day (provisionally so in an unknown year)."""
        ordinal = self._ordinal(day)
        ordinals = self._covering(day.year).ordinals
        index = bisect_left(ordinals, ordinal)
        return index < len(ordinals) and ordinals[index] == ordinal

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start`; n = 0 returns `start` itself."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValidationError(f"工作日数必须是非负整数：{n!r}"
                                  " / working-day count must be a non-negative integer", "n")
        if n == 0:
            return start
        ordinal = self._ordinal(start, counted_from_next_day=True)
        table = self._covering(start.year)
        while True:
            index = bisect_right(table.ordinals, ordinal) + n - 1
            if index < len(table.ordinals):
                return date.fromordinal(table.ordinals[index])
            # about 250 working days a year; the margin covers long holiday stretches
            table = self._covering(table.last_year + max(EXTEND_CHUNK_YEARS, n // 240 + 2))

    def count_workdays(self, after: date, through: date) -> int:
        """Number of working days in (after, through]; 0 when both are the same day."""
        if through < after:
            raise ValidationError(f"截止日 {through} 早于起算日 {after} / {through} is before {after}", "through")
        table = self._covering(through.year)
        start = self._ordinal(after, counted_from_next_day=True)
        return bisect_right(table.ordinals, through.toordinal()) - bisect_right(table.ordinals, start)

    def due(self, start: date, n: int, *, explain: bool = True) -> DueDate:
        """Due date n working days after `start`; provisional if (start, due] touches an unknown year."""
        due = self.add_workdays(start, n)
        first_counted_year = start.year + (start.month == 12 and start.day == 31)
        provisional = n > 0 and not self._known.issuperset(range(first_counted_year, due.year + 1))
        return DueDate(due, provisional, explain_due(self, start, n, due, provisional) if explain else "")

    def day_info(self, day: date) -> DayInfo:
        """How the day is decided: listed holiday/workday or ordinary day, and by which layer."""
        self._ordinal(day)
        workday, kind, name, source = self._layers.decide(day)
        return DayInfo(day, workday, kind, name, source)

    def explain_day(self, day: date) -> str:
        """Short Chinese reason for the day's status, e.g. "国庆节（法定节假日）", "调休上班（国庆节）", "周六"."""
        info = self.day_info(day)
        note = {"official": "", "override": "，管理员维护数据", "provisional": "，暂估"}[info.source]
        if info.kind == "holiday":
            basis = "放假" if info.source == "override" else "法定节假日"
            return f"{info.name}（{basis}{note}）"
        weekday = day.weekday()
        if info.kind == "workday":
            label = "调休上班" if weekday >= 5 else "工作日"
            return f"{label}（{info.name}{note}）"
        plain = "工作日" if weekday < 5 else ("周六", "周日")[weekday - 5]
        return f"{plain}（暂估）" if info.source == "provisional" else plain

    def year_days(self, year: int) -> list[CalendarDay]:
        """The holidays and make-up workdays of a year, in date order, each with its name and source."""
        if year < self._first_year or year > MAXYEAR:
            raise ValidationError(f"年份超出日历范围：{year} / year out of calendar range", "year")
        return [CalendarDay(*listed) for listed in self._layers.listed_days(year)]

    def every_day(self, year: int) -> list[DayInfo]:
        """Every day of a year with the layer that decides it."""
        if year < self._first_year or year > MAXYEAR:
            raise ValidationError(f"年份超出日历范围：{year} / year out of calendar range", "year")
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        return [self.day_info(date.fromordinal(o)) for o in range(first, last + 1)]

    def _ordinal(self, day: date, counted_from_next_day: bool = False) -> int:
        ordinal = day.toordinal()
        if ordinal < self._first_ordinal - counted_from_next_day:
            raise ValidationError(f"日期 {day} 早于日历数据起始年份 {self._first_year}"
                                  f" / {day} is before the first calendar year {self._first_year}", "date")
        return ordinal

    def _covering(self, year: int) -> _Table:
        table = self._table
        if year <= table.last_year:
            return table
        if table.last_year >= MAXYEAR:
            raise ValidationError(f"超出可计算的日期范围（{MAXYEAR} 年）/ beyond the last supported year {MAXYEAR}",
                                  "date")
        year = min(year, MAXYEAR)
        added = [ordinal for y in range(table.last_year + 1, year + 1) for ordinal in self._year_workdays(y)]
        table = _Table(table.ordinals + added, year)
        # Callers use the returned table; a concurrent extension that overwrites this one only costs a rebuild.
        self._table = table
        return table

    def _year_workdays(self, year: int) -> list[int]:
        return self._layers.workday_ordinals(year)

"""Working-day calendar: official data plus administrator overrides, add/count working days."""

from repair.calendar.official import chinese_holiday_name
from repair.calendar.overrides import DayOverride, parse_overrides_csv
from repair.calendar.workcalendar import CalendarDay, DayInfo, DueDate, WorkCalendar

__all__ = ["CalendarDay", "DayInfo", "DayOverride", "DueDate", "WorkCalendar", "chinese_holiday_name",
           "parse_overrides_csv"]

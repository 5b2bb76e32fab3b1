"""Working-day calendar: official data, provisional rules and administrator overrides; add/count working days."""

from repair.calendar.layers import OfficialSchedule, check_schedule
from repair.calendar.official import chinese_holiday_name
from repair.calendar.overrides import DayOverride, parse_overrides_csv
from repair.calendar.workcalendar import CalendarDay, DayInfo, DueDate, WorkCalendar

__all__ = ["CalendarDay", "DayInfo", "DayOverride", "DueDate", "OfficialSchedule", "WorkCalendar",
           "check_schedule", "chinese_holiday_name", "parse_overrides_csv"]

"""Days a met clock used: working days in (started_on, met_on] net of pauses, None while a year is estimated."""

from datetime import date

from repair.calendar import DayOverride, OfficialSchedule, WorkCalendar
from repair.domain.clocks import days_used

CALENDAR = WorkCalendar()


def test_working_days_skip_national_day_and_count_net_of_pauses():
    # 2025: 10-01..10-08 off (National Day and Mid-Autumn), so (09-30, 10-10] holds 10-09 and 10-10.
    assert days_used(CALENDAR, "workdays", date(2025, 9, 30), date(2025, 10, 10), 0) == 2
    assert days_used(CALENDAR, "workdays", date(2025, 9, 30), date(2025, 10, 10), 1) == 1
    # The make-up Saturday 10-11 counts; met the day it started: none used.
    assert days_used(CALENDAR, "workdays", date(2025, 10, 10), date(2025, 10, 11), 0) == 1
    assert days_used(CALENDAR, "workdays", date(2025, 10, 10), date(2025, 10, 10), 0) == 0


def test_calendar_day_clocks_count_every_day():
    assert days_used(CALENDAR, "days", date(2025, 9, 30), date(2025, 10, 10), 1) == 9


def test_a_span_into_an_estimated_year_is_left_uncounted_until_its_data_is_loaded():
    year = max(CALENDAR.known_years) + 1
    started, met = date(year - 1, 12, 28), date(year, 1, 6)
    assert days_used(CALENDAR, "workdays", started, met, 0) is None
    assert days_used(CALENDAR, "workdays", started, date(year - 1, 12, 31), 0) is not None
    new_year = (DayOverride(date(year, 1, 1), "holiday", "元旦"), DayOverride(date(year, 1, 2), "holiday", "元旦"))
    # Overrides alone leave the year estimated; its whole official schedule makes it known.
    assert days_used(WorkCalendar(new_year), "workdays", started, met, 0) is None
    loaded = WorkCalendar(schedules=[OfficialSchedule(year, new_year)])
    expected = loaded.count_workdays(started, met)
    assert days_used(loaded, "workdays", started, met, 0) == expected
    assert days_used(loaded, "days", started, met, 0) == 9

"""Beyond the known years: Mon–Fri minus fixed-date holidays, and due dates flagged provisional."""

import random
from datetime import date, timedelta

import pytest

from repair.calendar import DayOverride, DueDate, WorkCalendar, check_schedule

CAL = WorkCalendar()
FIXED = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


def rule_workday(day: date) -> bool:
    """Independent statement of the provisional rule."""
    return day.weekday() < 5 and (day.month, day.day) not in FIXED


def rule_add(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= rule_workday(day)
    return day


def test_2027_is_provisional_and_2026_is_not():
    assert CAL.is_provisional(date(2027, 3, 1)) is True
    assert CAL.is_provisional(date(2026, 12, 31)) is False
    assert CAL.is_provisional(date(2100, 6, 1)) is True


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 12, 20), 10, date(2027, 1, 4)),   # 2027-01-01 (Fri) fixed New Year holiday, then a weekend
    (date(2026, 12, 31), 1, date(2027, 1, 4)),
    (date(2030, 4, 30), 1, date(2030, 5, 3)),     # 05-01/05-02 Wed/Thu fixed Labour Day
    (date(2030, 9, 30), 1, date(2030, 10, 4)),    # 10-01..10-03 Tue–Thu fixed National Day
    (date(2100, 12, 30), 1, date(2100, 12, 31)),
    (date(2100, 12, 31), 1, date(2101, 1, 3)),    # 2101-01-01 is a Saturday: 01-01 to 01-02 off, 01-03 Monday
])
def test_provisional_due_dates(start, n, expected):
    assert CAL.add_workdays(start, n) == expected == rule_add(start, n)
    assert CAL.due(start, n, explain=False).provisional is True


def test_provisional_rule_holds_in_random_years_up_to_2100_and_beyond():
    rng = random.Random(2100)
    calendar = WorkCalendar()     # a fresh one, so the lazy extension is exercised from the start
    for _ in range(3_000):
        start = date(2027, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        n = rng.randint(1, 60)
        assert calendar.add_workdays(start, n) == rule_add(start, n), (start, n)
    for day in (date(2099, 10, 1), date(2100, 5, 3), date(2150, 1, 1), date(2150, 1, 4)):
        assert calendar.is_workday(day) == rule_workday(day), day


def test_range_inside_the_known_years_is_not_provisional():
    assert CAL.due(date(2026, 12, 1), 10, explain=False).provisional is False
    ends_on_last_known_day = CAL.due(date(2026, 12, 24), 5, explain=False)
    assert ends_on_last_known_day.due == date(2026, 12, 31)
    assert ends_on_last_known_day.provisional is False


def test_start_in_unknown_year_is_not_counted():
    # start 2027-12-31 lies in an unknown year, but counting begins 2028-01-01 whose official schedule is loaded
    cal = WorkCalendar(schedules=[check_schedule(2028, [DayOverride(date(2028, 1, 1), "holiday", "元旦")])])
    assert cal.due(date(2027, 12, 31), 1, explain=False).provisional is False
    assert cal.due(date(2027, 12, 30), 1, explain=False).provisional is True


def test_overrides_for_2027_move_due_dates_but_keep_them_provisional():
    cal = WorkCalendar([DayOverride(date(2027, 1, 1), "holiday", "元旦"),
                        DayOverride(date(2027, 1, 4), "holiday", "元旦")])
    # 2027-01-04 is a holiday by override: one day later than the provisional 2027-01-04
    assert cal.due(date(2026, 12, 20), 10, explain=False) == DueDate(date(2027, 1, 5), True, "")
    schedule = check_schedule(2027, [DayOverride(date(2027, 1, 1), "holiday", "元旦"),
                                     DayOverride(date(2027, 1, 4), "holiday", "元旦")])
    official = WorkCalendar(schedules=[schedule])
    assert official.due(date(2026, 12, 20), 10, explain=False) == DueDate(date(2027, 1, 5), False, "")
    assert official.due(date(2027, 12, 20), 10, explain=False).provisional is True   # runs into 2028


def test_year_days_marks_the_source():
    provisional = CAL.year_days(2027)
    assert [(d.day, d.kind, d.name, d.source) for d in provisional] == [
        (date(2027, 1, 1), "holiday", "元旦", "provisional"),
        (date(2027, 5, 1), "holiday", "劳动节", "provisional"),
        (date(2027, 5, 2), "holiday", "劳动节", "provisional"),
        (date(2027, 10, 1), "holiday", "国庆节", "provisional"),
        (date(2027, 10, 2), "holiday", "国庆节", "provisional"),
        (date(2027, 10, 3), "holiday", "国庆节", "provisional"),
    ]
    cal = WorkCalendar([DayOverride(date(2027, 2, 20), "workday", "Spring Festival"),
                        DayOverride(date(2027, 10, 1), "workday", "区级调整")])
    # an override adds or replaces its own day only: every other provisional holiday stays
    assert [tuple(d) for d in cal.year_days(2027)] == [
        (date(2027, 1, 1), "holiday", "元旦", "provisional"),
        (date(2027, 2, 20), "workday", "春节", "override"),
        (date(2027, 5, 1), "holiday", "劳动节", "provisional"),
        (date(2027, 5, 2), "holiday", "劳动节", "provisional"),
        (date(2027, 10, 1), "workday", "区级调整", "override"),
        (date(2027, 10, 2), "holiday", "国庆节", "provisional"),
        (date(2027, 10, 3), "holiday", "国庆节", "provisional"),
    ]

"""Adding and counting working days on official data: exact dates, n semantics, bounds."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from repair.calendar import WorkCalendar
from repair.errors import ValidationError

CAL = WorkCalendar()


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 9, 30), 3, date(2026, 10, 10)),    # 10-01..10-07 National Day, make-up Saturday 10-10
    (date(2026, 9, 28), 15, date(2026, 10, 23)),
    (date(2026, 9, 30), 4, date(2026, 10, 12)),    # 10-11 is an ordinary Sunday
    (date(2026, 2, 13), 1, date(2026, 2, 14)),     # Saturday 02-14: make-up workday
    (date(2026, 2, 14), 1, date(2026, 2, 24)),     # 02-15..02-23 Spring Festival
    (date(2025, 12, 31), 1, date(2026, 1, 4)),     # 01-01..01-03 New Year, Sunday 01-04 make-up workday
    (date(2026, 10, 10), 1, date(2026, 10, 12)),   # start on a workday: counting begins the next day
    (date(2026, 10, 3), 1, date(2026, 10, 8)),     # start inside a holiday
    (date(2015, 9, 2), 1, date(2015, 9, 6)),       # 2015-09-03/04 Victory Day, Sunday 09-06 make-up
])
def test_known_due_dates(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert CAL.due(start, n, explain=False).due == expected


def test_make_up_saturday_is_a_workday_and_holiday_is_not():
    assert CAL.is_workday(date(2026, 10, 10)) is True     # Saturday make-up
    assert CAL.is_workday(date(2026, 10, 11)) is False    # ordinary Sunday
    assert CAL.is_workday(date(2026, 10, 5)) is False     # Monday inside National Day
    assert CAL.is_workday(date(2026, 10, 8)) is True


def test_zero_returns_start_itself_even_on_a_holiday():
    assert CAL.add_workdays(date(2026, 10, 1), 0) == date(2026, 10, 1)
    result = CAL.due(date(2026, 10, 1), 0)
    assert (result.due, result.provisional) == (date(2026, 10, 1), False)


@pytest.mark.parametrize("bad", [-1, -100, 1.0, True, "3", None])
def test_bad_count_is_a_validation_error(bad):
    with pytest.raises(ValidationError) as info:
        CAL.add_workdays(date(2026, 1, 5), bad)
    assert info.value.field == "n"
    assert "工作日数" in str(info.value) and "working-day count" in str(info.value)


def test_count_workdays_half_open_range():
    assert CAL.count_workdays(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.count_workdays(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert CAL.count_workdays(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert CAL.count_workdays(date(2026, 10, 8), date(2026, 10, 8)) == 0      # empty range
    assert CAL.count_workdays(date(2026, 10, 7), date(2026, 10, 8)) == 1
    expected = sum(chinese_calendar.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365))
    assert CAL.count_workdays(date(2025, 12, 31), date(2026, 12, 31)) == expected


def test_count_and_add_are_inverse():
    start = date(2024, 1, 1)
    for n in range(1, 400):
        due = CAL.add_workdays(start, n)
        assert CAL.count_workdays(start, due) == n
        assert CAL.count_workdays(start, due - timedelta(days=1)) == n - 1


def test_count_workdays_reversed_range_is_an_error():
    with pytest.raises(ValidationError, match="早于"):
        CAL.count_workdays(date(2026, 10, 9), date(2026, 10, 8))


def test_dates_before_the_first_year_are_refused():
    assert CAL.first_year == 2004
    assert CAL.add_workdays(date(2003, 12, 31), 1) == date(2004, 1, 2)   # only 2004 days are examined
    with pytest.raises(ValidationError, match="2004"):
        CAL.add_workdays(date(2003, 12, 30), 1)
    with pytest.raises(ValidationError):
        CAL.is_workday(date(2003, 6, 2))
    with pytest.raises(ValidationError):
        CAL.year_days(2003)


def test_last_known_year_is_derived_from_the_library():
    assert CAL.last_known_year == max(day.year for day in chinese_calendar.holidays)
    assert CAL.known_years == frozenset(range(2004, CAL.last_known_year + 1))


def test_large_counts_far_into_the_future():
    due = CAL.add_workdays(date(2026, 1, 1), 100_000)
    assert due.year > 2400
    assert CAL.count_workdays(date(2026, 1, 1), due) == 100_000
    assert CAL.is_workday(due)


def test_beyond_the_last_representable_year_is_a_validation_error():
    with pytest.raises(ValidationError, match="9999"):
        CAL.add_workdays(date(9999, 12, 1), 60)

"""The bisection calendar agrees with a naive day-by-day `chinese_calendar.is_workday` loop and is faster."""

import random
import statistics
import time
from datetime import date, timedelta
from functools import cache

import chinese_calendar
import pytest

from repair.calendar import WorkCalendar

CAL = WorkCalendar()
ONE_DAY = timedelta(days=1)
FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
MAX_N = 60

# Same answers as the library (the function is pure), but repeated days are looked up only once,
# which keeps the reference loop fast enough for hundreds of thousands of pairs.
_cached_is_workday = cache(chinese_calendar.is_workday)


def naive_add(start: date, n: int, is_workday=_cached_is_workday) -> date:
    """Reference: walk day by day asking the library; NotImplementedError past its data."""
    day = start
    while n:
        day += ONE_DAY
        if is_workday(day):
            n -= 1
    return day


def naive_next_workdays(start: date, count: int) -> list[date]:
    """The first `count` working days after start, stopping early where the library has no data."""
    found: list[date] = []
    day = start
    while len(found) < count:
        day += ONE_DAY
        try:
            if _cached_is_workday(day):
                found.append(day)
        except NotImplementedError:
            break
    return found


def sample_pairs(size: int, seed: int) -> list[tuple[date, int]]:
    rng = random.Random(seed)
    span = (LAST - FIRST).days
    return [(FIRST + timedelta(days=rng.randrange(span + 1)), rng.randint(1, MAX_N)) for _ in range(size)]


def month_boundaries() -> list[date]:
    days = []
    for year in range(FIRST.year, LAST.year + 1):
        for month in range(1, 13):
            first = date(year, month, 1)
            days += [first, first - ONE_DAY]
    return [day for day in days if day >= FIRST]


def test_every_start_date_and_every_n_up_to_60():
    compared = 0
    day = FIRST
    while day <= LAST:
        expected = naive_next_workdays(day, MAX_N)
        assert [CAL.add_workdays(day, n) for n in range(1, len(expected) + 1)] == expected, day
        compared += len(expected)
        day += ONE_DAY
    assert compared > 490_000   # only the last weeks of the final year run past the library's data


def test_seeded_random_sample_and_month_boundaries():
    pairs = sample_pairs(20_000, seed=20260930)
    pairs += [(day, n) for day in month_boundaries() for n in (1, 3, 7, 15, 30, MAX_N)]
    compared = 0
    for start, n in pairs:
        try:
            expected = naive_add(start, n)
        except NotImplementedError:
            continue
        assert CAL.add_workdays(start, n) == expected, (start, n)
        compared += 1
    assert compared > 20_000


def test_count_workdays_matches_naive_sum():
    rng = random.Random(7)
    for _ in range(2_000):
        after = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days))
        through = min(LAST, after + timedelta(days=rng.randrange(200)))
        days = (after + timedelta(days=i) for i in range(1, (through - after).days + 1))
        expected = sum(map(_cached_is_workday, days))
        assert CAL.count_workdays(after, through) == expected, (after, through)


def test_is_workday_and_day_info_agree_with_the_library():
    day = FIRST
    while day <= LAST:
        assert CAL.is_workday(day) == _cached_is_workday(day) == CAL.day_info(day).workday, day
        day += ONE_DAY


def test_at_least_100_times_faster_than_the_naive_loop():
    pairs = [(start, n) for start, n in sample_pairs(400, seed=11) if start.year < LAST.year]

    def naive_run() -> float:
        begin = time.perf_counter()
        for start, n in pairs:
            naive_add(start, n, is_workday=chinese_calendar.is_workday)
        return time.perf_counter() - begin

    def fast_run() -> float:
        begin = time.perf_counter()
        for start, n in pairs:
            CAL.add_workdays(start, n)
        return time.perf_counter() - begin

    naive = statistics.median(naive_run() for _ in range(3))
    fast = statistics.median(fast_run() for _ in range(5))
    assert naive / fast >= 100, f"only {naive / fast:.0f}x faster"


def test_building_a_calendar_is_quick():
    timings = []
    for _ in range(5):
        begin = time.perf_counter()
        WorkCalendar()
        timings.append(time.perf_counter() - begin)
    assert min(timings) < 0.1
    assert statistics.median(timings) < 0.1


@pytest.mark.parametrize("n", [1, 17, 60])
def test_fast_path_never_explains_or_walks(monkeypatch, n):
    def refuse(*_args):
        raise AssertionError("the fast path must not look at single days")

    calendar = WorkCalendar()
    monkeypatch.setattr(calendar, "day_info", refuse)
    monkeypatch.setattr(calendar, "explain_day", refuse)
    expected = naive_add(date(2010, 3, 1), n)
    assert calendar.add_workdays(date(2010, 3, 1), n) == expected
    result = calendar.due(date(2010, 3, 1), n, explain=False)
    assert (result.due, result.derivation) == (expected, "")

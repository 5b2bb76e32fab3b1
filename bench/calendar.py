"""Benchmark: WorkCalendar.add_workdays against a naive per-day `chinese_calendar.is_workday` loop.

Run as `.venv/bin/python bench/calendar.py`. Prints a summary; the last line is a JSON object
{"metric": "calendar_add_workdays_per_s", "value": ..., "baseline": ..., "ratio": ...}.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# This file is named calendar.py: drop its own folder from the path so `import calendar` stays the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import chinese_calendar  # noqa: E402

from repair.calendar import WorkCalendar  # noqa: E402

SEED = 20260930
PAIRS = 2_000
REPEATS = 5
MAX_N = 60
ONE_DAY = timedelta(days=1)


def naive_add(start: date, n: int) -> date:
    """The obvious implementation: ask the library about every day in turn."""
    day = start
    while n:
        day += ONE_DAY
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def sample(calendar_last_year: int) -> list[tuple[date, int]]:
    """Seeded (start, N) pairs; starts end in August so that even N = 60 stays inside the library's data."""
    rng = random.Random(SEED)
    first, last = date(2004, 1, 1), date(calendar_last_year, 8, 31)
    span = (last - first).days
    return [(first + timedelta(days=rng.randrange(span + 1)), rng.randint(1, MAX_N)) for _ in range(PAIRS)]


def timed(function, pairs: list[tuple[date, int]]) -> tuple[float, list[date]]:
    begin = time.perf_counter()
    results = [function(start, n) for start, n in pairs]
    return time.perf_counter() - begin, results


def main() -> None:
    """Time both implementations on the same pairs, check they agree, print the figures."""
    begin = time.perf_counter()
    calendar = WorkCalendar()
    build_ms = (time.perf_counter() - begin) * 1000
    pairs = sample(calendar.last_known_year)

    naive_times, fast_times = [], []
    for _ in range(REPEATS):
        naive_s, expected = timed(naive_add, pairs)
        fast_s, ours = timed(calendar.add_workdays, pairs)
        if ours != expected:
            mismatch = next(i for i, (a, b) in enumerate(zip(ours, expected)) if a != b)
            raise SystemExit(f"results differ for {pairs[mismatch]}: "
                             f"{ours[mismatch]} != {expected[mismatch]}")
        naive_times.append(naive_s)
        fast_times.append(fast_s)

    naive_rate = len(pairs) / statistics.median(naive_times)
    fast_rate = len(pairs) / statistics.median(fast_times)
    print(f"chinese_calendar {chinese_calendar.__version__}, data through {calendar.last_known_year}")
    print(f"WorkCalendar() build: {build_ms:.1f} ms")
    print(f"{len(pairs)} (start, N) pairs, N in 1..{MAX_N}, seed {SEED}, {REPEATS} repeats, medians;"
          " results identical")
    print(f"  naive is_workday loop : {naive_rate:>12,.0f} ops/s  ({1e6 / naive_rate:,.1f} µs/op)")
    print(f"  WorkCalendar bisect   : {fast_rate:>12,.0f} ops/s  ({1e6 / fast_rate:,.2f} µs/op)")
    print(f"  speed-up              : {fast_rate / naive_rate:,.0f}x")
    print(json.dumps({"metric": "calendar_add_workdays_per_s", "value": round(fast_rate, 1),
                      "baseline": round(naive_rate, 1), "ratio": round(fast_rate / naive_rate, 1)}))


if __name__ == "__main__":
    main()

"""Official State Council holiday data, read from `chinese_calendar` and put in our own terms."""

from __future__ import annotations

from functools import lru_cache

import chinese_calendar
from chinese_calendar.constants import Holiday

# The library's enum carries short Chinese names (清明, 端午, 中秋); documents use the full statutory names.
_CHINESE_NAMES = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.national_day.value: "国庆节",
}


def chinese_holiday_name(name: str) -> str:
    """Chinese name of a holiday given by its English name in `chinese_calendar`; other labels unchanged."""
    if name in _CHINESE_NAMES:
        return _CHINESE_NAMES[name]
    try:
        return Holiday(name).chinese
    except ValueError:
        return name


@lru_cache(maxsize=1)
def official_years() -> range:
    """Years the installed `chinese_calendar` has data for (the same bounds the library itself enforces)."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@lru_cache(maxsize=1)
def official_special_days() -> dict[int, tuple[str, str]]:
    """Official holidays and make-up workdays: ordinal -> (kind, Chinese name); kind is holiday or workday."""
    years = official_years()
    special: dict[int, tuple[str, str]] = {}
    for kind, table in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, name in table.items():
            if day.year in years:
                special[day.toordinal()] = (kind, chinese_holiday_name(name))
    return special

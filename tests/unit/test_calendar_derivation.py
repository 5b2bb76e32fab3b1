"""Readable Chinese derivations of due dates, day explanations and the per-year listing."""

from datetime import date

import chinese_calendar
import pytest

from repair.calendar import DayOverride, WorkCalendar, chinese_holiday_name

CAL = WorkCalendar()


def test_national_day_with_make_up_saturday():
    result = CAL.due(date(2026, 9, 30), 3)
    assert result.due == date(2026, 10, 10)
    assert result.derivation == ("自 2026-09-30 起算 3 个工作日（次日起算）：跳过 10-01 至 10-07 国庆节；"
                                 "10-10 调休上班（星期六）计入 → 截止 2026-10-10")


def test_weekends_are_grouped_and_single_days_named():
    result = CAL.due(date(2026, 9, 28), 15)
    assert result.due == date(2026, 10, 23)
    assert result.derivation == ("自 2026-09-28 起算 15 个工作日（次日起算）：跳过 10-01 至 10-07 国庆节，10-11 周日，"
                                 "10-17/10-18 周末；10-10 调休上班（星期六）计入 → 截止 2026-10-23")


def test_nothing_skipped():
    assert CAL.due(date(2026, 3, 2), 2).derivation == \
        "自 2026-03-02 起算 2 个工作日（次日起算）：期间无非工作日 → 截止 2026-03-04"


def test_zero_days():
    assert CAL.due(date(2026, 3, 2), 0).derivation == \
        "自 2026-03-02 起算 0 个工作日（次日起算）：工作日数为 0，截止日即起算日 → 截止 2026-03-02"


def test_provisional_derivation_names_the_unknown_year():
    result = CAL.due(date(2026, 12, 20), 10)
    assert result.provisional is True
    assert result.derivation == (
        "自 2026-12-20 起算 10 个工作日（次日起算）：跳过 2026-12-26/2026-12-27 周末，2027-01-01 元旦（暂估），"
        "2027-01-02/2027-01-03 周末；2027 年无官方数据，按周一至周五及固定法定节假日暂估 → 截止 2027-01-04（暂估）")


def test_override_days_are_marked():
    cal = WorkCalendar([DayOverride(date(2026, 10, 12), "holiday", "测试停工日"),
                        DayOverride(date(2026, 10, 17), "workday", "区政府补班")])
    assert cal.due(date(2026, 10, 9), 6).derivation == (
        "自 2026-10-09 起算 6 个工作日（次日起算）：跳过 10-11 周日，10-12 测试停工日（管理员维护数据）；"
        "10-10 调休上班（星期六）计入，10-17 调休上班（星期六，管理员维护数据）计入 → 截止 2026-10-17")


def test_derivation_only_when_asked():
    fast = CAL.due(date(2026, 9, 30), 3, explain=False)
    full = CAL.due(date(2026, 9, 30), 3)
    assert fast.derivation == ""
    assert (fast.due, fast.provisional) == (full.due, full.provisional)
    assert full.derivation


@pytest.mark.parametrize(("day", "text"), [
    (date(2026, 10, 1), "国庆节（法定节假日）"),
    (date(2026, 10, 3), "国庆节（法定节假日）"),
    (date(2026, 10, 10), "调休上班（国庆节）"),
    (date(2026, 10, 11), "周日"),
    (date(2026, 10, 17), "周六"),
    (date(2026, 10, 12), "工作日"),
    (date(2026, 4, 5), "清明节（法定节假日）"),
    (date(2026, 6, 19), "端午节（法定节假日）"),
    (date(2026, 9, 25), "中秋节（法定节假日）"),
    (date(2027, 10, 2), "国庆节（法定节假日，暂估）"),
    (date(2027, 10, 9), "周六（暂估）"),
    (date(2027, 10, 8), "工作日（暂估）"),
])
def test_explain_day(day, text):
    assert CAL.explain_day(day) == text


def test_holiday_names_are_the_full_chinese_names():
    names = {chinese_holiday_name(english) for english in chinese_calendar.holidays.values()}
    assert {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"} <= names
    assert not any(name.isascii() for name in names)
    assert chinese_holiday_name("区政府停工日") == "区政府停工日"


def test_year_days_2026_lists_the_official_schedule():
    days = CAL.year_days(2026)
    assert [d.day for d in days] == sorted(d.day for d in days)
    assert {d.source for d in days} == {"official"}
    workdays = [d.day for d in days if d.kind == "workday"]
    assert workdays == sorted(d for d in chinese_calendar.workdays if d.year == 2026)
    assert workdays == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                        date(2026, 9, 20), date(2026, 10, 10)]
    holidays = [d for d in days if d.kind == "holiday"]
    assert len(holidays) == len([d for d in chinese_calendar.holidays if d.year == 2026])
    assert [d.name for d in holidays if d.day.month == 10] == ["国庆节"] * 7


def test_cancelled_holiday_is_counted_with_its_reason():
    cal = WorkCalendar([DayOverride(date(2026, 10, 7), "workday", "国庆节")])
    assert cal.due(date(2026, 9, 30), 3).derivation == (
        "自 2026-09-30 起算 3 个工作日（次日起算）：跳过 10-01 至 10-06 国庆节；"
        "10-07 改为工作日（星期三，管理员维护数据）计入 → 截止 2026-10-09")

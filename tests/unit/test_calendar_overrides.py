"""Administrator overrides: CSV parsing with line-numbered errors, precedence over official data."""

from datetime import date

import pytest

from repair.calendar import DayOverride, WorkCalendar, check_schedule, parse_overrides_csv
from repair.errors import CalendarDataError

# Invented 2027 schedule for tests only (the State Council had not published 2027 when this was written).
CSV_2027 = """\ufeffdate,kind,name
# 测试数据，非官方 / test data, not official
2027-01-01,holiday,元旦

2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-20,workday,春节
"""


def test_parse_valid_csv_with_bom_comments_and_blank_lines():
    overrides = parse_overrides_csv(CSV_2027)
    assert len(overrides) == 9
    assert overrides[0] == DayOverride(date(2027, 1, 1), "holiday", "元旦")
    assert overrides[-1] == DayOverride(date(2027, 2, 20), "workday", "春节")


def test_quoted_name_with_comma_and_surrounding_spaces():
    overrides = parse_overrides_csv('date,kind,name\n 2027-03-03 , holiday ,"区政府停工日, 台风"\n')
    assert overrides == [DayOverride(date(2027, 3, 3), "holiday", "区政府停工日, 台风")]


def test_empty_text_gives_no_overrides():
    assert parse_overrides_csv("") == []
    assert parse_overrides_csv("\n# 仅注释\n") == []


@pytest.mark.parametrize(("text", "line", "zh", "en"), [
    ("day,kind,name\n2027-01-01,holiday,元旦\n", 1, "表头", "header"),
    ("2027-01-01,holiday,元旦\n", 1, "表头", "header"),
    ("date,kind,name\n2027-01-01,holiday,元旦\n2027/01/02,holiday,元旦\n", 3, "日期格式错误", "invalid date"),
    ("date,kind,name\n\n2027-02-30,holiday,春节\n", 3, "日期不存在", "no such date"),
    ("date,kind,name\n2027-01-01,rest,元旦\n", 2, "类型错误", "invalid kind"),
    ("date,kind,name\n2027-01-01,holiday,\n", 2, "名称为空", "name is empty"),
    ("date,kind,name\n2027-01-01,holiday\n", 2, "应有 3 列", "expected 3 columns"),
    ("date,kind,name\n2027-01-01,holiday,元旦,多余\n", 2, "应有 3 列", "expected 3 columns"),
    ("date,kind,name\n2027-01-01,holiday,元旦\n# x\n2027-01-01,workday,元旦\n", 4, "重复（首次出现在第 2 行）",
     "repeated (first on line 2)"),
    ("date,kind,name\n2027-01-01,holiday," + "长" * 61 + "\n", 2, "名称超过", "name longer"),
])
def test_csv_errors_name_the_line_in_chinese_and_english(text, line, zh, en):
    with pytest.raises(CalendarDataError) as info:
        parse_overrides_csv(text)
    message = str(info.value)
    assert message.startswith(f"日历覆盖数据第 {line} 行：")
    assert f"calendar overrides line {line}: " in message
    assert zh in message and en in message
    assert message.index(zh) < message.index(" / ") < message.index(en)


@pytest.mark.parametrize("bad_row", ['2027-01-01,holiday,"元旦"节', '2027-01-01,holiday,"元旦'])
def test_malformed_csv_quoting_is_a_calendar_data_error(bad_row):
    with pytest.raises(CalendarDataError, match="第 2 行：CSV 格式错误.* / .*line 2: malformed CSV"):
        parse_overrides_csv(f"date,kind,name\n{bad_row}\n")


def test_day_override_validates_itself():
    with pytest.raises(CalendarDataError, match="invalid override kind"):
        DayOverride(date(2027, 1, 1), "rest", "元旦")  # type: ignore[arg-type]
    with pytest.raises(CalendarDataError, match="has no name"):
        DayOverride(date(2027, 1, 1), "holiday", "  ")


def test_duplicate_override_dates_are_refused_by_the_calendar():
    twice = [DayOverride(date(2027, 1, 1), "holiday", "元旦"), DayOverride(date(2027, 1, 1), "workday", "元旦")]
    with pytest.raises(CalendarDataError, match="2027-01-01"):
        WorkCalendar(twice)


def test_overrides_for_2027_decide_their_days_but_leave_the_year_provisional():
    cal = WorkCalendar(parse_overrides_csv(CSV_2027))
    assert cal.last_known_year == 2026
    assert cal.is_provisional(date(2027, 6, 1))
    assert cal.add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 12)    # 02-05..02-11 off
    assert cal.add_workdays(date(2027, 2, 19), 1) == date(2027, 2, 20)   # make-up Saturday
    # 05-01 is not in the file: the provisional fixed holiday below the overrides still applies
    assert cal.is_workday(date(2027, 5, 3)) is True
    assert cal.day_info(date(2027, 5, 1)) == (date(2027, 5, 1), False, "holiday", "劳动节", "provisional")
    assert cal.day_info(date(2027, 2, 5)).source == "override"


def test_an_official_schedule_for_2027_makes_the_year_known_and_decides_it():
    schedule = check_schedule(2027, parse_overrides_csv(CSV_2027))
    cal = WorkCalendar([DayOverride(date(2027, 3, 1), "holiday", "区级调整")], [schedule])
    assert cal.last_known_year == 2027
    assert not cal.is_provisional(date(2027, 6, 1))
    assert cal.is_provisional(date(2028, 1, 3))
    assert cal.add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 12)
    # the official schedule replaces the provisional guesses: 05-01 is whatever the schedule says (not listed)
    assert cal.day_info(date(2027, 5, 1)).source == "official"
    assert cal.day_info(date(2027, 3, 1)).source == "override"
    assert [d.day for d in cal.year_days(2027)][-1] == date(2027, 3, 1)


def test_an_official_schedule_is_refused_for_a_library_year_or_without_holidays():
    with pytest.raises(CalendarDataError, match="chinese_calendar"):
        check_schedule(2026, [DayOverride(date(2026, 1, 1), "holiday", "元旦")])
    with pytest.raises(CalendarDataError, match="2028-01-01"):
        check_schedule(2027, [DayOverride(date(2028, 1, 1), "holiday", "元旦")])
    with pytest.raises(CalendarDataError, match="no holiday"):
        check_schedule(2027, [DayOverride(date(2027, 2, 20), "workday", "调休")])


def test_workday_override_on_a_saturday_counts():
    cal = WorkCalendar([DayOverride(date(2026, 10, 17), "workday", "区政府补班")])
    assert cal.is_workday(date(2026, 10, 17)) is True
    assert cal.add_workdays(date(2026, 9, 28), 15) == date(2026, 10, 22)   # 10-23 without the override
    assert cal.last_known_year == 2026


def test_holiday_override_on_a_weekday_is_skipped():
    cal = WorkCalendar([DayOverride(date(2026, 10, 12), "holiday", "测试停工日")])
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 13)    # 10-12 without the override
    assert cal.count_workdays(date(2026, 9, 30), date(2026, 10, 13)) == 4
    assert cal.explain_day(date(2026, 10, 12)) == "测试停工日（放假，管理员维护数据）"


def test_override_beats_official_data():
    cal = WorkCalendar([DayOverride(date(2026, 10, 7), "workday", "国庆节"),
                        DayOverride(date(2026, 10, 10), "holiday", "National Day")])
    assert cal.is_workday(date(2026, 10, 7)) is True
    assert cal.is_workday(date(2026, 10, 10)) is False
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 9)     # 10-07, 10-08, 10-09
    assert cal.add_workdays(date(2026, 10, 8), 2) == date(2026, 10, 12)    # 10-10 no longer counted
    # the English label from the file is shown in Chinese
    assert cal.explain_day(date(2026, 10, 10)) == "国庆节（放假，管理员维护数据）"
    assert WorkCalendar().add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)  # others unaffected


def test_override_for_a_later_year_leaves_both_years_provisional():
    cal = WorkCalendar([DayOverride(date(2028, 1, 3), "holiday", "测试")])
    assert cal.last_known_year == 2026
    assert cal.known_years == frozenset(range(2004, 2027))
    assert cal.is_provisional(date(2027, 7, 1)) and cal.is_provisional(date(2028, 1, 3))
    assert cal.due(date(2026, 12, 1), 60, explain=False).provisional is True
    assert cal.is_workday(date(2028, 1, 3)) is False

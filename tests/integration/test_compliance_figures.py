"""Compliance figures from known timelines: supplements, an extension, National Day with its make-up Saturday,
a provisional 2027 case recomputed after the year's calendar is loaded, overdue and nearly due clocks.

`build_timelines` is shared with the report and web tests. Figures are worked out by hand below.
"""

from __future__ import annotations

from datetime import date

import pytest

from repair.domain.actors import Actor
from repair.services.audit.compliance import compliance_figures
from repair.services.calendar.overrides import load_overrides
from repair.services.cases.desk_actions import assign_cases
from tests.conftest import at

START, END, TODAY = date(2026, 9, 1), date(2027, 1, 31), date(2027, 1, 15)
# 2027 as it might be announced (test data): New Year 01-01..01-04, make-up working Saturday 01-09.
CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n" \
           "2027-01-04,holiday,元旦\n2027-01-09,workday,调休上班\n"


def build_timelines(world, make_case, fire) -> dict[str, str]:
    """Cases A–H with the timelines the expected figures below are computed from."""
    cases = {}

    def run(name, submitted, steps, **record):
        cases[name] = make_case(when=at(submitted), **record)
        for trigger, who, day, *reason in steps:
            fire(cases[name], trigger, who, at(day), reason=reason[0] if reason else None)

    # A: everything on time, through conclusion and sharing.
    run("A", "2026-11-02", [("accept", "fgw_officer", "2026-11-03"),
                            ("confirm_fulfilment", "fgw_officer", "2026-11-04"), ("grant", "fgw_reviewer", "2026-11-05"),
                            ("seal", "fgw_officer", "2026-11-06"), ("confirm_sync", "system", "2026-11-09")])
    # B: supplement 11-05..11-12 (5 WD paused), decided 11-24: decision and feedback late.
    run("B", "2026-11-02", [("accept", "fgw_officer", "2026-11-03"),
                            ("request_supplement", "fgw_officer", "2026-11-05", "缺少缴款凭证"),
                            ("supply", "ent", "2026-11-12"), ("confirm_fulfilment", "fgw_officer", "2026-11-20"),
                            ("grant", "fgw_reviewer", "2026-11-24")])
    # C: decision extended by 10 WD (due 11-26) and met that day; feedback (not extendable) late.
    run("C", "2026-11-02", [("accept", "fgw_officer", "2026-11-03"),
                            ("extend", "fgw_officer", "2026-11-04", "需赴现场核查"),
                            ("confirm_fulfilment", "fgw_officer", "2026-11-25"),
                            ("grant", "fgw_reviewer", "2026-11-26")])
    # D: accepted, then left: decision (due 11-12) and feedback (due 11-16) overdue.
    run("D", "2026-11-02", [("accept", "fgw_officer", "2026-11-03")])
    # E: National Day: submitted 09-30, accepted on the make-up Saturday 10-10 (its due day), withdrawn 10-13.
    run("E", "2026-09-30", [("accept", "fgw_officer", "2026-10-10"), ("withdraw", "ent", "2026-10-13", "暂不申请")])
    # F: provisional 2027 due dates, recomputed when 2027's official schedule is loaded on 12-29, then decided 2027-01-08.
    run("F", "2026-12-24", [("accept", "fgw_officer", "2026-12-28")])
    with world.uow() as uow:
        load_overrides(world, uow, CSV_2027, actor=Actor("admin", "admin"), now=at("2026-12-29"),
                       official_year=2027)
    for trigger, who, day in (("confirm_fulfilment", "fgw_officer", "2027-01-05"),
                              ("grant", "fgw_reviewer", "2027-01-08")):
        fire(cases["F"], trigger, who, at(day))
    # G: market regulation (SCJG), accepted 11-17, decision due 11-26 overdue; assigned to scjg_officer.
    run("G", "2026-11-16", [("accept", "scjg_officer", "2026-11-17")], authority_code="SCJG", channel="samr",
        decision_no="沪市监罚〔2025〕1号")
    with world.uow() as uow:
        assign_cases(uow, [cases["G"]], "scjg_officer", Actor("scjg_officer", "officer", department="SCJG"),
                     at("2026-11-18"))
    # H: submitted 2027-01-12, acceptance due 01-15 (= today): due within one working day.
    run("H", "2027-01-12", [])
    return cases


def figures(world, department=None, start=START, end=END, today=TODAY) -> dict:
    with world.uow(read_only=True) as uow:
        return compliance_figures(world, uow, start=start, end=end, today=today, department=department)


@pytest.fixture
def timelines(world, make_case, fire):
    return build_timelines(world, make_case, fire)


# (department, workflow, stage) → cases, deadlines, met, on time, late, overdue, due soon, open, share, median, p90
EXPECTED = {
    ("FGW", "penalty_repair", "acceptance"): (7, 7, 6, 6, 0, 0, 1, 1, 1.0, 1.0, 2.5),
    ("FGW", "penalty_repair", "decision"): (6, 6, 5, 4, 1, 1, 0, 1, 0.6667, 7.0, 14.2),
    ("FGW", "penalty_repair", "feedback"): (7, 7, 5, 3, 2, 1, 0, 2, 0.5, 9.0, 15.2),
    ("FGW", "penalty_repair", "sharing"): (1, 1, 1, 1, 0, 0, 0, 0, 1.0, 1.0, 1.0),
    ("SCJG", "samr_penalty_repair", "acceptance"): (1, 1, 1, 1, 0, 0, 0, 0, 1.0, 1.0, 1.0),
    ("SCJG", "samr_penalty_repair", "decision"): (1, 1, 0, 0, 0, 1, 0, 1, 0.0, None, None),
}
KEYS = ("cases", "deadlines", "met", "met_on_time", "met_late", "overdue_now", "due_soon", "open", "on_time_share",
        "median_used", "p90_used")
EXPECTED_OVERDUE = [("D", "decision", "2026-11-12", 45, "未分配"), ("D", "feedback", "2026-11-16", 43, "未分配"),
                    ("G", "decision", "2026-11-26", 35, "scjg_officer")]
EXPECTED_TREND = {"2026-09": (2, 2, 0, 1.0), "2026-10": (1, 1, 0, 1.0), "2026-11": (12, 9, 3, 0.6),
                  "2026-12": (3, 3, 0, 1.0), "2027-01": (0, 0, 0, None)}


def as_table(rows: list[dict]) -> dict:
    return {(r["department"], r["workflow"], r["stage"]): tuple(r[k] for k in KEYS) for r in rows}


def test_figures_by_department_workflow_and_stage(world, timelines):
    result = figures(world)
    assert as_table(result["rows"]) == EXPECTED
    limits = {(r["workflow"], r["stage"]): r["limit_days"] for r in result["rows"]}
    assert limits[("penalty_repair", "decision")] == 7 and limits[("samr_penalty_repair", "acceptance")] == 2


def test_on_time_share_by_department_and_month(world, timelines):
    result = figures(world)
    bars = {d["department"]: (d["met"], d["met_on_time"], d["overdue_now"], d["on_time_share"])
            for d in result["departments"]}
    assert bars == {"FGW": (17, 14, 2, 0.7368), "SCJG": (1, 1, 1, 0.5)}
    trend = {t["month"]: (t["met"], t["met_on_time"], t["overdue_now"], t["on_time_share"]) for t in result["trend"]}
    assert trend == EXPECTED_TREND


def test_overdue_open_cases_name_the_responsible_officer(world, timelines):
    result = figures(world)
    expected = [(timelines[name], stage, due, over, who) for name, stage, due, over, who in EXPECTED_OVERDUE]
    assert [(o["case_no"], o["stage"], o["due"], o["workdays_over"], o["responsible"])
            for o in result["overdue_open_cases"]] == expected


def test_department_filter_and_period_bounds(world, timelines):
    scjg = figures(world, department="SCJG")
    assert set(as_table(scjg["rows"])) == {("SCJG", "samr_penalty_repair", "acceptance"),
                                           ("SCJG", "samr_penalty_repair", "decision")}
    assert [o["case_no"] for o in scjg["overdue_open_cases"]] == [timelines["G"]]
    # Only clocks started in September–October: case E, with National Day and the make-up Saturday.
    autumn = figures(world, start=date(2026, 9, 1), end=date(2026, 10, 31))
    assert {k[2]: v for k, v in as_table(autumn["rows"]).items()} == {
        "acceptance": (1, 1, 1, 1, 0, 0, 0, 0, 1.0, 3.0, 3.0),   # 10-08, 10-09, make-up Saturday 10-10
        "decision": (1, 1, 1, 1, 0, 0, 0, 0, 1.0, 2.0, 2.0),     # 10-12, 10-13
        "feedback": (1, 1, 1, 1, 0, 0, 0, 0, 1.0, 5.0, 5.0),     # 10-08 .. 10-13, holidays skipped
    }


def test_recomputed_provisional_case_counts_on_time(world, timelines):
    # Without the 2027 data F's decision was due 2027-01-07 (provisional) and 01-08 would have been late.
    december = figures(world, start=date(2026, 12, 1), end=date(2026, 12, 31))
    table = {k[2]: v for k, v in as_table(december["rows"]).items()}
    assert table["decision"][2:4] == (1, 1) and table["decision"][9] == 7.0   # 12-29..12-31, 01-05..01-08
    assert table["feedback"][2:4] == (1, 1) and table["feedback"][9] == 9.0


def test_bad_period_is_refused(world):
    from repair.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        figures(world, start=date(2026, 12, 1), end=date(2026, 11, 1))
    assert refused.value.field == "to"



def test_a_restarted_stage_counts_one_case(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    for trigger, who, day in (("accept", "fgw_officer", "2026-11-03"),
                              ("confirm_fulfilment", "fgw_officer", "2026-11-04"),
                              ("grant", "fgw_reviewer", "2026-11-05"), ("seal", "fgw_officer", "2026-11-06"),
                              ("confirm_sync", "system", "2026-11-09")):
        fire(case_no, trigger, who, at(day))
    fire(case_no, "revoke", "fgw_reviewer", at("2026-11-20"), reason="发现申请材料虚假")  # sharing again, due 11-25
    result = figures(world, start=date(2026, 11, 1), end=date(2026, 11, 30), today=date(2026, 11, 26))
    sharing = as_table(result["rows"])[("FGW", "penalty_repair", "sharing")]
    assert sharing == (1, 2, 1, 1, 0, 1, 0, 1, 0.5, 1.0, 1.0)


def test_overdue_page(world, timelines):
    with world.uow(read_only=True) as uow:
        page = compliance_figures(world, uow, start=START, end=END, today=TODAY, overdue_page=(1, 1))
    assert page["overdue_total"] == 3
    assert [(o["case_no"], o["stage"]) for o in page["overdue_open_cases"]] == [(timelines["D"], "feedback")]

"""Submitting an application: eligibility, pinned regime, started clocks, first history event."""

from datetime import date

import pytest

from repair.errors import NotEligible, TransitionRefused
from repair.services.cases.verbs import submit_application
from tests.conftest import actor, at


def test_submission_pins_regime_and_starts_acceptance_and_feedback_clocks(make_case, show):
    case_no = make_case(when=at("2026-09-30"))
    detail = show(case_no)
    assert detail["state"] == "submitted" and detail["version"] == 1
    assert detail["regime"] == "ndrc-2026"
    clocks = {d["stage"]: d for d in detail["deadlines"]}
    assert set(clocks) == {"acceptance", "feedback"}
    # 3 WD from 2026-09-30: National Day 10-01..10-07 skipped, make-up Saturday 10-10 counted.
    assert clocks["acceptance"]["due"] == "2026-10-10"
    assert "国庆节" in clocks["acceptance"]["derivation"] and "10-10" in clocks["acceptance"]["derivation"]
    assert clocks["feedback"]["due"] == "2026-10-20"
    assert [e["trigger"] for e in detail["events"]] == ["submit"]
    assert detail["events"][0]["from"] is None and detail["events"][0]["to"] == "submitted"


def test_case_numbers_count_per_department_and_year(make_case):
    assert make_case(when=at("2026-09-01")) == "FGW-2026-000001"
    assert make_case(when=at("2026-09-01")) == "FGW-2026-000002"


def test_too_early_application_names_every_failed_condition(world, make_record):
    record_id = make_record(decided_on=date(2026, 11, 2), published_on=date(2026, 11, 3))
    with world.uow() as uow, pytest.raises(NotEligible) as refused:
        submit_application(world, uow, record_id=record_id, actor=actor("ent"), now=at("2026-11-26"),
                           commitment_signed=False)
    assert set(refused.value.failed) == {"min_publicity_reached", "commitment_signed"}
    assert "2027-02-02" in str(refused.value)


def test_a_record_has_at_most_one_open_case(world, make_case, make_record):
    record_id = make_record()
    make_case(record_id=record_id)
    with world.uow() as uow, pytest.raises(NotEligible, match="已有办理中的案件"):
        submit_application(world, uow, record_id=record_id, actor=actor("ent"), now=at("2026-11-26"),
                           commitment_signed=True)


def test_an_enterprise_cannot_apply_for_another_enterprise(world, make_record):
    record_id = make_record()
    with world.uow() as uow, pytest.raises(TransitionRefused) as refused:
        submit_application(world, uow, record_id=record_id, actor=actor("other_ent"), now=at("2026-11-26"),
                           commitment_signed=True)
    assert refused.value.failed == ["scope"]


def test_newer_regime_more_favourable_is_flagged(make_case, show):
    # Food-sector general penalty decided 2025-01-10: under ndrc-2023 min 1 year / max 3 years,
    # under ndrc-2026 min 3 months / max 1 year, so a case pinned to ndrc-2023 is flagged today.
    case_no = make_case(when=at("2026-03-16"), decided_on=date(2025, 1, 10), published_on=date(2025, 1, 15),
                        sector="food")
    detail = show(case_no)
    assert detail["regime"] == "ndrc-2023"
    assert detail["favourable_regime"]["regime"] == "ndrc-2026"
    assert detail["favourable_regime"]["max_publicity_end"] == "2026-01-10"

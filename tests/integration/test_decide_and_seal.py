"""The main path: accept, check fulfilment, grant (four-eyes), seal; and the refusals on the way."""


import pytest

from repair.domain.actors import Actor
from repair.errors import TransitionRefused, UnknownTrigger
from repair.services.cases.verbs import fire as fire_service
from repair.store.models import Record
from tests.conftest import at


def test_happy_path_concludes_and_stops_publication(world, make_case, fire, show):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-04"))
    fire(case_no, "grant", "fgw_reviewer", at("2026-11-05"))
    result = fire(case_no, "seal", "fgw_officer", at("2026-11-06"))
    assert result.letter == "repair_decision"
    detail = show(case_no)
    assert detail["state"] == "concluded" and detail["open"] is False
    stages = {d["stage"]: d for d in detail["deadlines"]}
    assert stages["acceptance"]["met_on"] == "2026-11-03"
    assert stages["decision"]["met_on"] == "2026-11-05"
    assert stages["sharing"]["status"] == "running" and stages["sharing"]["started_on"] == "2026-11-06"
    assert [e["seq"] for e in detail["events"]] == [1, 2, 3, 4, 5]
    with world.uow(read_only=True) as uow:
        assert uow.session.get(Record, 1).status == "repaired"


def test_the_officer_who_checked_cannot_grant_even_as_reviewer(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-04"))
    promoted = Actor("fgw_officer", "reviewer", department="FGW")  # same person, now holding the reviewer role
    with world.uow() as uow, pytest.raises(TransitionRefused) as refused:
        fire_service(world, uow, case_no, "grant", actor=promoted, now=at("2026-11-05"))
    assert refused.value.failed == ["four_eyes"]


def test_unfulfilled_penalty_blocks_the_check(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"), paid=False)
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-04"))
    assert refused.value.failed == ["penalty_fulfilled"]
    assert "罚款未缴清" in str(refused.value)


@pytest.mark.parametrize("username, failed", [("scjg_officer", "scope"), ("fgw_reviewer", "role"),
                                              ("ent", "role")])
def test_only_an_officer_of_the_department_accepts(make_case, fire, username, failed):
    case_no = make_case(when=at("2026-11-02"))
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "accept", username, at("2026-11-03"))
    assert refused.value.failed == [failed]


def test_wrong_state_and_unknown_trigger(make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "grant", "fgw_reviewer", at("2026-11-03"))
    assert refused.value.failed == ["state"]
    with pytest.raises(UnknownTrigger):
        fire(case_no, "teleport", "fgw_officer", at("2026-11-03"))


def test_grant_rechecks_eligibility_with_the_pinned_regime(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-04"))
    with world.uow() as uow:  # the fine is found to have been refunded: evidence no longer complete
        uow.session.get(Record, 1).fine_amount = 999999
        uow.commit()
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "grant", "fgw_reviewer", at("2026-11-05"))
    assert refused.value.failed == ["eligible"]

"""Extensions need a reason and are limited; withdrawal before the decision; revocation after conclusion."""

import pytest
from sqlalchemy import select

from repair.errors import TransitionRefused, ValidationError
from repair.store.models import Extension, Record
from tests.conftest import at


def accepted(make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    return case_no


def test_extension_requires_a_reason(make_case, fire):
    case_no = accepted(make_case, fire)
    with pytest.raises(ValidationError) as missing:
        fire(case_no, "extend", "fgw_officer", at("2026-11-04"), reason="  ")
    assert missing.value.field == "reason"


def test_extension_moves_the_due_date_once(world, make_case, fire, show):
    case_no = accepted(make_case, fire)
    result = fire(case_no, "extend", "fgw_officer", at("2026-11-04"), reason="需赴现场核查")
    assert result.to_state == result.from_state == "fulfilment_check"
    decision = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    assert (decision["extended_days"], decision["due"]) == (10, "2026-11-26")  # 17 WD after 11-03
    assert "延期 10 日" in decision["derivation"]
    with world.uow(read_only=True) as uow:
        assert uow.session.scalars(select(Extension)).one().reason == "需赴现场核查"
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "extend", "fgw_officer", at("2026-11-05"), reason="再次延期")
    assert refused.value.failed == ["extension_available"]


def test_withdraw_before_decision_closes_every_clock(make_case, fire, show):
    case_no = accepted(make_case, fire)
    fire(case_no, "withdraw", "ent", at("2026-11-04"), reason="企业决定暂不申请")
    detail = show(case_no)
    assert detail["state"] == "withdrawn" and detail["open"] is False
    assert {d["status"] for d in detail["deadlines"]} == {"met"}


def test_withdraw_is_refused_after_the_decision(make_case, fire):
    case_no = accepted(make_case, fire)
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-04"))
    fire(case_no, "grant", "fgw_reviewer", at("2026-11-05"))
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "withdraw", "ent", at("2026-11-06"), reason="太晚了")
    assert refused.value.failed == ["state"]


def test_revoke_restores_publication_and_starts_sharing_again(world, make_case, fire, show):
    case_no = accepted(make_case, fire)
    for trigger, who, day in (("confirm_fulfilment", "fgw_officer", "2026-11-04"),
                              ("grant", "fgw_reviewer", "2026-11-05"), ("seal", "fgw_officer", "2026-11-06")):
        fire(case_no, trigger, who, at(day))
    fire(case_no, "confirm_sync", "system", at("2026-11-09"))
    fire(case_no, "revoke", "fgw_reviewer", at("2026-11-20"), reason="发现申请材料虚假")
    detail = show(case_no)
    assert detail["state"] == "revoked"
    sharing = [d for d in detail["deadlines"] if d["stage"] == "sharing"]
    assert [d["status"] for d in sharing] == ["met", "running"]  # the revocation must be shared too
    with world.uow(read_only=True) as uow:
        assert uow.session.get(Record, 1).status == "published"

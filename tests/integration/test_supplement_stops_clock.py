"""补正: requesting a supplement stops the decision clock; supplying resumes it with a later due date."""

from sqlalchemy import select

from repair.store.models import Suspension
from tests.conftest import at


def test_supplement_pauses_and_supply_recomputes_due(world, make_case, fire, show):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))          # decision clock: 7 WD from Tue 11-03
    before = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    assert before["due"] == "2026-11-12"
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-05"), reason="缺少缴款凭证")
    paused = {d["stage"]: d for d in show(case_no)["deadlines"]}
    assert paused["decision"]["status"] == "paused" and paused["feedback"]["status"] == "paused"
    assert paused["acceptance"]["status"] == "met"
    fire(case_no, "supply", "ent", at("2026-11-12"))                  # 5 working days (11-06..11-12) in between
    after = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    assert after["status"] == "running"
    assert after["paused_days"] == 5
    assert after["due"] == "2026-11-19"                                # 7 + 5 = 12 WD after 11-03
    assert "补正期间暂停 5 日顺延" in after["derivation"]
    with world.uow(read_only=True) as uow:
        suspensions = uow.session.scalars(select(Suspension)).all()
        assert {(s.workdays, s.reason) for s in suspensions} == {(5, "缺少缴款凭证")}
        assert len(suspensions) == 2  # the decision clock and the overall feedback clock


def test_supply_on_the_same_day_adds_nothing(make_case, fire, show):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-04", 9), reason="缺少材料")
    fire(case_no, "supply", "ent", at("2026-11-04", 16))
    decision = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    assert (decision["paused_days"], decision["due"]) == (0, "2026-11-12")


def test_queue_due_ignores_paused_clocks(make_case, fire, show):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-05"), reason="缺少材料")
    assert show(case_no)["due"] is None

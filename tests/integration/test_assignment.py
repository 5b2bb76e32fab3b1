"""Assigning cases to officers: one transaction, one chained history event per case, state unchanged."""

import pytest
from sqlalchemy import select, update

from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.services.audit.integrity import verify_history
from repair.services.cases.desk_actions import assign_cases
from repair.store.models import Case, CaseEvent, User
from tests.conftest import actor, at


def assign(world, case_nos, assignee, username="fgw_reviewer", when="2026-11-26"):
    with world.uow() as uow:
        return assign_cases(uow, case_nos, assignee, actor(username), at(when))


def snapshot(world, case_no):
    with world.uow(read_only=True) as uow:
        case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).one()
        events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.seq)).all()
        return case.assigned_to, case.state, case.version, [(e.trigger, e.from_state, e.to_state, e.actor,
                                                             e.payload) for e in events]


def test_assign_reassign_and_unassign_are_chained_events(world, make_case, fire):
    first = make_case(when=at("2026-11-20"))
    second = make_case(when=at("2026-11-20"))
    fire(second, "accept", "fgw_officer", at("2026-11-23"))
    assert assign(world, [first, second], "fgw_officer") == [first, second]
    assigned_to, state, version, events = snapshot(world, second)
    assert (assigned_to, state, version) == ("fgw_officer", "fulfilment_check", 3)
    assert events[-1] == ("assign", "fulfilment_check", "fulfilment_check", "fgw_reviewer",
                          {"assigned_to": "fgw_officer", "previous": None})
    assert assign(world, [first], "fgw_officer2", username="fgw_officer") == [first]
    assert assign(world, [first], None) == [first]
    assigned_to, state, version, events = snapshot(world, first)
    assert (assigned_to, state, version) == (None, "submitted", 4)
    assert [e[4] for e in events[1:]] == [{"assigned_to": "fgw_officer", "previous": None},
                                          {"assigned_to": "fgw_officer2", "previous": "fgw_officer"},
                                          {"assigned_to": None, "previous": "fgw_officer2"}]
    # Assigning to the current assignee changes nothing and writes nothing.
    assert assign(world, [second], "fgw_officer") == []
    assert len(snapshot(world, second)[3]) == 3
    with world.uow(read_only=True) as uow:
        report = verify_history(uow)
    assert report.intact and report.cases_checked == 2 and report.events_checked == 7


def test_assigned_case_still_fires_and_chain_stays_intact(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    assign(world, [case_no], "fgw_officer2")
    result = fire(case_no, "accept", "fgw_officer2", at("2026-11-23"))
    assert (result.from_state, result.to_state, result.version) == ("submitted", "fulfilment_check", 3)
    with world.uow(read_only=True) as uow:
        assert verify_history(uow).intact


def test_another_departments_case_aborts_the_whole_batch(world, make_case):
    ours = make_case(when=at("2026-11-20"))
    theirs = make_case(when=at("2026-11-20"), authority_code="SCJG", channel="samr")
    with pytest.raises(NotFound):
        assign(world, [ours, theirs], "fgw_officer")
    assert snapshot(world, ours)[0] is None and len(snapshot(world, ours)[3]) == 1
    with pytest.raises(NotFound):
        assign(world, ["FGW-2026-999999"], "fgw_officer")


@pytest.mark.parametrize("assignee", ["fgw_reviewer", "scjg_officer", "nobody", "retired"])
def test_assignee_must_be_an_active_officer_of_the_department(world, make_case, now, assignee):
    from repair.services.security.users import add_user

    with world.uow() as uow:
        add_user(uow, username="retired", role="officer", department="FGW", now=now)
        uow.flush()
        uow.session.execute(update(User).where(User.username == "retired").values(active=False))
        uow.commit()
    case_no = make_case(when=at("2026-11-20"))
    with pytest.raises(ValidationError) as error:
        assign(world, [case_no], assignee)
    assert error.value.field == "assignee"
    assert snapshot(world, case_no)[0] is None


def test_only_department_staff_assign(world, make_case):
    case_no = make_case(when=at("2026-11-20"))
    for username in ("ent", "auditor", "admin"):
        with pytest.raises(TransitionRefused):
            assign(world, [case_no], "fgw_officer", username=username)
    with pytest.raises(ValidationError):
        assign(world, [], "fgw_officer")

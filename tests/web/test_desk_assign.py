"""Bulk assignment from the queue: checkboxes plus an officer select, one transaction."""

import re

import pytest
from sqlalchemy import select

from repair.services.audit.integrity import verify_history
from repair.store.models import Case, CaseEvent
from tests.conftest import at, csrf_of


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    """The desk sees the fixed `now` (Thursday 2026-11-26) whatever day the suite runs."""
    monkeypatch.setattr("repair.web.desk.local_now", lambda: now)


def assignees(page: str) -> dict[str, str]:
    pattern = r'data-case="([^"]+)" data-mark="[^"]+">.*?<td class="assignee">([^<]*)</td>'
    rows = re.findall(pattern, page, re.S)
    return dict(rows)


def test_queue_offers_checkboxes_and_the_departments_officers(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    page = login("fgw_reviewer").get("/desk/").get_data(as_text=True)
    assert f'<input type="checkbox" name="case_no" value="{case_no}"' in page
    select_html = page.split('id="assign-to"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)"', select_html) == ["", "fgw_officer", "fgw_officer2"]


def test_bulk_assign_then_reassign_through_the_queue(web, world, login, make_case):
    first, second, third = (make_case(when=at("2026-11-24")) for _ in range(3))
    client = login("fgw_reviewer")
    token = csrf_of(client.get("/desk/").get_data(as_text=True))
    response = client.post("/desk/assign", data={"case_no": [first, second], "assignee": "fgw_officer",
                                                 "back": "/desk/?assignee=unassigned", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/desk/?assignee=unassigned"
    page = client.get("/desk/").get_data(as_text=True)
    assert "已更新 2 件案件的承办人" in page
    assert assignees(page) == {first: "fgw_officer", second: "fgw_officer", third: "未分派"}
    client.post("/desk/assign", data={"case_no": [second, third], "assignee": "fgw_officer2",
                                      "csrf_token": token})
    client.post("/desk/assign", data={"case_no": [first], "assignee": "", "csrf_token": token})
    assert assignees(client.get("/desk/").get_data(as_text=True)) == {
        first: "未分派", second: "fgw_officer2", third: "fgw_officer2"}
    mine = login("fgw_officer2").get("/desk/?assignee=mine").get_data(as_text=True)
    assert set(assignees(mine)) == {second, third}
    with world.uow(read_only=True) as uow:
        second_id = uow.session.scalar(select(Case.id).where(Case.case_no == second))
        events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == second_id,
                                                             CaseEvent.trigger == "assign")
                                     .order_by(CaseEvent.seq)).all()
        assert [(e.actor, e.payload) for e in events] == [
            ("fgw_reviewer", {"assigned_to": "fgw_officer", "previous": None}),
            ("fgw_reviewer", {"assigned_to": "fgw_officer2", "previous": "fgw_officer"})]
        assert verify_history(uow).intact
    timeline = client.get(f"/desk/cases/{second}").get_data(as_text=True).split('id="timeline"')[1]
    assert "分派承办人" in timeline and "fgw_officer → fgw_officer2" in timeline


def test_assignment_outside_the_department_is_404_and_changes_nothing(web, world, login, make_case):
    ours = make_case(when=at("2026-11-24"))
    theirs = make_case(when=at("2026-11-24"), authority_code="SCJG", channel="samr")
    client = login("fgw_officer")
    token = csrf_of(client.get("/desk/").get_data(as_text=True))
    response = client.post("/desk/assign", data={"case_no": [ours, theirs], "assignee": "fgw_officer",
                                                 "csrf_token": token})
    assert response.status_code == 404
    assert assignees(client.get("/desk/").get_data(as_text=True)) == {ours: "未分派"}


def test_assignee_of_another_department_is_refused(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    client = login("fgw_officer")
    token = csrf_of(client.get("/desk/").get_data(as_text=True))
    response = client.post("/desk/assign", data={"case_no": [case_no], "assignee": "scjg_officer",
                                                 "csrf_token": token})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "scjg_officer 不是本部门在岗承办人" in page and assignees(page) == {case_no: "未分派"}


def test_enterprise_and_auditor_cannot_assign(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    for username in ("ent", "auditor"):
        client = login(username)
        token = csrf_of(client.get("/").get_data(as_text=True))  # the sign-out form carries one
        response = client.post("/desk/assign", data={"case_no": [case_no], "assignee": "fgw_officer",
                                                     "csrf_token": token})
        assert response.status_code == 403

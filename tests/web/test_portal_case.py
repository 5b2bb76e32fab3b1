"""Following a case: timeline, stage and working days left; answering a supplement request; withdrawing."""

import io

import pytest
from sqlalchemy import select

import repair.web.portal
from repair.store.upload_models import Upload
from tests.conftest import at, csrf_of

PDF = b"%PDF-1.4\n% supplement\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr(repair.web.portal, "local_now", lambda: now)


def deadline_cell(page: str, stage: str) -> str:
    start = page.index(f'data-stage="{stage}"')
    cell = page.index('class="left">', start) + len('class="left">')
    return " ".join(page[cell:page.index("</td>", cell)].split())


def test_progress_shows_stage_timeline_and_working_days_left(web, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    page = login("ent").get(f"/portal/cases/{case_no}").get_data(as_text=True)
    assert 'id="case-state" data-state="fulfilment_check">履行核查</strong>' in page
    assert '<td>提交申请</td><td>已提交</td>' in page and '<td>受理</td><td>履行核查</td>' in page
    # Officers appear by function, never by username.
    assert '<td class="actor">经办人</td>' in page and "fgw_officer" not in page
    assert '<td class="actor">企业（ent）</td>' in page
    # Decision: 7 WD from 2026-11-23 -> due 2026-12-02; on Thu 2026-11-26 that leaves Fri, Mon, Tue, Wed = 4.
    assert deadline_cell(page, "decision") == "剩余 4 个工作日"
    # Feedback: 10 WD from 2026-11-20 -> due 2026-12-04; 6 working days remain after 2026-11-26.
    assert deadline_cell(page, "feedback") == "剩余 6 个工作日"
    assert deadline_cell(page, "acceptance") == "按时完成（2026-11-23）"  # met on acceptance, in time


def test_overdue_deadline_is_shown_as_such(web, login, make_case):
    case_no = make_case(when=at("2026-11-16"))
    page = login("ent").get(f"/portal/cases/{case_no}").get_data(as_text=True)
    # Acceptance: 3 WD from Mon 2026-11-16 -> due Thu 2026-11-19; by Thu 2026-11-26 five working days late.
    assert deadline_cell(page, "acceptance") == '<span class="overdue">已超期 5 个工作日</span>'


def test_enterprise_answers_a_supplement_request(web, login, make_case, fire, world):
    # Unpaid: the automatic fulfilment check after `supply` leaves the case with the officer.
    case_no = make_case(when=at("2026-11-20"), paid=False)
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-24"), reason="请补充整改完成的现场照片")
    client = login("ent")
    page = client.get(f"/portal/cases/{case_no}").get_data(as_text=True)
    assert 'id="supplement-request">办理部门要求补正：请补充整改完成的现场照片' in page
    assert deadline_cell(page, "decision") == "已暂停（等待补正）"
    empty = client.post(f"/portal/cases/{case_no}/supplement", data={"csrf_token": csrf_of(page)},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "请上传补正材料" in empty.get_data(as_text=True)
    answered = client.post(f"/portal/cases/{case_no}/supplement",
                           data={"csrf_token": csrf_of(page), "note": "已补充照片",
                                 "files": (io.BytesIO(PDF), "照片.pdf")},
                           content_type="multipart/form-data")
    assert answered.status_code == 302
    after = client.get(answered.headers["Location"]).get_data(as_text=True)
    assert 'data-state="fulfilment_check"' in after and '<td>提交补正材料</td>' in after
    assert 'id="supplement-form"' not in after
    with world.uow(read_only=True) as uow:
        upload = uow.session.scalar(select(Upload))
    assert (upload.purpose, upload.filename) == ("supplement", "照片.pdf")
    assert upload.content_type == "application/pdf"


def test_withdrawal_needs_a_reason(web, login, make_case, show):
    case_no = make_case()
    client = login("ent")
    page = client.get(f"/portal/cases/{case_no}").get_data(as_text=True)
    assert 'id="withdraw-form"' in page
    refused = client.post(f"/portal/cases/{case_no}/withdraw",
                          data={"csrf_token": csrf_of(page), "reason": " "}, follow_redirects=True)
    assert "请填写撤回理由" in refused.get_data(as_text=True) and show(case_no)["state"] == "submitted"
    done = client.post(f"/portal/cases/{case_no}/withdraw",
                       data={"csrf_token": csrf_of(page), "reason": "材料需重新准备"}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert show(case_no)["state"] == "withdrawn"
    assert "申请已撤回" in body and 'data-state="withdrawn"' in body and "材料需重新准备" in body
    assert 'id="withdraw-form"' not in body


def test_stale_form_is_refused_without_changing_the_case(web, login, make_case, fire, show):
    case_no = make_case()
    client = login("ent")
    page = client.get(f"/portal/cases/{case_no}").get_data(as_text=True)
    fire(case_no, "accept", "fgw_officer", at("2026-11-26", 11))
    stale = client.post(f"/portal/cases/{case_no}/withdraw",
                        data={"csrf_token": csrf_of(page), "reason": "撤回", "version": "1"},
                        follow_redirects=True)
    assert "案件版本已变为" in stale.get_data(as_text=True) and show(case_no)["state"] == "fulfilment_check"

"""The officer's case page: what it shows, which buttons it offers, and firing through it."""

import re

import pytest
from sqlalchemy import select, update

from repair.services.documents.issuing import store_blob
from repair.store.models import CaseEvent, User
from repair.store.upload_models import Upload
from tests.conftest import USCC, at, csrf_of

PDF = b"%PDF-1.4 fulfilment receipt"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    """The desk sees the fixed `now` (Thursday 2026-11-26) whatever day the suite runs."""
    monkeypatch.setattr("repair.web.desk.local_now", lambda: now)


def buttons(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="[^"]+/fire" class="action" data-trigger="([^"]+)"', page)


def version_of(page: str) -> str:
    return re.search(r'id="case-version" data-version="(\d+)"', page).group(1)


def post_action(client, case_no: str, trigger: str, reason: str | None = None, version: str | None = None):
    page = client.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    data = {"trigger": trigger, "version": version or version_of(page), "csrf_token": csrf_of(page)}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/desk/cases/{case_no}/fire", data=data)


def test_case_page_shows_record_evidence_timeline_deadlines_documents_and_diagram(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    page = login("fgw_officer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert 'id="case-state" data-state="submitted">已提交' in page
    assert "沪浦发改罚〔2025〕1号" in page and "区发展改革委" in page and "上海示例贸易有限公司" in page
    assert USCC in page and "一般" in page and "罚款" in page and "¥5,000.00" in page
    fulfilment = page.split('id="fulfilment"')[1].split("</table>")[0]
    assert "财政" in fulfilment and "JK1" in fulfilment and "2026-03-20" in fulfilment and "罚款缴纳" in fulfilment
    assert "处罚义务已履行完毕" in page
    timeline = page.split('id="timeline"')[1].split("</table>")[0]
    assert "提交申请" in timeline and "ent" in timeline and "已提交" in timeline
    assert "2026-11-24 10:00" in timeline  # Beijing time, though stored as UTC
    deadlines = page.split('id="deadlines"')[1].split("</table>")[0]
    assert "受理审查" in deadlines and "2026-11-27" in deadlines and "国办发〔2025〕22号" in deadlines
    assert "自 2026-11-24 起算 3 个工作日" in deadlines and "→ 截止 2026-11-27" in deadlines
    documents = page.split('id="documents"')[1].split("</table>")[0]
    assert "信用修复申请书" in documents and "信用修复承诺书" in documents
    # The diagram: mermaid source for the script and a <noscript> copy, the current state highlighted.
    source = page.split('<template id="diagram-source">')[1].split("</template>")[0]
    assert source.startswith("flowchart TD") and "class submitted current" in source
    assert "submit" not in source.split("\n", 1)[1].replace("submitted", "")  # display names, no trigger ids
    assert "class submitted current" in page.split("<noscript>")[1].split("</noscript>")[0]
    assert '<script src="/desk/static/mermaid.min.js"></script>' in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_diagram_script_is_served_locally(web, login):
    client = login("fgw_officer")
    with client.get("/desk/static/mermaid.min.js") as script:
        assert script.status_code == 200
        assert b'globalThis["mermaid"]' in script.data and len(script.data) > 1_000_000
    with client.get("/desk/static/diagram.js") as drawer:
        assert drawer.status_code == 200 and b"mermaid.render" in drawer.data


def test_other_department_gets_404_and_outsiders_403(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    scjg = login("scjg_officer")
    assert scjg.get(f"/desk/cases/{case_no}").status_code == 404
    token = csrf_of(scjg.get("/desk/").get_data(as_text=True))
    refused = scjg.post(f"/desk/cases/{case_no}/fire",
                        data={"trigger": "accept", "version": "1", "csrf_token": token})
    assert refused.status_code == 404
    assert login("fgw_officer").get("/desk/cases/FGW-2026-999999").status_code == 404
    for username in ("ent", "auditor"):
        assert login(username).get(f"/desk/cases/{case_no}").status_code == 403


def test_buttons_follow_role_and_state(web, login, make_case, make_record):
    case_no = make_case(when=at("2026-11-24"))
    officer_page = login("fgw_officer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert buttons(officer_page) == ["accept", "refuse"]
    refuse_form = officer_page.split('data-trigger="refuse"')[1].split("</form>")[0]
    accept_form = officer_page.split('data-trigger="accept"')[1].split("</form>")[0]
    assert 'name="reason" required' in refuse_form and 'name="reason"' not in accept_form
    reviewer_page = login("fgw_reviewer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert buttons(reviewer_page) == [] and 'id="no-actions"' in reviewer_page


def test_fulfilment_guard_hides_the_confirm_button(web, login, make_case, fire):
    unpaid = make_case(when=at("2026-11-20"), paid=False)
    fire(unpaid, "accept", "fgw_officer", at("2026-11-23"))
    page = login("fgw_officer").get(f"/desk/cases/{unpaid}").get_data(as_text=True)
    assert buttons(page) == ["request_supplement", "extend"]
    assert "罚款未缴清：应缴 5000.00 元，已缴 0 元" in page
    # Posting the hidden action anyway is refused with the failed guard in Chinese.
    refused = post_action(login("fgw_officer"), unpaid, "confirm_fulfilment")
    assert refused.status_code == 409
    error = refused.get_data(as_text=True).split('id="action-error"')[1].split("</p>")[0]
    assert "处罚或义务已履行完毕" in error and "penalty_fulfilled" not in error


def test_four_eyes_hides_grant_from_the_checker(web, world, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-24"))
    # The officer who checked is later made a reviewer: four-eyes still bars them from deciding.
    with world.uow() as uow:
        uow.session.execute(update(User).where(User.username == "fgw_officer").values(role="reviewer"))
        uow.commit()
    checker = login("fgw_officer")
    checker_page = checker.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert "准予修复" not in checker_page.split('id="actions"')[1].split("</div>")[0]
    assert buttons(checker_page) == []
    refused = post_action(checker, case_no, "grant")
    assert refused.status_code == 409 and "四眼原则" in refused.get_data(as_text=True)
    other = login("fgw_reviewer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert buttons(other) == ["grant", "deny"] and 'id="action-grant">准予修复</button>' in other
    granted = post_action(login("fgw_reviewer"), case_no, "grant")
    assert granted.status_code == 302
    after = login("fgw_reviewer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert 'data-state="granted"' in after


def test_firing_through_the_page_records_the_reason(web, world, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    client = login("fgw_officer")
    response = post_action(client, case_no, "extend", reason="需向税务部门核实缴款")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/cases/{case_no}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已执行「延长办理期限」" in page
    assert "需向税务部门核实缴款" in page.split('id="timeline"')[1]
    assert "+10 需向税务部门核实缴款（fgw_officer）" in page.split('id="deadlines"')[1]
    with world.uow(read_only=True) as uow:
        event = uow.session.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
    assert (event.trigger, event.actor, event.reason) == ("extend", "fgw_officer", "需向税务部门核实缴款")
    assert buttons(page) == ["request_supplement", "confirm_fulfilment"]  # the one extension is used


def test_missing_reason_is_asked_for(web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    response = post_action(login("fgw_officer"), case_no, "refuse", reason="  ")
    assert response.status_code == 422
    assert "「不予受理」须填写理由" in response.get_data(as_text=True)


def test_stale_version_shows_the_conflict_message(web, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    client = login("fgw_officer")
    seen = client.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    fire(case_no, "accept", "fgw_officer2", at("2026-11-23"))
    response = client.post(f"/desk/cases/{case_no}/fire", data={
        "trigger": "accept", "version": version_of(seen), "csrf_token": csrf_of(seen)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "案件已被他人修改，请刷新" in page and 'data-state="fulfilment_check"' in page


@pytest.mark.pdf
def test_a_step_with_a_letter_produces_its_sealed_document(sealing, web, login, make_case):
    case_no = make_case(when=at("2026-11-24"))
    client = login("fgw_officer")
    response = post_action(client, case_no, "refuse", reason="申请材料与记录不符")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    documents = page.split('id="documents"')[1].split("</table>")[0]
    assert "不予受理通知书" in documents and "已签章" in documents
    link = re.findall(r'href="(/documents/\d+\.pdf)"', documents)[-1]
    download = client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_uploaded_materials_are_listed_and_downloadable_by_the_department(web, world, login, make_case, now):
    case_no = make_case(when=at("2026-11-24"))
    digest = store_blob(world, PDF, area="uploads")
    with world.uow() as uow:
        from repair.store.models import Case

        case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).one()
        upload = Upload(record_id=case.record_id, case_id=case.id, uscc=USCC, purpose="application",
                        filename="缴款凭证.pdf", content_type="application/pdf", size=len(PDF), sha256=digest,
                        uploaded_by="ent", uploaded_at=now.replace(tzinfo=None))
        uow.session.add(upload)
        uow.commit()
        upload_id = upload.id
    client = login("fgw_reviewer")
    page = client.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert f'href="/desk/uploads/{upload_id}">缴款凭证.pdf</a>' in page and "申请材料" in page
    download = client.get(f"/desk/uploads/{upload_id}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert login("scjg_officer").get(f"/desk/uploads/{upload_id}").status_code == 404
    assert login("ent").get(f"/desk/uploads/{upload_id}").status_code == 403
    assert client.get("/desk/uploads/9999").status_code == 404

"""The portal is for the enterprise itself: others get 404, anonymous users sign in, officers get 403."""

import io

import pytest
from sqlalchemy import select

import repair.web.portal
from repair.services.documents.uploads import IncomingFile, add_uploads
from repair.store.document_models import Document
from repair.store.models import Case
from tests.conftest import actor, csrf_of

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr(repair.web.portal, "local_now", lambda: now)


@pytest.fixture
def ents_case(world, make_case, now):
    """ent's case with an upload and a produced applicant document."""
    from repair.services.documents.issuing import produce

    case_no = make_case()
    with world.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
        [upload] = add_uploads(world, uow, [IncomingFile("a.pdf", PDF)], record_id=case.record_id,
                               uscc=case.uscc, purpose="application", actor=actor("ent"), now=now, case_id=case.id)
        document_id = uow.session.scalar(select(Document.id).where(Document.case_id == case.id,
                                                                   Document.kind == "commitment_letter"))
        uow.commit()
        ids = {"case_no": case_no, "record_id": case.record_id, "upload_id": upload.id,
               "document_id": document_id}
    produce(world, document_id, now=now)
    return ids


@pytest.mark.pdf
def test_other_enterprise_sees_nothing_of_ents(web, login, ents_case):
    other, owner = login("other_ent"), login("ent")
    paths = [f"/portal/records/{ents_case['record_id']}/apply", f"/portal/cases/{ents_case['case_no']}",
             f"/portal/uploads/{ents_case['upload_id']}", f"/documents/{ents_case['document_id']}.pdf"]
    assert [other.get(p).status_code for p in paths] == [404, 404, 404, 404]
    # The owner reaches all of them (the apply page redirects to the open case).
    assert [owner.get(p).status_code for p in paths] == [302, 200, 200, 200]
    token = csrf_of(other.get("/portal/").get_data(as_text=True))
    for action in ("withdraw", "supplement"):
        posted = other.post(f"/portal/cases/{ents_case['case_no']}/{action}",
                            data={"csrf_token": token, "reason": "x", "files": (io.BytesIO(PDF), "b.pdf")},
                            content_type="multipart/form-data")
        assert posted.status_code == 404
    applied = other.post(f"/portal/records/{ents_case['record_id']}/apply",
                         data={"csrf_token": token, "handler_name": "王五", "handler_phone": "13912345678",
                               "reason": "申请", "commitment": "1"})
    assert applied.status_code == 404
    assert f'id="record-{ents_case["record_id"]}"' not in other.get("/portal/").get_data(as_text=True)


def test_anonymous_users_are_sent_to_sign_in(web):
    client = web.test_client()
    for path in ("/portal/", "/portal/records/1/apply", "/portal/cases/FGW-2026-000001", "/portal/uploads/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_officers_and_others_get_403(web, login, make_case):
    case_no = make_case()
    for username in ("fgw_officer", "fgw_reviewer", "auditor", "admin"):
        client = login(username)
        assert client.get("/portal/").status_code == 403
        assert client.get(f"/portal/cases/{case_no}").status_code == 403


def test_posts_need_a_csrf_token(web, login, make_case, show):
    case_no = make_case()
    response = login("ent").post(f"/portal/cases/{case_no}/withdraw", data={"reason": "撤回"})
    assert response.status_code == 400 and show(case_no)["state"] == "submitted"

"""Applying online: prefilled form with sources, the commitment, uploads checked by content, submission."""

import hashlib
import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import repair.services.cases.applications
import repair.web.portal
from repair.services.documents.issuing import read_blob
from repair.services.documents.uploads import MAX_UPLOAD_BYTES
from repair.store.contact_models import ApplicationContact
from repair.store.document_models import Document
from repair.store.models import Case, Enterprise
from repair.store.upload_models import Upload
from tests.conftest import USCC, csrf_of

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr(repair.web.portal, "local_now", lambda: now)


@pytest.fixture
def registered(world):
    with world.uow() as uow:
        uow.session.add(Enterprise(uscc=USCC, name="上海示例贸易有限公司", address="上海市浦东新区示例路1号",
                                   legal_representative="张三", phone="021-58881234"))
        uow.commit()


def form(page: str, **changes) -> dict:
    data = {"csrf_token": csrf_of(page), "handler_name": "张三", "handler_phone": "021-58881234",
            "reason": "已全面履行义务，申请信用修复。", "commitment": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def cases(world) -> list[str]:
    with world.uow(read_only=True) as uow:
        return list(uow.session.scalars(select(Case.case_no).where(Case.workflow != "paired_delivery")))


def test_form_shows_prefilled_fields_with_sources(web, login, make_record, registered):
    record_id = make_record()
    page = login("ent").get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    assert "上海示例贸易有限公司" in page and "来源：市场主体登记信息" in page
    assert "来源：失信信息记录" in page and "来源：部门间履罚信息共享（财政）" in page
    assert 'name="handler_phone" value="021-58881234"' in page
    assert "本单位已阅读并同意上述信用承诺" in page and "不再发生同类违法失信行为" in page


def test_without_the_commitment_submission_is_refused(web, login, make_record, registered, world):
    record_id = make_record()
    client = login("ent")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    response = client.post(f"/portal/records/{record_id}/apply", data=form(page, commitment=None))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-commitment">请阅读信用修复承诺书并勾选' in body
    assert cases(world) == []


def test_bad_contact_is_explained_next_to_the_field_and_kept(web, login, make_record, registered, world):
    record_id = make_record()
    client = login("ent")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    response = client.post(f"/portal/records/{record_id}/apply",
                           data=form(page, handler_name="李四", handler_phone="12345"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-handler_phone">联系电话格式不正确' in body
    assert 'name="handler_name" value="李四"' in body and "来源：申请人更正" in body
    assert 'name="handler_phone" value="12345"' in body
    assert cases(world) == []


@pytest.mark.parametrize("name, content, expected", [
    ("收据.pdf", PNG + b"x" * 10, None),
    ("收据.pdf", EXE, "不是 PDF、JPEG 或 PNG"),
    ("大文件.pdf", PDF + b"0" * MAX_UPLOAD_BYTES, "超过 10 MB"),
])
def test_uploads_are_judged_by_content_and_size(web, login, make_record, registered, world, name, content,
                                                expected, monkeypatch):
    # Documents are not rendered here: this test is about the upload check alone.
    monkeypatch.setattr(repair.services.cases.applications, "produce_documents", lambda *a, **k: [])
    record_id = make_record()
    client = login("ent")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    # Encoded in memory: the test client would spool a 10 MB body to a temporary file it never closes.
    # The browser's claimed type is "application/pdf" in every case; only the bytes count.
    claimed = FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")
    boundary, body = encode_multipart({**form(page), "files": claimed})
    response = client.post(f"/portal/records/{record_id}/apply", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    with world.uow(read_only=True) as uow:
        stored = uow.session.scalars(select(Upload)).all()
    if expected is None:
        # A PNG named .pdf is a PNG: accepted as what it really is.
        assert response.status_code == 302
        assert [(u.filename, u.content_type) for u in stored] == [("收据.pdf", "image/png")]
    else:
        assert response.status_code == 422
        assert f'id="error-files">文件「{name}」{expected}' in response.get_data(as_text=True)
        assert stored == [] and cases(world) == []


@pytest.mark.pdf
def test_submission_creates_the_case_uploads_contact_and_documents(web, login, make_record, registered,
                                                                   world):
    record_id = make_record()
    client = login("ent")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    data = {**form(page, handler_name="李四", handler_phone="13912345678"),
            "files": [(io.BytesIO(PDF), "缴款凭证.pdf")]}
    response = client.post(f"/portal/records/{record_id}/apply", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    [case_no] = cases(world)
    assert response.headers["Location"] == f"/portal/cases/{case_no}"
    digest = hashlib.sha256(PDF).hexdigest()
    with world.uow(read_only=True) as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
        upload = uow.session.scalar(select(Upload))
        contact = uow.session.get(ApplicationContact, case.id)
        documents = uow.session.scalars(select(Document).where(Document.case_id == case.id)).all()
        assert (case.state, case.commitment_signed_at is not None) == ("submitted", True)
        assert (upload.case_id, upload.purpose) == (case.id, "application")
        assert (upload.sha256, upload.size) == (digest, len(PDF))
        assert (contact.handler_name, contact.handler_phone) == ("李四", "13912345678")
        assert sorted((d.kind, d.status) for d in documents) == [("application_form", "rendered"),
                                                                 ("commitment_letter", "rendered")]
    assert hashlib.sha256(read_blob(world, digest, area="uploads")).hexdigest() == digest
    progress = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"申请已提交，案件号 {case_no}" in progress and "缴款凭证.pdf" in progress
    letter = next(d for d in documents if d.kind == "commitment_letter")
    download = client.get(f"/documents/{letter.id}.pdf")
    assert download.status_code == 200
    assert "信用修复承诺书" in PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert client.get(f"/portal/uploads/{upload.id}").data == PDF


def test_ineligible_submission_shows_the_reasons(web, login, make_record, registered, world):
    record_id = make_record(decided_on=date(2026, 10, 15), published_on=date(2026, 10, 20))
    client = login("ent")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    assert 'id="not-eligible"' in page and 'id="submit-application"' not in page
    response = client.post(f"/portal/records/{record_id}/apply", data=form(page))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="form-error">不符合申请条件' in body and "最短公示期至 2027-01-15 届满" in body
    assert cases(world) == []

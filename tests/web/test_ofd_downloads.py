"""OFD in the browser and the API (issue 16): downloads on the desk, the portal and /api/v1/documents/{id}/ofd
with exactly the PDF's permissions and security log; /verify and POST /api/v1/verify take an OFD."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from repair.ofd import ofd_text, verify_ofd
from repair.services.documents import deliveries
from repair.services.documents.issuing import produce_pending
from repair.store.document_models import Document
from repair.store.models import Case
from repair.store.security_models import SecurityEvent
from tests.conftest import actor, at, csrf_of
from tests.integration.test_ofd_letters import _parts, _zip
from tests.web.test_api_support import api, assert_problem  # noqa: F401 - the `api` fixture

pytestmark = pytest.mark.pdf
DECISION = "沪浦发改罚〔2026〕61号"


@pytest.fixture
def delivery(sealing, make_record):
    """A 两书同达 issued in both formats (as with REPAIR_DOCUMENT_FORMATS=both)."""
    make_record(decision_no=DECISION)
    return deliveries.prepare(sealing, decision_no=DECISION, actor=actor("fgw_officer"), now=at("2026-11-20"),
                              formats=("pdf", "ofd"))


def _notice(delivery) -> dict:
    return delivery.documents["rights_notice"]


def test_desk_downloads_the_ofd_beside_the_pdf(web, login, delivery, sealing):
    notice = _notice(delivery)
    client = login("fgw_officer")
    page = client.get(f"/desk/deliveries/{DECISION}").get_data(as_text=True)
    assert f'/documents/{notice["id"]}.ofd' in page and f'/documents/{notice["id"]}.pdf' in page
    case_page = client.get(f"/desk/cases/{delivery.case_no}").get_data(as_text=True)
    assert f'/documents/{notice["id"]}.ofd' in case_page
    download = client.get(f"/documents/{notice['id']}.ofd")
    assert download.status_code == 200 and download.mimetype == "application/ofd"
    assert ".ofd" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() == notice["ofd_sha256"]
    report = verify_ofd(download.data, sealing.settings)
    assert report.ok and report.department == "FGW"
    assert DECISION in "".join(ofd_text(download.data))
    with sealing.uow(read_only=True) as uow:
        logged = uow.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "document_downloaded")).all()
    assert [(e.actor, e.detail.get("document"), e.detail.get("format")) for e in logged] == [
        ("fgw_officer", notice["id"], "ofd")]


def test_ofd_downloads_have_the_pdf_permissions(web, login, delivery):
    notice = _notice(delivery)
    for user, status in (("fgw_officer", 200), ("ent", 200), ("auditor", 200), ("scjg_officer", 404),
                         ("other_ent", 404)):
        client = login(user)
        pdf, ofd = client.get(f"/documents/{notice['id']}.pdf"), client.get(f"/documents/{notice['id']}.ofd")
        assert (pdf.status_code, ofd.status_code) == (status, status), user
    assert web.test_client().get(f"/documents/{notice['id']}.ofd").status_code == 302  # sign in first


def test_portal_offers_the_ofd(web, login, sealing, make_case, now):
    # REPAIR_DOCUMENT_FORMATS=both: the application form and commitment letter also come as OFD (unsealed:
    # the applicant signs them).
    case_no = make_case()
    produce_pending(sealing, now=now, formats=("pdf", "ofd"))
    client = login("ent")
    page = client.get(f"/portal/cases/{case_no}").get_data(as_text=True)
    with sealing.uow(read_only=True) as uow:
        documents = uow.session.scalars(select(Document).join(Case, Case.id == Document.case_id)
                                        .where(Case.case_no == case_no)).all()
    assert documents and all(d.ofd_sha256 for d in documents)
    for document in documents:
        assert f'/documents/{document.id}.ofd' in page
        download = client.get(f"/documents/{document.id}.ofd")
        assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == document.ofd_sha256
    assert not verify_ofd(download.data, sealing.settings).signed
    assert login("other_ent").get(f"/documents/{documents[0].id}.ofd").status_code == 404


def test_document_issued_without_ofd_has_no_link_and_404(web, login, sealing, make_record):
    make_record(decision_no=DECISION)
    plain = deliveries.prepare(sealing, decision_no=DECISION, actor=actor("fgw_officer"), now=at("2026-11-20"))
    notice = _notice(plain)
    assert notice["ofd_sha256"] is None
    client = login("fgw_officer")
    assert ".ofd" not in client.get(f"/desk/deliveries/{DECISION}").get_data(as_text=True)
    assert client.get(f"/documents/{notice['id']}.ofd").status_code == 404
    assert client.get(f"/documents/{notice['id']}.pdf").status_code == 200


def test_api_ofd_download(api, delivery, sealing):  # noqa: F811
    notice = _notice(delivery)
    meta = api.get(f"/documents/{notice['id']}", "ent").get_json()
    assert meta["ofd_sha256"] == notice["ofd_sha256"] and meta["ofd_size"] > 1000
    response = api.get(f"/documents/{notice['id']}/ofd", "ent")
    assert response.status_code == 200 and response.mimetype == "application/ofd"
    assert response.headers["ETag"] == f'"{notice["ofd_sha256"]}"'
    assert hashlib.sha256(response.data).hexdigest() == notice["ofd_sha256"] and len(response.data) == meta["ofd_size"]
    assert "attachment" in response.headers["Content-Disposition"]
    cached = api.get(f"/documents/{notice['id']}/ofd", "ent", headers={"If-None-Match": f'"{notice["ofd_sha256"]}"'})
    assert cached.status_code == 304
    for user in ("other_ent", "scjg_officer"):
        assert_problem(api.get(f"/documents/{notice['id']}/ofd", user), 404, "not-found")
    assert_problem(api.get("/documents/999/ofd", "auditor"), 404, "not-found")
    with sealing.uow(read_only=True) as uow:
        logged = uow.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "document_downloaded")).all()
    assert {(e.actor, e.detail.get("format"), e.detail.get("channel")) for e in logged} == {("ent", "ofd", "api")}


def test_api_ofd_of_a_pdf_only_document_is_a_404_problem(api, sealing, make_record):  # noqa: F811
    make_record(decision_no=DECISION)
    plain = deliveries.prepare(sealing, decision_no=DECISION, actor=actor("fgw_officer"), now=at("2026-11-20"))
    body = assert_problem(api.get(f"/documents/{_notice(plain)['id']}/ofd", "ent"), 404, "not-found")
    assert "OFD" in body["detail"]
    assert api.get(f"/documents/{_notice(plain)['id']}/pdf", "ent").status_code == 200


def test_api_ofd_not_produced_yet_is_409(api, make_record):  # noqa: F811
    # No seal keys: the acceptance notice is numbered but not produced, in either format.
    case = api.post("/cases", "ent", json={"record_id": make_record(), "commitment_signed": True}).get_json()
    accepted = api.post(f"/cases/{case['case_no']}/events", "fgw_officer", json={"trigger": "accept"},
                        headers={"If-Match": '"1"'}).get_json()
    assert_problem(api.get(f"/documents/{accepted['documents'][0]['id']}/ofd", "ent"), 409, "not-ready")


def test_verify_page_and_api_take_an_ofd(web, api, delivery, sealing):  # noqa: F811
    ofd = _ofd_bytes(sealing, delivery)
    client = web.test_client()  # /verify needs no sign-in
    assert "验真通过" in _upload(client, ofd) and "区发展改革委" in _upload(client, ofd)
    changed = _upload(client, _changed(ofd, "Doc_0/Pages/Page_0/Content.xml"))
    assert "验真未通过" in changed and "已被修改" in changed

    report = api.post("/verify", None, data=ofd, content_type="application/ofd").get_json()
    assert (report["format"], report["ok"], report["department"]) == ("ofd", True, "FGW")
    multipart = api.post("/verify", None, data={"document": (io.BytesIO(ofd), "notice.ofd")},
                         content_type="multipart/form-data").get_json()
    assert multipart == report


def _upload(client, data: bytes) -> str:
    token = csrf_of(client.get("/verify").get_data(as_text=True))
    return client.post("/verify", data={"csrf_token": token, "document": (io.BytesIO(data), "notice.ofd")},
                       content_type="multipart/form-data").get_data(as_text=True)


def _changed(ofd: bytes, name: str) -> bytes:
    """The package with one byte of part `name` flipped (the ZIP itself stays readable)."""
    parts = _parts(ofd)
    parts[name] = parts[name][:50] + bytes([parts[name][50] ^ 0x01]) + parts[name][51:]
    return _zip(parts)


def _ofd_bytes(sealing, delivery) -> bytes:
    from repair.services.documents.issuing import document_file

    return document_file(sealing, _notice(delivery)["id"], "ofd")[1]

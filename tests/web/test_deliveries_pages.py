"""Officers prepare, serve and download 两书同达 in the browser; others cannot."""

import io

from pypdf import PdfReader

from tests.conftest import csrf_of

DECISION = "沪浦发改罚〔2026〕7号"


def test_officer_prepares_serves_and_downloads(sealing, web, login, make_record):
    make_record(decision_no=DECISION)
    client = login("fgw_officer")
    token = csrf_of(client.get("/desk/deliveries").get_data(as_text=True))
    created = client.post("/desk/deliveries", data={"decision_no": DECISION, "csrf_token": token})
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "两书已备齐" in page or "prepared" in page
    assert "FGW信告〔2026〕1号" in page
    served = client.post(f"/desk/deliveries/{DECISION}/serve",
                         data={"method": "on_spot", "csrf_token": csrf_of(page)})
    assert served.status_code == 302
    assert 'id="delivery-state">served' in client.get(served.headers["Location"]).get_data(as_text=True)
    download = client.get("/documents/2.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "信用修复权益告知书" in PdfReader(io.BytesIO(download.data)).pages[0].extract_text()


def test_other_department_and_other_enterprise_cannot_see_the_documents(sealing, web, login, make_record):
    make_record(decision_no=DECISION)
    owner = login("fgw_officer")
    owner.post("/desk/deliveries", data={"decision_no": DECISION,
                                         "csrf_token": csrf_of(owner.get("/desk/deliveries").get_data(as_text=True))})
    assert login("scjg_officer").get("/documents/1.pdf").status_code == 404
    assert login("other_ent").get("/documents/1.pdf").status_code == 404
    assert login("ent").get("/documents/1.pdf").status_code == 200
    assert login("ent").get("/desk/deliveries").status_code == 403
    assert web.test_client().get("/desk/deliveries").status_code == 302

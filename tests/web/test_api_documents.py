"""API documents and deadlines: lists, metadata, PDF download with permission checks, not-ready PDFs."""

import hashlib

import pytest

from tests.conftest import OTHER_USCC
from tests.web.test_api_support import api, assert_problem  # noqa: F401  (api is a fixture)

pytestmark = pytest.mark.pdf


@pytest.fixture
def case(api, make_record):
    """A case created through the API (so its application form and commitment letter are rendered)."""
    response = api.post("/cases", "ent", json={"record_id": make_record(), "commitment_signed": True})
    assert response.status_code == 201
    return response.get_json()


def test_case_documents_are_listed_and_paged(api, case):
    listed = api.get(f"/cases/{case['case_no']}/documents?per_page=1", "ent").get_json()
    assert (listed["total"], listed["next"], [d["kind"] for d in listed["items"]]) == (
        2, f"/api/v1/cases/{case['case_no']}/documents?page=2&per_page=1", ["application_form"])
    second = api.get(f"/cases/{case['case_no']}/documents?page=2&per_page=1", "fgw_reviewer").get_json()
    assert [d["kind"] for d in second["items"]] == ["commitment_letter"] and second["next"] is None


def test_document_metadata_is_scoped(api, case):
    document_id = case["documents"][0]["id"]
    meta = api.get(f"/documents/{document_id}", "ent").get_json()
    assert (meta["case_no"], meta["kind"], meta["status"], meta["pages"]) == (
        case["case_no"], "application_form", "rendered", 2)
    for user in ("fgw_officer", "auditor", "admin"):
        assert api.get(f"/documents/{document_id}", user).status_code == 200
    for user in ("other_ent", "scjg_officer"):
        assert_problem(api.get(f"/documents/{document_id}", user), 404, "not-found")
        assert_problem(api.get(f"/documents/{document_id}/pdf", user), 404, "not-found")
        assert_problem(api.get(f"/cases/{case['case_no']}/documents", user), 404, "not-found")
    assert_problem(api.get("/documents/999", "auditor"), 404, "not-found")


def test_pdf_download_with_sha256_etag(api, case):
    document_id = case["documents"][1]["id"]
    response = api.get(f"/documents/{document_id}/pdf", "ent")
    data = response.get_data()
    digest = hashlib.sha256(data).hexdigest()
    assert response.status_code == 200 and data.startswith(b"%PDF-")
    assert response.headers["ETag"] == f'"{digest}"' and digest == case["documents"][1]["sha256"]
    assert "attachment" in response.headers["Content-Disposition"]
    cached = api.get(f"/documents/{document_id}/pdf", "ent", headers={"If-None-Match": f'"{digest}"'})
    assert cached.status_code == 304


def test_pdf_not_produced_yet_is_409(api, case):
    # No seal keys in this test: the acceptance notice is numbered but cannot be sealed yet.
    accepted = api.post(f"/cases/{case['case_no']}/events", "fgw_officer", json={"trigger": "accept"},
                        headers={"If-Match": '"1"'}).get_json()
    notice = accepted["documents"][0]
    assert notice["status"] == "reserved"
    assert_problem(api.get(f"/documents/{notice['id']}/pdf", "ent"), 409, "not-ready")
    assert api.get(f"/documents/{notice['id']}", "ent").get_json()["sha256"] is None


def test_deadlines_of_a_case(api, case, fire, now):
    fire(case["case_no"], "accept", "fgw_officer", now)
    body = api.get(f"/cases/{case['case_no']}/deadlines", "ent").get_json()
    rows = {d["stage"]: d for d in body["items"]}
    assert body["total"] == 3 and list(rows) == ["acceptance", "feedback", "decision"]
    assert (rows["acceptance"]["status"], rows["acceptance"]["met_on"]) == ("met", "2026-11-26")
    assert (rows["decision"]["started_on"], rows["decision"]["due"], rows["decision"]["provisional"]) == (
        "2026-11-26", "2026-12-07", False)
    assert rows["decision"]["paused_days"] == 0 and rows["decision"]["extended_days"] == 0
    assert "2026-12-07" in rows["decision"]["derivation"] and rows["decision"]["confirmed"] is False
    assert_problem(api.get(f"/cases/{case['case_no']}/deadlines", "other_ent"), 404, "not-found")


def test_other_enterprise_sees_no_documents_of_its_own_cases_mixed_in(api, case, make_record):
    theirs = api.post("/cases", "other_ent", json={"record_id": make_record(uscc=OTHER_USCC),
                                                   "commitment_signed": True}).get_json()
    listed = api.get(f"/cases/{theirs['case_no']}/documents", "other_ent").get_json()
    assert {d["id"] for d in listed["items"]} == {d["id"] for d in theirs["documents"]}
    assert not {d["id"] for d in listed["items"]} & {d["id"] for d in case["documents"]}

"""API cases and records: create (enterprise, or an officer at the window), eligibility errors, scoping,
filters, pagination in the database, detail with ETag."""

from datetime import date

import pytest
from sqlalchemy import event

from tests.conftest import OTHER_USCC, USCC
from tests.web.test_api_support import api, assert_problem  # noqa: F401  (api is a fixture)

pytestmark = pytest.mark.pdf  # creating a case renders the application form and the commitment letter


def apply(api, user, record_id, **fields):
    return api.post("/cases", user, json={"record_id": record_id, "commitment_signed": True, "reason": "已履行",
                                          **fields})


def test_enterprise_creates_a_case(api, make_record):
    record_id = make_record()
    response = apply(api, "ent", record_id)
    body = response.get_json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/cases/{body['case_no']}"
    assert response.headers["ETag"] == '"1"'
    assert (body["state"], body["version"], body["applicant"], body["record"]["id"]) == (
        "submitted", 1, "ent", record_id)
    assert [e["trigger"] for e in body["events"]] == ["submit"] and body["events"][0]["reason"] == "已履行"
    assert {d["stage"]: d["due"] for d in body["deadlines"]} == {"acceptance": "2026-12-01", "feedback": "2026-12-10"}
    assert [(d["kind"], d["status"]) for d in body["documents"]] == [
        ("application_form", "rendered"), ("commitment_letter", "rendered")]
    again = api.get(response.headers["Location"].removeprefix("/api/v1"), "ent")
    assert again.status_code == 200 and again.get_json()["case_no"] == body["case_no"]


def test_officer_submits_at_the_window_only_for_own_department(api, make_record):
    own = make_record()
    response = apply(api, "fgw_officer", own)
    assert response.status_code == 201 and response.get_json()["applicant"] == "fgw_officer"
    assert_problem(apply(api, "scjg_officer", make_record()), 404, "not-found")
    for user in ("fgw_reviewer", "auditor", "admin"):
        assert_problem(apply(api, user, make_record()), 403, "forbidden")


def test_not_eligible_lists_failed_conditions_by_field(api, make_record, make_case):
    unsigned = assert_problem(apply(api, "ent", make_record(), commitment_signed=False), 422, "not-eligible")
    assert [(e["field"], e["code"]) for e in unsigned["errors"]] == [("commitment_signed", "commitment_signed")]
    assert unsigned["failed"] == ["commitment_signed"] and "承诺书" in unsigned["errors"][0]["message"]

    recent = make_record(decided_on=date(2026, 10, 9), published_on=date(2026, 10, 12))
    early = assert_problem(apply(api, "ent", recent), 422, "not-eligible")
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("record_id", "min_publicity_reached")]
    assert "2027-01-09" in early["errors"][0]["message"]  # 3 months from the decision date

    record_id = make_record()
    make_case(record_id=record_id)
    twice = assert_problem(apply(api, "ent", record_id), 422, "not-eligible")
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("record_id", "open_case")]


@pytest.mark.parametrize("payload, fields", [
    ({}, ["record_id", "commitment_signed"]),
    ({"record_id": "1", "commitment_signed": "yes"}, ["record_id", "commitment_signed"]),
    ({"record_id": True, "commitment_signed": True, "reason": 5}, ["record_id", "reason"]),
    ({"record_id": 1, "commitment_signed": True, "note": "x"}, ["note"]),
    ({"record_id": 1, "commitment_signed": True, "reason": "长" * 2001}, ["reason"]),
])
def test_create_validates_the_body(api, world, payload, fields):
    body = assert_problem(api.post("/cases", "ent", json=payload), 422, "validation")
    assert sorted(e["field"] for e in body["errors"]) == sorted(fields)


def test_create_needs_a_json_object(api, world):
    assert_problem(api.post("/cases", "ent", data="record_id=1", content_type="text/plain"), 400, "malformed-json")
    assert_problem(api.post("/cases", "ent", json=[1]), 400, "malformed-json")


def test_unknown_record_is_404(api, world):
    assert_problem(apply(api, "ent", 999), 404, "not-found")


def test_enterprises_never_see_each_other(api, make_record, make_case):
    mine = make_record()
    case_no = make_case(record_id=mine)
    theirs = make_record(uscc=OTHER_USCC)
    assert_problem(api.get(f"/records/{mine}", "other_ent"), 404, "not-found")
    assert_problem(api.get(f"/cases/{case_no}", "other_ent"), 404, "not-found")
    assert_problem(apply(api, "other_ent", make_record()), 404, "not-found")
    assert [r["id"] for r in api.get("/records", "other_ent").get_json()["items"]] == [theirs]
    assert api.get("/cases", "other_ent").get_json()["items"] == []
    assert api.get(f"/records/{mine}", "ent").get_json()["uscc"] == USCC


def test_lists_are_scoped_by_role(api, make_record, make_case):
    fgw = make_case()
    scjg_record = make_record(authority_code="SCJG", channel="samr", uscc=OTHER_USCC)
    scjg = apply(api, "other_ent", scjg_record).get_json()["case_no"]
    seen = {user: [c["case_no"] for c in api.get("/cases", user).get_json()["items"]]
            for user in ("ent", "other_ent", "fgw_officer", "fgw_reviewer", "scjg_officer", "auditor", "admin")}
    assert seen == {"ent": [fgw], "other_ent": [scjg], "fgw_officer": [fgw], "fgw_reviewer": [fgw],
                    "scjg_officer": [scjg], "auditor": [scjg, fgw], "admin": [scjg, fgw]}  # SCJG accepts in 2 WD
    assert_problem(api.get(f"/cases/{scjg}", "fgw_officer"), 404, "not-found")
    records = api.get("/records", "scjg_officer").get_json()
    assert records["total"] == 1 and records["items"][0]["authority"] == "SCJG"
    assert api.get("/records", "auditor").get_json()["total"] == 2


def test_case_filters(api, make_case, fire, now):
    first, second = make_case(), make_case()
    fire(first, "accept", "fgw_officer", now)
    by_state = api.get("/cases?state=fulfilment_check", "fgw_officer").get_json()
    assert [c["case_no"] for c in by_state["items"]] == [first] and by_state["total"] == 1
    assert [c["case_no"] for c in api.get("/cases?state=submitted", "auditor").get_json()["items"]] == [second]
    assert api.get("/cases?workflow=penalty_repair", "ent").get_json()["total"] == 2
    assert api.get("/cases?workflow=samr_penalty_repair", "ent").get_json()["total"] == 0


def test_pagination_follows_next_and_pages_in_the_database(api, web, make_record):
    ids = [make_record() for _ in range(5)]
    statements = []
    engine = web.extensions["repair"].engine

    def listener(conn, cursor, sql, params, context, many):
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        seen, url, pages = [], "/records?per_page=2", []
        while url:
            body = api.get(url, "ent").get_json()
            pages.append((body["page"], body["per_page"], body["total"], len(body["items"])))
            seen += [r["id"] for r in body["items"]]
            url = body["next"] and body["next"].removeprefix("/api/v1")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert seen == ids
    assert pages == [(1, 2, 5, 2), (2, 2, 5, 2), (3, 2, 5, 1)]
    paging = [s for s in statements if "FROM records" in s and "LIMIT" in s]
    assert len(paging) == 3 and all("OFFSET" in s for s in paging)
    beyond = api.get("/records?page=9&per_page=2", "ent").get_json()
    assert (beyond["items"], beyond["next"], beyond["total"]) == ([], None, 5)
    filtered = api.get("/records?kind=administrative_penalty&per_page=4", "ent").get_json()
    assert filtered["next"] == "/api/v1/records?kind=administrative_penalty&page=2&per_page=4"


@pytest.mark.parametrize("query, fields", [("page=0", ["page"]), ("per_page=201", ["per_page"]),
                                           ("page=x&per_page=-1", ["page", "per_page"])])
def test_bad_paging_is_422(api, world, query, fields):
    body = assert_problem(api.get(f"/cases?{query}", "auditor"), 422, "validation")
    assert [e["field"] for e in body["errors"]] == fields


def test_detail_carries_the_version_as_etag(api, make_case, fire, now):
    case_no = make_case()
    fire(case_no, "accept", "fgw_officer", now)
    response = api.get(f"/cases/{case_no}", "ent")
    body = response.get_json()
    assert response.headers["ETag"] == '"2"' and body["version"] == 2
    assert [(e["seq"], e["trigger"], e["to"]) for e in body["events"]] == [
        (1, "submit", "submitted"), (2, "accept", "fulfilment_check")]
    assert body["triggers"] == ["request_supplement", "confirm_fulfilment", "withdraw", "extend"]
    cached = api.get(f"/cases/{case_no}", "ent", headers={"If-None-Match": '"2"'})
    assert cached.status_code == 304 and not cached.get_data()
    assert api.get(f"/cases/{case_no}", "ent", headers={"If-None-Match": '"1"'}).status_code == 200

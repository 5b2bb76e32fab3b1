"""POST /api/v1/fulfilment (created/updated/unchanged, 422, 404, permissions, waiting cases advanced),
GET /api/v1/cases/{case_no}/fulfilment and GET /api/v1/records/{record_id}/prefill. Every answer is checked
against the OpenAPI document by the `api` client."""

import pytest
from sqlalchemy import select

from repair.store.models import Case, Fulfilment, Record
from tests.web.test_api_support import api, assert_problem, etag  # noqa: F401  (api is a fixture)


def decision_of(world, record_id: int) -> str:
    with world.uow(read_only=True) as uow:
        return uow.session.get(Record, record_id).decision_no


def payment(world, record_id: int, **changes) -> dict:
    body = {"authority_code": "FGW", "decision_no": decision_of(world, record_id), "kind": "fine_payment",
            "amount": "5000.00", "occurred_on": "2026-11-20", "reference": "CZ-2026-001", "source": "区财政局"}
    return {**body, **changes}


def stored(world, record_id: int) -> list[tuple]:
    with world.uow(read_only=True) as uow:
        return [(f.kind, str(f.amount), f.reference, f.source) for f in uow.session.scalars(
            select(Fulfilment).where(Fulfilment.record_id == record_id).order_by(Fulfilment.id))]


def test_created_then_unchanged_then_updated(api, world, make_record):
    record_id = make_record(paid=False)
    created = api.post("/fulfilment", "fgw_officer", json=payment(world, record_id))
    body = created.get_json()
    assert created.status_code == 201
    assert (body["record_id"], body["outcome"], body["checks"]) == (record_id, "created", [])
    again = api.post("/fulfilment", "fgw_officer", json=payment(world, record_id))
    assert again.status_code == 200 and again.get_json()["outcome"] == "unchanged"
    assert again.get_json()["fulfilment_id"] == body["fulfilment_id"]
    updated = api.post("/fulfilment", "admin", json=payment(world, record_id, amount="4800.5"))
    assert updated.status_code == 200 and updated.get_json()["outcome"] == "updated"
    assert stored(world, record_id) == [("fine_payment", "4800.50", "CZ-2026-001", "区财政局")]
    correction = api.post("/fulfilment", "fgw_officer", json=payment(
        world, record_id, kind="correction", amount=None, reference="HC-7", source=None))
    assert correction.status_code == 201
    assert stored(world, record_id)[1] == ("correction", "None", "HC-7", "")


@pytest.mark.parametrize("changes, field", [
    ({"amount": None}, "amount"),                       # a payment needs an amount
    ({"occurred_on": "2026-13-01"}, "occurred_on"),
    ({"occurred_on": "2025-01-01"}, "occurred_on"),      # before the decision
    ({"kind": "refund"}, "kind"),
    ({"authority_code": "NOPE"}, None),                  # unknown authority, refused even for an admin
])
def test_bad_fields_are_422_naming_the_field(api, world, make_record, changes, field):
    record_id = make_record(paid=False)
    body = {k: v for k, v in payment(world, record_id, **changes).items() if v is not None}
    response = api.post("/fulfilment", "admin" if field is None else "fgw_officer", json=body)
    if field is None:
        assert_problem(response, 422, "validation")  # admins are in every scope: the code itself is refused
        assert response.get_json()["errors"][0]["field"] == "authority_code"
    else:
        problem = assert_problem(response, 422, "validation")
        assert problem["errors"][0]["field"] == field
    assert stored(world, record_id) == []


def test_wrong_json_types_and_missing_fields_are_422_and_non_objects_400(api, world, make_record):
    record_id = make_record(paid=False)
    response = api.post("/fulfilment", "fgw_officer", json={**payment(world, record_id), "amount": 5000,
                                                            "extra": 1, "reference": None})
    errors = {e["field"] for e in assert_problem(response, 422, "validation")["errors"]}
    assert errors == {"amount", "extra", "reference"}
    assert_problem(api.post("/fulfilment", "fgw_officer", json=[1]), 400, "malformed-json")


def test_unknown_record_is_404(api, world, make_record):
    record_id = make_record(paid=False)
    response = api.post("/fulfilment", "fgw_officer", json=payment(world, record_id, decision_no="沪浦发改罚〔1999〕1号"))
    assert "没有此决定书编号" in assert_problem(response, 404, "not-found")["detail"]


@pytest.mark.parametrize("user, status", [("ent", 403), ("fgw_reviewer", 403), ("auditor", 403),
                                          ("scjg_officer", 404)])
def test_only_the_authoritys_officers_admins_and_systems_record(api, world, make_record, user, status):
    record_id = make_record(paid=False)
    response = api.post("/fulfilment", user, json=payment(world, record_id))
    assert_problem(response, status, "forbidden" if status == 403 else "not-found")
    assert stored(world, record_id) == []


def test_a_payment_arriving_later_advances_the_waiting_case(api, world, make_case):
    case_no = make_case(paid=False)
    accepted = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"}, headers=etag(1))
    assert accepted.status_code == 201
    waiting = api.get(f"/cases/{case_no}/fulfilment", "ent").get_json()
    assert (waiting["state"], waiting["evidence"]) == ("fulfilment_check", None)
    assert [(c["cause"], c["complete"], c["missing"]) for c in waiting["checks"]] == [
        ("accept", False, ["罚款未缴清：应缴 5000.00 元，已缴 0 元 / fine not fully paid"])]
    assert waiting["supplement_reason"].endswith("1. 罚款未缴清：应缴 5000.00 元，已缴 0 元")

    with world.uow(read_only=True) as uow:
        record_id = uow.session.scalar(select(Case.record_id).where(Case.case_no == case_no))
    response = api.post("/fulfilment", "fgw_officer", json=payment(world, record_id))
    assert response.status_code == 201
    [check] = response.get_json()["checks"]
    assert (check["case_no"], check["complete"], check["state"], check["advanced_seq"]) == (
        case_no, True, "under_review", 3)
    case = api.get(f"/cases/{case_no}", "fgw_officer").get_json()
    assert (case["state"], case["version"]) == ("under_review", 3)
    assert (case["events"][-1]["trigger"], case["events"][-1]["actor"]) == ("confirm_fulfilment", "system")
    shown = api.get(f"/cases/{case_no}/fulfilment", "fgw_officer").get_json()
    assert (shown["evidence"]["pinned_by"], shown["evidence"]["sources"], shown["evidence"]["digest"]) == (
        "system", ["区财政局"], check["digest"])
    assert shown["evidence"]["rows"] == [{"kind": "fine_payment", "amount": "5000.00", "occurred_on": "2026-11-20",
                                          "reference": "CZ-2026-001", "source": "区财政局"}]
    assert shown["supplement_reason"] is None
    assert_problem(api.get(f"/cases/{case_no}/fulfilment", "other_ent"), 404, "not-found")
    assert_problem(api.get(f"/cases/{case_no}/fulfilment", "scjg_officer"), 404, "not-found")


def test_accepting_a_paid_case_through_the_api_confirms_it_at_once(api, make_case):
    case_no = make_case()
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"}, headers=etag(1))
    assert response.status_code == 201 and response.get_json()["to"] == "fulfilment_check"
    case = api.get(f"/cases/{case_no}", "fgw_officer")
    assert case.headers["ETag"] == '"3"' and case.get_json()["state"] == "under_review"
    assert case.get_json()["triggers"] == ["grant", "deny", "withdraw", "extend"]


def test_prefill_for_the_enterprise_and_the_departments_officers(api, world, make_record):
    record_id = make_record()
    response = api.get(f"/records/{record_id}/prefill", "ent")
    body = response.get_json()
    assert response.status_code == 200 and body["record_id"] == record_id
    fields = {f["name"]: f for f in body["fields"]}
    assert [f["name"] for f in body["fields"]][:3] == ["applicant_name", "uscc", "address"]
    assert (fields["decision_no"]["value"], fields["decision_no"]["source"]) == (
        decision_of(world, record_id), "失信信息记录")
    assert (fields["fulfilment_1"]["value"], fields["fulfilment_1"]["source"]) == (
        "2026-03-20 缴纳罚款 ¥5,000.00，凭证号 JK1", "部门间履罚信息共享（财政）")
    assert fields["reason"]["editable"] and not fields["uscc"]["editable"]
    assert api.get(f"/records/{record_id}/prefill", "fgw_officer").get_json() == body
    assert_problem(api.get(f"/records/{record_id}/prefill", "other_ent"), 404, "not-found")
    assert_problem(api.get(f"/records/{record_id}/prefill", "scjg_officer"), 404, "not-found")
    assert_problem(api.get(f"/records/{record_id}/prefill", "fgw_reviewer"), 403, "forbidden")
    assert_problem(api.get("/records/99999/prefill", "ent"), 404, "not-found")

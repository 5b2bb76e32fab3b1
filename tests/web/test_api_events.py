"""Firing triggers through the API: If-Match (428/412), refusals (409 with `failed`), lost races (409),
invalid input (422), scope (404), auditors (403), and a whole case from application to sealed decision."""

import pytest
from sqlalchemy import update

from repair.seal import verify_pdf
from repair.services.cases import api_actions
from repair.store.models import Case
from tests.conftest import at
from tests.web.test_api_support import api, assert_problem, etag  # noqa: F401  (api is a fixture)

pytestmark = pytest.mark.pdf


def post_event(api, case_no, user, trigger, version, reason=None, **body):
    payload = {"trigger": trigger, **({"reason": reason} if reason else {}), **body}
    return api.post(f"/cases/{case_no}/events", user, json=payload, headers=etag(version))


def state_of(show, case_no):
    detail = show(case_no)
    return detail["state"], detail["version"], len(detail["events"])


def test_accept_answers_201_with_event_version_and_etag(api, make_case, show):
    case_no = make_case(paid=False)  # unpaid: the automatic fulfilment check after accept leaves the case waiting
    response = post_event(api, case_no, "fgw_officer", "accept", 1)
    body = response.get_json()
    assert response.status_code == 201 and response.headers["ETag"] == '"2"'
    assert response.headers["Location"] == f"/api/v1/cases/{case_no}"
    assert (body["from"], body["to"], body["version"], body["seq"], body["letter"]) == (
        "submitted", "fulfilment_check", 2, 2, "acceptance_notice")
    assert [(c["stage"], c["change"]) for c in body["deadline_changes"]] == [("acceptance", "met"),
                                                                            ("decision", "started")]
    # Without seal keys the notice cannot be sealed yet: it is numbered and stays reserved for produce_pending.
    assert [(d["kind"], d["status"], d["doc_no"]) for d in body["documents"]] == [
        ("acceptance_notice", "reserved", "FGW信受〔2026〕1号")]
    assert state_of(show, case_no) == ("fulfilment_check", 2, 2)


def test_missing_if_match_is_428(api, make_case, show):
    case_no = make_case()
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"})
    assert "If-Match" in assert_problem(response, 428, "precondition-required")["title"]
    assert state_of(show, case_no) == ("submitted", 1, 1)


@pytest.mark.parametrize("header", ['"1"', 'W/"2"', '"7", "1"', "garbage"])
def test_stale_if_match_is_412_and_changes_nothing(api, make_case, fire, show, now, header):
    case_no = make_case()
    fire(case_no, "accept", "fgw_officer", now)
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "confirm_fulfilment"},
                        headers={"If-Match": header})
    assert "版本为 2" in assert_problem(response, 412, "stale-version")["detail"]
    assert state_of(show, case_no) == ("fulfilment_check", 2, 2)


def test_a_list_with_the_current_version_fires_but_a_star_skips_nothing(api, make_case, show):
    case_no = make_case(paid=False)  # unpaid: the automatic fulfilment check after accept leaves the case waiting
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"},
                        headers={"If-Match": '"9", "1"'})
    assert response.status_code == 201
    # "*" would match any version: it is refused like a missing If-Match, and nothing fires.
    starred = api.post(f"/cases/{case_no}/events", "fgw_officer",
                       json={"trigger": "request_supplement", "reason": "请提供缴款凭证"}, headers={"If-Match": "*"})
    assert_problem(starred, 428, "precondition-required")
    assert state_of(show, case_no) == ("fulfilment_check", 2, 2)


@pytest.mark.parametrize("user, trigger, version_after_accept, failed", [
    ("ent", "accept", False, ["role"]),            # enterprises do not accept
    ("fgw_officer", "grant", False, ["state"]),    # not under review yet
    ("fgw_officer", "confirm_fulfilment", True, ["penalty_fulfilled"]),  # guard: the fine is unpaid
    ("admin", "accept", False, ["role"]),          # admins see everything but act in no workflow
])
def test_refused_transition_is_409_with_failed(api, make_case, fire, show, now, user, trigger,
                                               version_after_accept, failed):
    case_no = make_case(paid=False)
    if version_after_accept:
        fire(case_no, "accept", "fgw_officer", now)
    before = state_of(show, case_no)
    response = post_event(api, case_no, user, trigger, before[1])
    body = assert_problem(response, 409, "transition-refused")
    assert body["failed"] == failed and body["detail"]
    assert state_of(show, case_no) == before


@pytest.mark.parametrize("body, field", [
    ({"trigger": "approve_everything"}, "trigger"),
    ({"trigger": "refuse"}, "reason"),
    ({"trigger": "refuse", "reason": "   "}, "reason"),
    ({"trigger": 5}, "trigger"),
    ({"trigger": "refuse", "reason": ["x"]}, "reason"),
    ({"reason": "x"}, "trigger"),
    ({"trigger": "accept", "version": 1}, "version"),
])
def test_invalid_input_is_422_with_the_field(api, make_case, show, body, field):
    case_no = make_case()
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json=body, headers=etag(1))
    problem = assert_problem(response, 422, "validation")
    assert [e["field"] for e in problem["errors"]] == [field] and problem["errors"][0]["message"]
    assert state_of(show, case_no) == ("submitted", 1, 1)


def test_lost_race_after_the_check_is_409(api, make_case, show, monkeypatch):
    case_no = make_case()
    real_fire = api_actions.fire

    def racing(runtime, uow, *args, **kwargs):
        # Another writer wins between the If-Match check and the firing: the version moves under our feet.
        uow.connection.execute(update(Case).where(Case.case_no == case_no).values(version=Case.version + 1))
        return real_fire(runtime, uow, *args, **kwargs)

    monkeypatch.setattr(api_actions, "fire", racing)
    response = post_event(api, case_no, "fgw_officer", "accept", 1)
    assert "版本已变为 2" in assert_problem(response, 409, "concurrent-change")["detail"]
    assert state_of(show, case_no) == ("submitted", 1, 1)


def test_out_of_scope_is_404_for_every_actor(api, make_case, show):
    case_no = make_case()
    for user in ("scjg_officer", "scjg_reviewer", "other_ent"):
        assert_problem(post_event(api, case_no, user, "accept", 1), 404, "not-found")
    assert_problem(post_event(api, "FGW-2026-999999", "fgw_officer", "accept", 1), 404, "not-found")
    assert state_of(show, case_no) == ("submitted", 1, 1)


def test_auditor_gets_403_on_every_write(api, make_record, make_case, show):
    case_no = make_case()
    assert_problem(post_event(api, case_no, "auditor", "accept", 1), 403, "forbidden")
    assert_problem(api.post("/cases", "auditor", json={"record_id": make_record(), "commitment_signed": True}),
                   403, "forbidden")
    assert state_of(show, case_no) == ("submitted", 1, 1)
    assert api.get(f"/cases/{case_no}", "auditor").status_code == 200


def test_a_whole_case_through_the_api(api, sealing, make_record):
    record_id = make_record()
    created = api.post("/cases", "ent", json={"record_id": record_id, "commitment_signed": True,
                                              "reason": "罚款已缴清"})
    case_no = created.get_json()["case_no"]
    version = int(created.headers["ETag"].strip('"'))
    # The fine is paid in the shared data: after `accept` the system confirms fulfilment by itself.
    steps = [("fgw_officer", "accept", "2026-11-26"), ("fgw_reviewer", "grant", "2026-11-30"),
             ("fgw_officer", "seal", "2026-11-30")]
    documents = {}
    for user, trigger, day in steps:
        api.clock = at(day)
        response = post_event(api, case_no, user, trigger, version)
        assert response.status_code == 201, response.get_json()
        documents.update({d["kind"]: d for d in response.get_json()["documents"]})
        version = int(api.get(f"/cases/{case_no}", user).headers["ETag"].strip('"'))
    events = api.get(f"/cases/{case_no}", "ent").get_json()["events"]
    assert [(e["trigger"], e["actor"]) for e in events][1:3] == [("accept", "fgw_officer"),
                                                                 ("confirm_fulfilment", "system")]
    assert {kind: d["status"] for kind, d in documents.items()} == {"acceptance_notice": "sealed",
                                                                    "repair_decision": "sealed"}
    final = api.get(f"/cases/{case_no}", "ent").get_json()
    assert (final["state"], final["version"], final["open"]) == ("concluded", 5, False)
    assert api.get(f"/records/{record_id}", "ent").get_json()["status"] == "repaired"

    listed = api.get(f"/cases/{case_no}/documents", "ent").get_json()
    decision = next(d for d in listed["items"] if d["kind"] == "repair_decision")
    assert decision["title"] == "准予信用修复决定书" and decision["sealed_at"]
    pdf = api.get(f"/documents/{decision['id']}/pdf", "ent")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    report = verify_pdf(pdf.get_data(), sealing.settings)
    assert report.intact and report.trusted and report.department == "FGW"

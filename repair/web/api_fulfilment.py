"""API for departments sharing penalty-fulfilment data, the fulfilment check of a case, and prefill.

- `POST /api/v1/fulfilment`: a fine payment or a verified correction, with the fulfilment import's field
  names; officers of the penalty authority's department, admins and system clients (as `record_fulfilment`).
  201 when stored, 200 when it was known (unchanged or updated); waiting cases of the record are then
  checked automatically and the answer lists those checks.
- `GET /api/v1/cases/{case_no}/fulfilment`: the automatic checks of a visible case and its pinned evidence.
- `GET /api/v1/records/{record_id}/prefill`: the application's prefilled fields with their sources
  (the portal's service), for the enterprise itself and officers of the record's department.
Whatever lies outside the actor's scope answers 404, like the rest of the API.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.services.cases.fulfilment_check import (
    case_checks,
    case_evidence_view,
    check_records,
    supplement_reason,
)
from repair.services.exchange.imports import record_fulfilment
from repair.services.exchange.prefill import prefill_application
from repair.store.models import Case
from repair.web import problems
from repair.web.api import invalid_request, malformed_body
from repair.web.api_auth import api_actor, require_token
from repair.web.api_common import InvalidRequest, MalformedBody, json_body, now, problem
from repair.web.context import runtime

bp = Blueprint("api_fulfilment", __name__, url_prefix="/api/v1")
problems.register(bp)
bp.register_error_handler(InvalidRequest, invalid_request)
bp.register_error_handler(MalformedBody, malformed_body)

RECORDERS = ("officer", "admin", "system")
# The import's columns; `amount` is checked by the import rules (digits, two decimals), so it is text here.
FULFILMENT_FIELDS = {"authority_code": (str, True), "decision_no": (str, True), "kind": (str, True),
                     "amount": (str, False), "occurred_on": (str, True), "reference": (str, True),
                     "source": (str, False)}
NOT_FOUND = "资源不存在 / not found"


@bp.post("/fulfilment")
@require_token(*RECORDERS)
def record():
    """Record one fulfilment fact, then check the record's cases waiting in the fulfilment check."""
    data = json_body(FULFILMENT_FIELDS)
    moment = now()
    try:
        with runtime().uow() as uow:
            result = record_fulfilment(uow, authority_code=data["authority_code"], decision_no=data["decision_no"],
                                       kind=data["kind"], amount=data.get("amount"), occurred_on=data["occurred_on"],
                                       reference=data["reference"], source=data.get("source"), actor=api_actor(),
                                       now=moment)
    except TransitionRefused as error:  # another department's authority: outside the scope
        return problem(404, "not-found", NOT_FOUND, str(error))
    except NotFound as error:
        return problem(404, "not-found", NOT_FOUND, str(error))
    except ValidationError as error:
        return problem(422, "validation", "输入内容有误 / invalid input", str(error),
                       errors=[{"field": error.field or "body", "message": str(error)}])
    checks = check_records(runtime(), [result.record_id], moment, cause="fulfilment_api")
    response = jsonify(fulfilment_id=result.fulfilment_id, record_id=result.record_id, outcome=result.outcome,
                       checks=[c.view() for c in checks])
    response.status_code = 201 if result.outcome == "created" else 200
    return response


@bp.get("/cases/<case_no>/fulfilment")
@require_token()
def case_fulfilment(case_no: str):
    """The case's automatic fulfilment checks (newest first), its pinned evidence and the offered reason."""
    actor = api_actor()
    with runtime().uow(read_only=True) as uow:
        case = uow.session.execute(select(Case.id, Case.department_code, Case.uscc, Case.state)
                                   .where(Case.case_no == case_no)).first()
        if case is None or not actor.may_see(case.department_code, case.uscc):
            return problem(404, "not-found", NOT_FOUND, f"案件不存在 / no case {case_no!r}")
        return jsonify(case_no=case_no, state=case.state, checks=case_checks(uow, case.id),
                       evidence=case_evidence_view(uow, case.id), supplement_reason=supplement_reason(uow, case.id))


@bp.get("/records/<int:record_id>/prefill")
@require_token("enterprise", "officer")
def prefill(record_id: int):
    """The repair application's fields prefilled for the record, each with its source."""
    try:
        with runtime().uow(read_only=True) as uow:
            fields = prefill_application(uow, record_id, api_actor())
    except NotFound as error:
        return problem(404, "not-found", NOT_FOUND, str(error))
    return jsonify(record_id=record_id, fields=[{"name": name, **field} for name, field in fields.items()])

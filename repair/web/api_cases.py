"""API: cases (list, detail, create), their events (optimistic concurrency by If-Match) and deadlines."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from repair.readmodels import api as api_views
from repair.services.cases import api_actions
from repair.web.api_auth import api_actor, require_token
from repair.web.api_common import json_body, now, page_args, paged, problem
from repair.web.context import runtime

bp = Blueprint("cases", __name__)

# Who may open a case: the enterprise for its own records, or an officer at the district window for a
# record of the officer's department (with the enterprise's signed commitment on paper).
APPLICANTS = ("enterprise", "officer")
# Everyone but the auditor may try a trigger; the workflow then decides by role, scope and guards.
FIRERS = ("enterprise", "officer", "reviewer", "admin")
CREATE_FIELDS = {"record_id": (int, True), "commitment_signed": (bool, True), "reason": (str, False)}
EVENT_FIELDS = {"trigger": (str, True), "reason": (str, False)}


def _with_etag(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(body["version"]))
    return response


@bp.get("/cases")
@require_token()
def index():
    """Cases in the actor's scope, open ones first by due date; `?state=` and `?workflow=` filter."""
    page, per_page = page_args()
    with runtime().uow(read_only=True) as uow:
        items, total = api_views.case_page(uow, api_actor(), state=request.args.get("state") or None,
                                           workflow=request.args.get("workflow") or None, page=page,
                                           per_page=per_page)
    return paged(items, total, page, per_page)


@bp.post("/cases")
@require_token(*APPLICANTS)
def create():
    """Apply for repair of a record: 201 with Location, ETag and the case (plus its application documents)."""
    data = json_body(CREATE_FIELDS)
    case_no, document_ids = api_actions.create_case(runtime(), api_actor(), record_id=data["record_id"],
                                                    commitment_signed=data["commitment_signed"],
                                                    reason=data.get("reason"), now=now())
    case = api_views.created_case(runtime(), case_no, document_ids, now=now())
    response = _with_etag(case, 201)
    response.headers["Location"] = url_for(".show", case_no=case["case_no"])
    return response


@bp.get("/cases/<case_no>")
@require_token()
def show(case_no: str):
    """The case with version, events, deadlines and declared triggers; ETag is the version."""
    with runtime().uow(read_only=True) as uow:
        case = api_views.case_for(runtime(), uow, api_actor(), case_no, now=now())
    return _with_etag(case).make_conditional(request)


@bp.post("/cases/<case_no>/events")
@require_token(*FIRERS)
def fire(case_no: str):
    """Fire a trigger; If-Match must carry the case's current ETag (428 without it, 412 when stale)."""
    if "If-Match" not in request.headers:
        return problem(428, "precondition-required", "缺少 If-Match 请求头 / If-Match required",
                       "请先读取案件，并在 If-Match 中带上其 ETag（案件版本）/ send the case's ETag in If-Match")
    tags = request.if_match
    if tags.star_tag or not tags:
        # "*" would match any version and skip the optimistic-concurrency check altogether.
        return problem(428, "precondition-required", "If-Match 须为案件的 ETag / If-Match must name a version",
                       "不接受 If-Match: *，请带上读取案件时得到的 ETag / send the case's ETag, not *")
    data = json_body(EVENT_FIELDS)
    result = api_actions.fire_event(runtime(), api_actor(), case_no, trigger=data["trigger"],
                                    reason=data.get("reason"), matches=lambda version: tags.contains(str(version)),
                                    now=now())
    event = api_views.fired_event(runtime(), result)
    # The system may advance the case right after the step (the automatic fulfilment check): the ETag and
    # `version` name the case as it stands now, so the next If-Match is not stale at once.
    with runtime().uow(read_only=True) as uow:
        current = api_views.case_for(runtime(), uow, api_actor(), case_no, now=now())
    event.update(version=current["version"], state=current["state"])
    response = _with_etag(event, 201)
    response.headers["Location"] = url_for(".show", case_no=case_no)
    return response


@bp.get("/cases/<case_no>/deadlines")
@require_token()
def deadlines(case_no: str):
    """The case's stage clocks with their derivations."""
    page, per_page = page_args()
    with runtime().uow(read_only=True) as uow:
        items, total = api_views.case_deadlines(uow, api_actor(), case_no, page=page, per_page=per_page)
    return paged(items, total, page, per_page)

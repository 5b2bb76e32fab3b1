"""The JSON API under /api/v1: records, cases, events, deadlines and documents, scoped to the token's actor.

Decisions (also in the OpenAPI document at /api/v1/openapi.json):
- Errors are `application/problem+json`; 422 adds `errors: [{field, message}]`, 409 adds `failed`.
- Whatever an actor may not see answers 404 for reads and writes alike (another enterprise's case, a case
  of another department); auditors get 403 on every write.
- Lists answer {"items", "page", "per_page", "total", "next"} with `next` a relative URL or null.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from repair.errors import (
    ConcurrencyConflict,
    DomainError,
    IneligibleApplication,
    NotEligible,
    NotFound,
    NotReady,
    StaleVersion,
    TransitionRefused,
    UnknownTrigger,
    ValidationError,
)
from repair.web import api_cases, api_documents, api_records, api_verify, problems
from repair.web.api_common import InvalidRequest, MalformedBody, problem
from repair.web.openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
problems.register(bp)
for child in (api_records.bp, api_cases.bp, api_documents.bp, api_verify.bp):
    bp.register_blueprint(child)

INVALID = ("输入内容有误 / invalid input", "请求中有字段缺失或格式错误 / some fields are missing or malformed")


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API (public: it describes, it reveals nothing)."""
    return jsonify(spec())


@bp.errorhandler(InvalidRequest)
def invalid_request(error: InvalidRequest):
    return problem(422, "validation", *INVALID, errors=error.errors)


@bp.errorhandler(MalformedBody)
def malformed_body(error: MalformedBody):
    return problem(400, "malformed-json", "请求体必须是 JSON 对象 / body must be a JSON object")


@bp.errorhandler(DomainError)
def domain_problem(error: DomainError):
    """Map the domain's named errors to HTTP answers (most specific class first)."""
    detail = str(error)
    if isinstance(error, IneligibleApplication):
        return problem(422, "not-eligible", "不符合申请条件 / not eligible", detail, errors=error.details,
                       failed=error.failed)
    if isinstance(error, NotEligible):
        errors = [{"field": "record_id", "code": code, "message": detail} for code in error.failed]
        return problem(422, "not-eligible", "不符合申请条件 / not eligible", detail, errors=errors,
                       failed=error.failed)
    if isinstance(error, UnknownTrigger):
        return problem(422, "validation", *INVALID[:1], detail, errors=[{"field": "trigger", "message": detail}])
    if isinstance(error, ValidationError):
        return problem(422, "validation", *INVALID[:1], detail,
                       errors=[{"field": error.field or "body", "message": detail}])
    if isinstance(error, StaleVersion):
        return problem(412, "stale-version", "版本已过期 / precondition failed", detail)
    if isinstance(error, ConcurrencyConflict):
        return problem(409, "concurrent-change", "案件已被他人同时修改 / concurrent change", detail)
    if isinstance(error, TransitionRefused):
        return problem(409, "transition-refused", "当前不能执行该操作 / transition refused", detail,
                       failed=error.failed)
    if isinstance(error, NotReady):
        return problem(409, "not-ready", "尚未就绪 / not ready", detail)
    if isinstance(error, NotFound):
        return problem(404, "not-found", "资源不存在 / not found", detail)
    current_app.logger.exception("unmapped domain error in the API")
    return problem(500, "http-500", "系统内部错误 / internal error")

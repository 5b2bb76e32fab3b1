"""`POST /api/v1/recognitions`: a portal tells us it concluded a repair of one of our records (互认).

Only a portal client may call it: a `portal-<name>` user with the `system` role (see
`repair.services.exchange.recognition`). The source portal is the token's, never a field of the body.
Answers 201 when recorded, 200 when the same (source, reference) was recorded before.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from repair.errors import NotFound, ValidationError
from repair.services.cases.verbs import local_date
from repair.services.exchange.recognition import parse_recognition, portal_of, recognise
from repair.services.setup.runtime import local_now
from repair.web import problems
from repair.web.api_auth import api_actor, require_token
from repair.web.context import runtime

bp = Blueprint("api_exchange", __name__, url_prefix="/api/v1")
problems.register(bp)


@bp.post("/recognitions")
@require_token("system")
def create_recognition():
    """Record a repair concluded on the calling portal."""
    rt = runtime()
    actor = api_actor()
    source = portal_of(rt, actor.username)
    if source is None:
        return problems.problem(403, "forbidden", "无权访问 / forbidden",
                                "仅门户客户端可提交互认结论 / only portal clients may post recognitions")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return problems.problem(400, "malformed-json", "请求体必须是 JSON 对象 / body must be a JSON object")
    values, errors = parse_recognition(data, today=local_date(local_now()))
    if errors:
        return problems.validation_problem(errors)
    try:
        result = recognise(rt, source=source, values=values, actor=actor.username, now=local_now())
    except NotFound as error:
        return problems.problem(404, "not-found", "记录不存在 / no such record", str(error))
    except ValidationError as error:
        return problems.validation_problem([{"field": error.field or "body", "message": str(error)}])
    response = jsonify(result)
    response.status_code = 201 if result["status"] == "recorded" else 200
    return response

"""JSON API authentication: issue and revoke bearer tokens, `require_token`, and `GET /api/v1/me`.

API requests authenticate only by `Authorization: Bearer <token>`; the session cookie is ignored here,
so cross-site requests carry no credentials and the API needs no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, jsonify, request

from repair.domain.actors import Actor
from repair.errors import AuthenticationFailed, RateLimited
from repair.services.security import sessions
from repair.services.security.signin import issue_token
from repair.services.setup.runtime import local_now
from repair.web import problems
from repair.web.context import runtime

bp = Blueprint("api_auth", __name__, url_prefix="/api/v1")
problems.register(bp)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_actor() -> Actor:
    """The actor authenticated by `require_token` for this request."""
    return g.api_actor


def require_token(*roles: str) -> Callable:
    """Decorate an API view: 401 without a live bearer token, 403 if `roles` are given and exclude it."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            token = bearer_token()
            if token is None:
                return _unauthorized("缺少访问令牌 / missing bearer token", 'Bearer realm="repair"')
            rt, moment = runtime(), local_now()
            try:
                # Read only: checking a token never takes the write lock; last use is noted once a minute.
                with rt.uow(read_only=True) as uow:
                    g.api_actor, stale = sessions.read_token(uow, token, moment)
            except AuthenticationFailed as error:
                return _unauthorized(str(error), 'Bearer realm="repair", error="invalid_token"')
            if stale:
                with rt.uow() as uow:
                    sessions.touch_token(uow, token, moment)
            if roles and g.api_actor.role not in roles:
                return problems.problem(403, "forbidden", "无权访问 / forbidden",
                                        "当前角色无权执行此操作 / your role may not do this")
            return view(*args, **kwargs)

        return guarded

    return decorate


@bp.post("/auth/token")
def create_token():
    """Exchange {"username", "password", "otp"?} for a bearer token (201), rate-limited like the sign-in page.

    `otp` (a TOTP or recovery code) is required for the roles that sign in with a second factor.
    """
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return problems.problem(400, "malformed-json", "请求体必须是 JSON 对象 / body must be a JSON object")
    errors = [{"field": field, "message": "必填，须为非空字符串 / required non-empty string"}
              for field in ("username", "password")
              if not isinstance(data.get(field), str) or not data[field].strip()]
    if data.get("otp") is not None and not isinstance(data.get("otp"), str):
        errors.append({"field": "otp", "message": "须为字符串 / must be a string"})
    errors += [{"field": name, "message": "未知字段 / unknown field"} for name in data
               if name not in ("username", "password", "otp")]
    if errors:
        return problems.validation_problem(errors)
    try:
        rt = runtime()
        with rt.uow() as uow:
            issued = issue_token(uow, rt.settings.security, data["username"], data["password"],
                                 otp=data.get("otp") or None, ip=request.remote_addr or "unknown", now=local_now())
    except RateLimited as error:
        return problems.problem(429, "rate-limited", "请求过于频繁 / too many requests", str(error),
                                headers={"Retry-After": str(error.retry_after)})
    except AuthenticationFailed as error:
        return _unauthorized(str(error), 'Bearer realm="repair"')
    response = jsonify(token=issued.token, token_type="Bearer", expires_at=issued.expires_at.isoformat())
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/auth/token")
@require_token()
def delete_token():
    """Revoke the bearer token used for this request (sign out of the API)."""
    try:
        with runtime().uow() as uow:
            sessions.revoke_token(uow, bearer_token(), ip=request.remote_addr or "unknown", now=local_now())
    except AuthenticationFailed as error:  # revoked by a parallel request a moment ago
        return _unauthorized(str(error), 'Bearer realm="repair", error="invalid_token"')
    return "", 204


@bp.get("/me")
@require_token()
def me():
    """Who the bearer token belongs to."""
    actor = api_actor()
    return jsonify(username=actor.username, role=actor.role, department=actor.department, uscc=actor.uscc)


def _unauthorized(detail: str, challenge: str):
    return problems.problem(401, "unauthorized", "未认证 / unauthenticated", detail,
                            headers={"WWW-Authenticate": challenge})


"""RFC 7807 problem details (`application/problem+json`) for the JSON API."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

MESSAGES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "不支持的请求方式", 409: "操作冲突",
            413: "上传内容过大", 422: "输入内容有误", 429: "请求过于频繁，请稍后再试", 500: "系统内部错误"}
"""The Chinese title of each HTTP status, for error pages and problem documents alike."""

PROBLEM_MIME = "application/problem+json"
TYPE_PREFIX = "urn:repair:problem:"


def problem(status: int, slug: str, title: str, detail: str | None = None, *,
            errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    """A problem response; `slug` names the problem type (e.g. "invalid-token"), `title` is Chinese."""
    body: dict = {"type": TYPE_PREFIX + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIME
    response.headers.update(headers or {})
    return response


def validation_problem(errors: list[dict]) -> Response:
    """422 listing every bad field as {"field", "message"}."""
    return problem(422, "validation", "输入内容有误 / invalid input",
                   "请求中有字段缺失或格式错误 / some fields are missing or malformed", errors=errors)


def register(bp: Blueprint) -> None:
    """Answer HTTP errors raised inside `bp`'s views as problem+json instead of HTML pages."""

    @bp.errorhandler(HTTPException)
    def http_problem(error: HTTPException):
        code = error.code or 500
        return problem(code, f"http-{code}", MESSAGES.get(code, error.name))

    @bp.errorhandler(Exception)
    def unexpected_problem(error: Exception):
        current_app.logger.exception("unhandled API error")
        return problem(500, "http-500", MESSAGES[500])

"""Error pages in Chinese; no stack trace ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

MESSAGES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "不支持的请求方式", 409: "操作冲突",
            413: "上传内容过大", 422: "输入内容有误", 429: "请求过于频繁，请稍后再试", 500: "系统内部错误"}


def register(app: Flask) -> None:
    """Install handlers that render every HTTP error as a Chinese page (problem+json under /api/)."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if _is_api():
            # Keeps e.g. the Allow header of a 405; the body becomes problem+json.
            headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
            return _api_problem(code, f"{MESSAGES.get(code, error.name)} / {error.name}", headers)
        return render_template("error.html", code=code, message=MESSAGES.get(code, error.name)), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        if _is_api():
            return _api_problem(500, f"{MESSAGES[500]} / Internal Server Error", {})
        return render_template("error.html", code=500, message=MESSAGES[500]), 500


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _api_problem(code: int, title: str, headers: dict):
    from repair.web.problems import problem  # problems imports MESSAGES from this module

    return problem(code, f"http-{code}", title, headers=headers)

"""Error pages in Chinese; no stack trace ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

MESSAGES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "不支持的请求方式", 409: "操作冲突",
            413: "上传内容过大", 422: "输入内容有误", 429: "请求过于频繁，请稍后再试", 500: "系统内部错误"}


def register(app: Flask) -> None:
    """Install handlers that render every HTTP error as a Chinese page."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        return render_template("error.html", code=code, message=MESSAGES.get(code, error.name)), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return render_template("error.html", code=500, message=MESSAGES[500]), 500

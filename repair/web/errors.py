"""Error pages in Chinese; no stack trace ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from repair.web.problems import MESSAGES, problem


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
    return problem(code, f"http-{code}", title, headers=headers)

"""Shared parts of the JSON API views: runtime and clock, body and paging parameters, pagination, problems."""

from __future__ import annotations

from datetime import datetime

from flask import Response, jsonify, request, url_for

from repair.services.setup.runtime import local_now
from repair.web import problems
from repair.web.hardening import MAX_ID

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_TEXT = 2000
TYPE_NAMES = {int: "整数 / an integer", bool: "布尔值 / a boolean", str: "字符串 / a string"}


class InvalidRequest(Exception):
    """The request's parameters or body are malformed; `errors` lists {"field", "message"} (HTTP 422)."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class MalformedBody(Exception):
    """The body is not a JSON object (HTTP 400)."""


def now() -> datetime:
    """The instant services are told it is (tests move the clock by patching `local_now` here)."""
    return local_now()


def problem(status: int, slug: str, title: str, detail: str | None = None, *, headers: dict | None = None,
            **members) -> Response:
    """A problem+json response with extension members (`errors`, `failed`) beside the standard ones."""
    body: dict = {"type": problems.TYPE_PREFIX + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in members.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = problems.PROBLEM_MIME
    response.headers.update(headers or {})
    return response


def _int_arg(name: str, default: int, low: int, high: int | None, errors: list[dict]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    high = MAX_ID if high is None else high
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not low <= int(raw) <= high:
        bounds = f"{low}–{high}"
        errors.append({"field": name, "message": f"须为 {bounds} 的整数 / must be an integer {bounds}"})
        return default
    return int(raw)


def page_args() -> tuple[int, int]:
    """`?page=` (from 1) and `?per_page=` (1–200, default 50); InvalidRequest names each bad one."""
    errors: list[dict] = []
    page = _int_arg("page", 1, 1, None, errors)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors)
    if errors:
        raise InvalidRequest(errors)
    return page, per_page


def paged(items: list, total: int, page: int, per_page: int) -> Response:
    """The list envelope {"items", "page", "per_page", "total", "next"}; `next` is a relative URL or null."""
    following = None
    if page * per_page < total:
        filters = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
        args = {**filters, **(request.view_args or {}), "page": page + 1, "per_page": per_page}
        following = url_for(request.endpoint, **args)
    return jsonify(items=items, page=page, per_page=per_page, total=total, next=following)


def json_body(fields: dict[str, tuple[type, bool]]) -> dict:
    """The JSON object body checked against `fields` (name → (type, required)); unknown names are errors."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedBody()
    errors = [{"field": name, "message": "未知字段 / unknown field"} for name in data if name not in fields]
    for name, (kind, required) in fields.items():
        value = data.get(name)
        if kind is int and type(value) is float and value.is_integer() and abs(value) <= MAX_ID:
            data[name] = value = int(value)  # JSON Schema's integer: 5.0 is 5
        if value is None:
            if required:
                errors.append({"field": name, "message": "必填 / required"})
        elif type(value) is not kind:  # bool is an int in Python; JSON keeps them apart
            errors.append({"field": name, "message": f"须为{TYPE_NAMES[kind]}"})
        elif kind is int and not 1 <= value <= MAX_ID:
            errors.append({"field": name, "message": f"须为 1–{MAX_ID} 的整数 / an integer 1..{MAX_ID}"})
        elif kind is str and len(value) > MAX_TEXT:
            errors.append({"field": name, "message": f"不得超过 {MAX_TEXT} 字 / at most {MAX_TEXT} characters"})
    if errors:
        raise InvalidRequest(errors)
    return data

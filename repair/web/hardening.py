"""Hostile-input and response hardening for every request: bounded integers in URLs, NFC text without control
or unassigned characters, JSON depth and size limits, the real client address behind trusted proxies only,
security headers, and the one safe-redirect check for `next` parameters."""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from functools import cached_property

from flask import Flask, Request, g, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError as RoutingValidationError

from repair.domain.text import describe, first_unsafe

MAX_ID = 2**31 - 1  # every id and page number fits a 32-bit signed integer column
MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
PROBLEM_MIME = "application/problem+json"
CSP_PAGES = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


class UnsafeRequest(BadRequest):
    """400 with a bilingual one-line reason (problem+json under /api/, the Chinese error page elsewhere)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class BoundedInt(IntegerConverter):
    """`<int:…>` for ids: ASCII digits only, 1..2^31−1; anything else does not match (404), never a 500."""

    regex = r"[0-9]{1,10}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise RoutingValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def bounded_int(raw: str | None, default: int | None = None, *, name: str = "page", low: int = 1,
                high: int = MAX_ID) -> int | None:
    """An integer parameter: ASCII digits within low..high, `default` when absent; UnsafeRequest otherwise."""
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not low <= int(raw) <= high:
        raise UnsafeRequest(f"参数 {name} 须为 {low}–{high} 的整数 / {name} must be an integer {low}..{high}")
    return int(raw)


def safe_next(value: str | None) -> str | None:
    """`value` if it is a path on this site, else None.

    Browsers drop tab and newline inside URLs and read a backslash as a slash, so "/\\t/evil.example" and
    "/\\\\evil" lead off-site: any control character, backslash, or a second leading slash is refused.
    """
    if not value or not value.startswith("/") or len(value) > 2000:
        return None
    if first_unsafe(value) is not None or "\\" in value or any(c.isspace() for c in value[:3]):
        return None
    collapsed = value.lstrip("/")
    if value.startswith("//") or collapsed.startswith(("/", "\\")) or value.startswith("/%2f") \
            or value.lower().startswith(("/%5c", "/%2f", "/%09", "/%0a", "/%0d")):
        return None
    if value.startswith(("/login", "/logout")):
        return None
    return value


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class TooDeep(ValueError):
    """A JSON document nests deeper than MAX_JSON_DEPTH (a ValueError, so `get_json` treats it as malformed)."""


class HardenedJSON(DefaultJSONProvider):
    """Refuses JSON nested deeper than MAX_JSON_DEPTH before parsing; strings come back in NFC."""

    def loads(self, s, **kwargs):
        text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
        if json_depth(text) > MAX_JSON_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        return _nfc(json.loads(text, **kwargs))


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


class HardenedRequest(Request):
    """Query and form values in NFC (the same text always compares and stores the same way)."""

    @cached_property
    def args(self):
        return ImmutableMultiDict([(_nfc(k), _nfc(v)) for k, v in super().args.items(multi=True)])

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        form = self.__dict__["form"]
        # A malformed part may carry no value at all (None): it stays None, and the checks below skip it.
        self.__dict__["form"] = ImmutableMultiDict([(_nfc(k), _nfc(v)) for k, v in form.items(multi=True)])


class TrustedProxies:
    """WSGI middleware: believe X-Forwarded-For/-Proto only when the peer is a configured proxy (ProxyFix does
    the rewriting, with as many hops as there are trusted proxies at the end of the chain)."""

    def __init__(self, app, proxies: tuple[str, ...]):
        self.app = app
        self.networks = tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())
        self._fixers: dict[int, ProxyFix] = {}

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __call__(self, environ, start_response):
        if not self.networks or not self.trusted(environ.get("REMOTE_ADDR", "")):
            # Untrusted peers cannot choose their address: forwarded headers are dropped, not believed.
            for key in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                        "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED"):
                environ.pop(key, None)
            return self.app(environ, start_response)
        chain = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        hops = 1
        # Walk left from the peer past our own proxies: the first address they did not add is the client.
        while hops < len(chain) and self.trusted(chain[-hops]):
            hops += 1
        fixer = self._fixers.get(hops)
        if fixer is None:
            fixer = self._fixers[hops] = ProxyFix(self.app, x_for=hops, x_proto=1)
        return fixer(environ, start_response)


def install(app: Flask, trusted_proxies: tuple[str, ...]) -> None:
    """Converters, request and JSON classes, input checks and headers; call before any blueprint is added."""
    app.url_map.converters["int"] = BoundedInt
    app.request_class = HardenedRequest
    app.json_provider_class = HardenedJSON
    app.json = HardenedJSON(app)
    app.wsgi_app = TrustedProxies(app.wsgi_app, trusted_proxies)

    @app.before_request
    def refuse_unsafe_input():
        if request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH"):
            request.max_content_length = MAX_JSON_BYTES
        _check_request()

    @app.errorhandler(UnsafeRequest)
    def unsafe(error: UnsafeRequest):
        if request.path.startswith("/api/"):
            from repair.web.problems import problem

            return problem(400, "unsafe-input", "请求有误 / bad request", error.reason)
        return render_template("error.html", code=400, message=error.reason), 400

    @app.after_request
    def security_headers(response):
        headers = response.headers
        api = request.path.startswith("/api/")
        headers.setdefault("Content-Security-Policy", CSP_API if api else CSP_PAGES)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if _authenticated():
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        return response


def _authenticated() -> bool:
    return bool(g.get("actor") or g.get("api_actor") or g.get("pending_sign_in")
                or "Authorization" in request.headers)


# Form parts an operation declares binary (`format: binary`) hold content, not text, even when a client sends
# them without a filename; the view judges them (a non-PDF/OFD upload is its 422).
BINARY_PARTS = {"api.verification.verify": frozenset({"document"})}


def _check_request() -> None:
    path = request.path
    bad = first_unsafe(path)
    if bad is not None:
        raise UnsafeRequest(f"地址含有不允许的字符 {describe(bad)} / the path contains {describe(bad)}")
    for key, value in request.args.items(multi=True):
        bad = first_unsafe(key) or first_unsafe(value)
        if bad is not None:
            raise UnsafeRequest(f"参数 {key[:40]} 含有不允许的字符 {describe(bad)} / "
                                f"parameter {key[:40]} contains {describe(bad)}")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            binary = BINARY_PARTS.get(request.endpoint or "", frozenset())
            for key, value in request.form.items(multi=True):
                if key in binary:
                    continue
                bad = first_unsafe(key or "") or first_unsafe(value or "", multiline=True)
                if bad is not None:
                    raise UnsafeRequest(f"字段 {key[:40]} 含有不允许的字符 {describe(bad)} / "
                                        f"field {key[:40]} contains {describe(bad)}")
        elif request.is_json:
            _check_json()


def _check_json() -> None:
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeRequest("请求体须为 UTF-8 编码的 JSON / the body must be UTF-8 JSON") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise UnsafeRequest(f"JSON 嵌套超过 {MAX_JSON_DEPTH} 层 / JSON nested deeper than {MAX_JSON_DEPTH}")
    try:
        data = json.loads(text)
    except ValueError:
        return  # the view answers malformed JSON in its own words
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            bad = first_unsafe(unicodedata.normalize("NFC", value), multiline=True)
            if bad is not None:
                raise UnsafeRequest(f"JSON 文本含有不允许的字符 {describe(bad)} / JSON text contains {describe(bad)}")
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise UnsafeRequest("JSON 整数超出范围 / JSON integer out of range")

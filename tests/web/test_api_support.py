"""Helpers for the JSON API tests: a client that signs in per user and checks EVERY response against the
OpenAPI document (the status must be declared for the operation, the body must match its schema)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator

from repair.web import api_common
from repair.web.openapi import spec
from tests.conftest import WEB_PASSWORD, otp_for

PREFIX = "/api/v1"


def _operations(document: dict) -> list[tuple[re.Pattern, str]]:
    found = []
    for template in document["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", pattern)
        found.append((re.compile(f"^{pattern}$"), template))
    return found


class Api:
    """A test client for /api/v1 with bearer tokens per `world` user and a movable clock."""

    def __init__(self, app, clock: datetime):
        self.app = app
        self.client = app.test_client()
        self.document = spec()
        self.templates = _operations(self.document)
        self.tokens: dict[str, str] = {}
        self.clock = clock
        self.checked: list[tuple[str, str, int]] = []

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.request("POST", "/auth/token", None, json={"username": username,
                                                                      "password": WEB_PASSWORD,
                                                                      "otp": otp_for(self.app, username)})
            assert response.status_code == 201, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def request(self, method: str, path: str, user: str | None, *, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        response = self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)
        self.conforms(method, path, response)
        return response

    def get(self, path: str, user: str | None, **kwargs):
        return self.request("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None, **kwargs):
        return self.request("POST", path, user, **kwargs)

    def conforms(self, method: str, path: str, response) -> None:
        """The response is declared in the spec for this operation and its JSON body matches the schema."""
        bare = path.split("?")[0]
        templates = [t for pattern, t in self.templates if pattern.match(bare)]
        if not templates:  # unknown route: only the generic problem shape applies
            validate(self.document, {"$ref": "#/components/schemas/Problem"}, response.get_json())
            return
        # A literal path wins over a template (there are none overlapping today, but be exact).
        template = min(templates, key=lambda t: t.count("{"))
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            assert response.status_code == 405 and response.mimetype == "application/problem+json"
            return
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{method} {template} answered undeclared {response.status_code}"
        content = declared.get("content")
        if content is None:
            assert not response.get_data(), f"{method} {template} {response.status_code} has a body"
        else:
            assert response.mimetype in content, f"{method} {template}: {response.mimetype} not declared"
            if response.mimetype.endswith("json"):
                validate(self.document, content[response.mimetype]["schema"], response.get_json())
        self.checked.append((method, template, response.status_code))


def validate(document: dict, schema: dict, instance) -> None:
    """Validate `instance` against a schema of the spec (its $refs resolve inside the spec)."""
    Draft202012Validator({**schema, "components": document["components"]}).validate(instance)


def install_clock(monkeypatch, api: Api) -> None:
    """Views ask `api_common.now()`; tests decide what time it is."""
    monkeypatch.setattr(api_common, "local_now", lambda: api.clock)


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] == f"urn:repair:problem:{slug}" and body["title"]
    return body


def etag(version: int) -> dict:
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def api(web, now, monkeypatch) -> Api:
    """The API client over the `web` app, its clock at the `now` fixture (2026-11-26 10:00)."""
    client = Api(web, now)
    install_clock(monkeypatch, client)
    return client

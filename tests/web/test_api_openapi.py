"""The OpenAPI document matches the implementation: the same routes and methods both ways, valid schemas,
every protected operation answers 401 as declared; unknown paths and methods answer problem+json."""

import re

import pytest
from jsonschema import Draft202012Validator, ValidationError

from repair.web.openapi import spec
from tests.web.test_api_support import PREFIX, api, assert_problem, validate  # noqa: F401  (api is a fixture)

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
        found |= {(path, method.lower()) for method in rule.methods - IGNORED_METHODS}
    return found


def spec_operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_every_route_is_documented_and_every_documented_route_exists(web):
    document = spec()
    assert document["servers"] == [{"url": PREFIX}]
    routes, documented = app_operations(web), spec_operations(document)
    assert routes == documented
    assert ("/cases/{case_no}/events", "post") in routes and ("/auth/token", "delete") in routes


def test_schemas_are_valid_and_every_reference_resolves(web):
    document = spec()
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    text = repr(document)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in document["components"][kind], f"dangling $ref {kind}/{name}"
    for path, item in document["paths"].items():
        declared = {p["name"] for op in item.values() for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), path
        for method, operation in item.items():
            if operation.get("security") != []:
                assert "401" in operation["responses"], f"{method} {path} needs a 401 response"


def test_openapi_json_is_public_and_is_the_spec(api, web):
    response = api.get("/openapi.json", None)
    assert response.status_code == 200 and response.get_json() == spec()
    assert response.get_json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def concrete(path: str) -> str:
    return path.replace("{case_no}", "FGW-2026-000001").replace("{record_id}", "1").replace("{document_id}", "1")


@pytest.mark.parametrize("path, method", sorted(op for op in spec_operations(spec())
                                                if spec()["paths"][op[0]][op[1]].get("security") != []))
def test_every_protected_operation_needs_a_token(api, world, path, method):
    response = api.request(method.upper(), concrete(path), None, json={})
    assert_problem(response, 401, "unauthorized")


def test_unknown_api_paths_and_methods_answer_problem_json(api, web):
    missing = api.get("/no/such/thing", "auditor")
    assert "页面不存在" in assert_problem(missing, 404, "http-404")["title"]
    wrong = api.request("DELETE", "/cases", "auditor")
    assert_problem(wrong, 405, "http-405")
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_problem(api.get("/records/not-a-number", "auditor"), 404, "http-404")
    html = web.test_client().get("/no/such/page")
    assert html.status_code == 404 and html.mimetype == "text/html"


def test_problem_schema_rejects_what_it_should(web):
    document = spec()
    problem = {"$ref": "#/components/schemas/Problem"}
    validate(document, problem, {"type": "urn:x", "title": "t", "status": 422,
                                 "errors": [{"field": "a", "message": "b"}]})
    with pytest.raises(ValidationError, match="required"):
        validate(document, problem, {"type": "urn:x", "status": 422})
    with pytest.raises(ValidationError, match="Additional properties"):
        validate(document, {"$ref": "#/components/schemas/CaseSummary"},
                 {"case_no": "x", "state": "s", "version": 1, "workflow": "w", "department": "d", "uscc": "u",
                  "due": None, "open": True, "submitted_on": "2026-01-01", "surprise": 1})

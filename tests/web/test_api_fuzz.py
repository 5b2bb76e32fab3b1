"""Outside fuzzing in the suite: schemathesis generates requests for every operation of the OpenAPI document and
sends each as every kind of user (no token, enterprise, officer, reviewer, auditor, administrator) to the live
app, with every default check (no 5xx, declared status codes, content types, headers and schemas, …).

Bounded and deterministic: 25 examples per operation, each sent once per role, from a fixed seed."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from repair.domain.text import BIDI_CONTROLS

from repair.web.openapi import spec
from tests.conftest import WEB_PASSWORD, otp_for

ROLES = ("ent", "fgw_officer", "fgw_reviewer", "auditor", "admin")
# The document's own string formats (see its description): what a conforming client sends.
SAFE = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"), exclude_characters="".join(BIDI_CONTROLS))
schemathesis.openapi.format("text", st.text(st.one_of(SAFE, st.sampled_from("\t\n\r")), max_size=40))
schemathesis.openapi.format("line", st.text(SAFE, max_size=40))
# Every default check, with one setting: a well-formed request may still break a business rule (an unknown
# department, a trigger the workflow does not declare, an ineligible record): the API answers 422 for those.
CONFIG = SchemathesisConfig.from_str("[checks.positive_data_acceptance]\n"
                                     'expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]\n')
pytestmark = pytest.mark.slow


@pytest.fixture
def tokens(web) -> dict[str, dict]:
    """Authorization headers per role (and none for anonymous)."""
    client = web.test_client()
    headers = {"anonymous": {}}
    for username in ROLES:
        issued = client.post("/api/v1/auth/token", json={"username": username, "password": WEB_PASSWORD,
                                                         "otp": otp_for(web, username)})
        assert issued.status_code == 201, issued.get_data(as_text=True)
        headers[username] = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    return headers


# One pytest case per operation of the document (the pytest plugin of schemathesis 4 predates pytest 9).
OPERATIONS = [(path, method.upper()) for path, methods in spec()["paths"].items() for method in methods]


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_every_operation_holds_its_contract_for_every_role(web, tokens, path, method):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web, config=CONFIG)[path][method]

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def holds(case):
        for role, headers in tokens.items():
            if path == "/auth/token" and method == "DELETE" and role != "anonymous":
                continue  # revoking would end the token the other examples use
            case.call_and_validate(headers={**(case.headers or {}), **headers})

    holds()

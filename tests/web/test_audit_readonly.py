"""Auditors are read-only everywhere: every route that accepts POST/PUT/PATCH/DELETE refuses an auditor (403, or
404/405 where it does not apply), with a valid CSRF token or bearer token, and no table changes."""

from __future__ import annotations

import hashlib

from flask import url_for
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from repair.store.models import Base
from tests.conftest import WEB_PASSWORD, at, csrf_of, otp_for

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Session plumbing, not case data: signing in or out and the API token of the auditor themself.
# The auditor's own credentials: signing in (both steps), out, tokens and their own password.
OWN_SESSION = {"auth.login", "auth.logout", "api_auth.create_token", "api_auth.delete_token",
               "account.second_factor", "account.enrol", "account.password"}
# Open to everyone by design and writing nothing: the public verification of an uploaded PDF or OFD (page, API).
PUBLIC = {"verify.verify": {422}, "api.verification.verify": {422}}


# Using a bearer token stamps its last use: bookkeeping of the auditor's own credential, not data.
IGNORED_COLUMNS = {("api_tokens", "last_used_at"), ("user_sessions", "last_seen_at")}
# The security log notes downloads and exports by design (GB/T 22239 8.1.4.3): bookkeeping, not data.
IGNORED_TABLES = {"security_events"}


def fingerprint(world) -> dict[str, str]:
    """A digest of every row of every table."""
    digests = {}
    with world.uow(read_only=True) as uow:
        for table in Base.metadata.sorted_tables:
            if table.name in IGNORED_TABLES:
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
            query = select(*columns)
            if table.name == "counters":
                query = query.where(table.c.key != "security_log")
            rows = sorted(repr(tuple(row)) for row in uow.session.execute(query))
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def fill(rule, case_no: str) -> dict:
    values = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], NumberConverter)
        values[name] = 1 if numeric else (
            case_no if "case" in name else "x")
    return values


def test_auditor_cannot_change_anything(web, login, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    client = login("auditor")
    token = csrf_of(client.get("/audit/").get_data(as_text=True))
    api = web.test_client().post("/api/v1/auth/token", json={"username": "auditor", "password": WEB_PASSWORD,
                                                             "otp": otp_for(web, "auditor")})
    bearer = {"Authorization": f"Bearer {api.get_json()['token']}"}
    before = fingerprint(web.extensions["repair"])
    answered = {}
    for rule in web.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITES
        if not methods or rule.endpoint in OWN_SESSION:
            continue
        with web.test_request_context():
            url = url_for(rule.endpoint, **fill(rule, case_no))
        for method in sorted(methods):
            if url.startswith("/api/"):
                response = client.open(url, method=method, json={}, headers=bearer)
            else:
                response = client.open(url, method=method, data={"csrf_token": token, "reason": "审计测试",
                                                                   "trigger": "accept"})
            answered[(rule.endpoint, method)] = response.status_code
    assert len(answered) >= 5, answered
    allowed = {403, 404, 405}
    wrong = {key: status for key, status in answered.items()
             if status not in allowed | PUBLIC.get(key[0], set())}
    assert wrong == {}
    assert fingerprint(web.extensions["repair"]) == before
    # The auditor's own pages only answer GET.
    audit_rules = [r for r in web.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert audit_rules and all((r.methods or set()) & WRITES == set() for r in audit_rules)


def test_signing_out_ends_only_the_session(web, login):
    client = login("auditor")
    token = csrf_of(client.get("/audit/").get_data(as_text=True))
    before = fingerprint(web.extensions["repair"])
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    after = fingerprint(web.extensions["repair"])
    assert {name for name in before if before[name] != after[name]} == {"user_sessions"}
    assert client.get("/audit/").status_code == 302  # signed out: back to the sign-in page

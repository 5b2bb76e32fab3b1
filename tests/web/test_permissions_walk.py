"""Every route of the app (HTML and API), walked as every role with real path parameters (ent's case, record,
upload and documents in FGW, and an FGW 两书 delivery), against an explicit table of who gets what.

Each role walks its own fresh database, in a fixed order: the routes sorted by URL, then the session routes
(token, sign-in, sign-out) last. A POST carries a valid CSRF token (HTML) or bearer token (API), the case's
current version, and the fields its form has, so a refusal is a refusal of the permission, not of the input.
The table must name every (endpoint, method) of `app.url_map`: a new route without a row fails the test.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import url_for
from sqlalchemy import select

import repair.web.portal
from repair.services.documents import deliveries
from repair.services.documents.issuing import produce
from repair.services.documents.uploads import IncomingFile, add_uploads
from repair.store.document_models import Document
from repair.store.models import Case, Record
from tests.conftest import USCC, WEB_PASSWORD, actor, csrf_of, finish_sign_in, otp_for
from tests.web.test_audit_readonly import fingerprint

ROLES = ("anonymous", "ent", "other_ent", "fgw_officer", "scjg_officer", "fgw_reviewer", "auditor", "admin")
L = "login"  # 302 to the sign-in page
DECISION = "沪浦发改罚〔2026〕88号"
PDF = b"%PDF-1.4\n%%EOF\n"
# Routes walked last, in this order: they issue, revoke or end the walker's own credentials.
SESSION_ROUTES = (("api_auth.create_token", "POST"), ("auth.login", "POST"),
                  ("api_auth.delete_token", "DELETE"), ("auth.logout", "POST"))
# Tables that signing in and issuing tokens write to: bookkeeping of the walker's own credentials.
SESSION_TABLES = {"login_attempts", "api_tokens"}

# Expected status per role, in ROLES order. A row reads: who may do what with ent's FGW case / record / files.
#                                                anon  ent  other  fgw_o scjg_o fgw_r audit admin
ALLOWED: dict[tuple[str, str], tuple] = {
    # Public pages and files: anyone.
    ("public.index", "GET"):                   (200, 200, 200, 200, 200, 200, 200, 200),
    ("public.healthz", "GET"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    # Prometheus scrapes from inside the network; nginx does not publish /metrics (docs/deployment.md).
    ("metrics.metrics", "GET"):                (200, 200, 200, 200, 200, 200, 200, 200),
    ("i18n.switch", "GET"):                    (302, 302, 302, 302, 302, 302, 302, 302),
    ("i18n.text_size", "GET"):                 (302, 302, 302, 302, 302, 302, 302, 302),
    ("public.favicon", "GET"):                 (200, 200, 200, 200, 200, 200, 200, 200),
    ("verify.verify", "GET"):                  (200, 200, 200, 200, 200, 200, 200, 200),
    ("verify.verify", "POST"):                 (422, 422, 422, 422, 422, 422, 422, 422),
    ("static", "GET"):                         (200, 200, 200, 200, 200, 200, 200, 200),
    ("desk.static", "GET"):                    (200, 200, 200, 200, 200, 200, 200, 200),
    ("api.openapi", "GET"):                    (200, 200, 200, 200, 200, 200, 200, 200),
    ("api.verification.verify", "POST"):       (422, 422, 422, 422, 422, 422, 422, 422),
    # API: 401 without a token; what is not yours is 404 (reads and writes alike); the auditor may not write;
    # firing `accept` is the workflow's to refuse (409) for any role but the department's officer.
    ("api.cases.index", "GET"):                (401, 200, 200, 200, 200, 200, 200, 200),
    ("api.cases.create", "POST"):              (401, 201, 404, 201, 404, 403, 403, 403),
    ("api.cases.show", "GET"):                 (401, 200, 404, 200, 404, 200, 200, 200),
    ("api.cases.deadlines", "GET"):            (401, 200, 404, 200, 404, 200, 200, 200),
    ("api.documents.of_case", "GET"):          (401, 200, 404, 200, 404, 200, 200, 200),
    ("api.cases.fire", "POST"):                (401, 409, 404, 201, 404, 409, 403, 409),
    ("api.documents.show", "GET"):             (401, 200, 404, 200, 404, 200, 200, 200),
    ("api.documents.pdf", "GET"):              (401, 200, 404, 200, 404, 200, 200, 200),
    ("api.documents.ofd", "GET"):              (401, 200, 404, 200, 404, 200, 200, 200),
    ("api_auth.me", "GET"):                    (401, 200, 200, 200, 200, 200, 200, 200),
    ("api.records.index", "GET"):              (401, 200, 200, 200, 200, 200, 200, 200),
    ("api.records.show", "GET"):               (401, 200, 404, 200, 404, 200, 200, 200),
    ("api_exchange.create_recognition", "POST"): (401, 403, 403, 403, 403, 403, 403, 403),
    ("api_fulfilment.record", "POST"):         (401, 403, 403, 201, 404, 403, 403, 201),
    ("api_fulfilment.case_fulfilment", "GET"): (401, 200, 404, 200, 404, 200, 200, 200),
    ("api_fulfilment.prefill", "GET"):         (401, 200, 404, 200, 404, 403, 403, 403),
    # Enterprise portal: ent's own case and files; other_ent gets 404 for all of them; staff 403.
    ("portal.index", "GET"):                   (  L, 200, 200, 403, 403, 403, 403, 403),
    ("portal.case", "GET"):                    (  L, 200, 404, 403, 403, 403, 403, 403),
    ("portal.supplement", "POST"):             (  L, 302, 404, 403, 403, 403, 403, 403),
    ("portal.withdraw", "POST"):               (  L, 302, 404, 403, 403, 403, 403, 403),
    ("portal.apply", "GET"):                   (  L, 200, 404, 403, 403, 403, 403, 403),
    ("portal.apply", "POST"):                  (  L, 302, 404, 403, 403, 403, 403, 403),
    ("portal.upload", "GET"):                  (  L, 200, 404, 403, 403, 403, 403, 403),
    # Officer desk: FGW staff only; SCJG's officer gets 404 for FGW's case and files. scjg_officer's 302s on
    # deliveries are refusals shown as a flashed message (the fingerprint below proves nothing changed); the
    # reviewer's 409 is the workflow refusing a reviewer's request for a supplement.
    ("desk.index", "GET"):                     (  L, 403, 403, 200, 200, 200, 403, 403),
    ("desk.show", "GET"):                      (  L, 403, 403, 200, 404, 200, 403, 403),
    ("desk.fire", "POST"):                     (  L, 403, 403, 302, 404, 409, 403, 403),
    ("desk.assign", "POST"):                   (  L, 403, 403, 302, 404, 302, 403, 403),
    ("desk.upload", "GET"):                    (  L, 403, 403, 200, 404, 200, 403, 403),
    ("deliveries.index", "GET"):               (  L, 403, 403, 200, 200, 403, 403, 403),
    ("deliveries.create", "POST"):             (  L, 403, 403, 302, 302, 403, 403, 403),
    ("deliveries.show", "GET"):                (  L, 403, 403, 200, 404, 403, 403, 403),
    ("deliveries.serve", "POST"):              (  L, 403, 403, 302, 302, 403, 403, 403),
    ("deliveries.download", "GET"):            (  L, 200, 404, 200, 404, 200, 200, 200),
    ("deliveries.download_ofd", "GET"):        (  L, 200, 404, 200, 404, 200, 200, 200),
    # Auditor pages: auditors and administrators, read-only.
    ("audit.index", "GET"):                    (  L, 403, 403, 403, 403, 403, 200, 200),
    ("audit.case", "GET"):                     (  L, 403, 403, 403, 403, 403, 200, 200),
    ("audit.drift", "GET"):                    (  L, 403, 403, 403, 403, 403, 200, 200),
    ("audit.overdue_csv", "GET"):              (  L, 403, 403, 403, 403, 403, 200, 200),
    ("audit.report", "GET"):                   (  L, 403, 403, 403, 403, 403, 200, 200),
    ("audit.upload", "GET"):                   (  L, 403, 403, 403, 403, 403, 200, 200),
    # Readiness: anyone (it reveals nothing).
    ("public.readyz", "GET"):                  (200, 200, 200, 200, 200, 200, 200, 200),
    # The second sign-in step and enrolment need a half-done sign-in: without one, back to the sign-in page.
    ("account.second_factor", "GET"):          (  L,   L,   L,   L,   L,   L,   L,   L),
    ("account.second_factor", "POST"):         (  L,   L,   L,   L,   L,   L,   L,   L),
    ("account.enrol", "GET"):                  (  L,   L,   L,   L,   L,   L,   L,   L),
    ("account.enrol", "POST"):                 (  L,   L,   L,   L,   L,   L,   L,   L),
    # One's own password (the walk's form lacks the current one: the page answers with its error).
    ("account.password", "GET"):              (  L, 200, 200, 200, 200, 200, 200, 200),
    ("account.password", "POST"):             (  L, 200, 200, 200, 200, 200, 200, 200),
    # 三员分立: accounts (system administrator), roles/locks/sessions (security administrator), security log
    # (audit administrator); the admin's POST lacks a role, refused with a flashed message.
    ("admin.index", "GET"):                    (  L, 403, 403, 403, 403, 403, 403, 200),
    ("admin.create_user", "POST"):             (  L, 403, 403, 403, 403, 403, 403, 302),
    # Background jobs (administrators; retrying a job that is not failed flashes a message and returns).
    ("jobs.index", "GET"):                     (  L, 403, 403, 403, 403, 403, 403, 200),
    ("jobs.retry", "POST"):                    (  L, 403, 403, 403, 403, 403, 403, 302),
    ("security.index", "GET"):                 (  L, 403, 403, 403, 403, 403, 403, 403),
    ("security.act", "POST"):                  (  L, 403, 403, 403, 403, 403, 403, 403),
    ("security_log.index", "GET"):             (  L, 403, 403, 403, 403, 403, 403, 403),
    ("security_log.export", "GET"):            (  L, 403, 403, 403, 403, 403, 403, 403),
    # Sign-in and tokens (walked last). A right password of a role with a second factor leads to that step.
    ("auth.login", "GET"):                     (200, 302, 302, 302, 302, 302, 302, 302),
    ("auth.login", "POST"):                    (200, 302, 302, 302, 302,   L,   L,   L),
    ("api_auth.create_token", "POST"):         (401, 201, 201, 201, 201, 201, 201, 201),
    ("api_auth.delete_token", "DELETE"):       (401, 204, 204, 204, 204, 204, 204, 204),
    ("auth.logout", "POST"):                   (  L,   L,   L,   L,   L,   L,   L,   L),
}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr(repair.web.portal, "local_now", lambda: now)


@pytest.fixture
def estate(sealing, web, make_record, make_case, now):
    """ent's FGW case (with an upload and a produced commitment letter), a record of ent's without a case,
    and a sealed 两书 delivery of FGW; the path parameters every route is walked with."""
    world = web.extensions["repair"]
    case_no = make_case()
    free_record, api_record = make_record(), make_record()
    make_record(decision_no=DECISION)
    with world.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
        [upload] = add_uploads(world, uow, [IncomingFile("a.pdf", PDF)], record_id=case.record_id,
                               uscc=case.uscc, purpose="application", actor=actor("ent"), now=now, case_id=case.id)
        document_id = uow.session.scalar(select(Document.id).where(Document.case_id == case.id,
                                                                   Document.kind == "commitment_letter"))
        uow.commit()
        upload_id = upload.id
        ents = sorted(uow.session.scalars(select(Record.decision_no).where(Record.uscc == USCC)))
        # Fulfilment is reported for the record the API applies for: ent's main case stays where the walk
        # put it.
        api_decision = uow.session.scalar(select(Record.decision_no).where(Record.id == api_record))
    produce(world, document_id, now=now, formats=("pdf", "ofd"))  # the OFD is walked with the PDF's rights
    deliveries.prepare(world, decision_no=DECISION, actor=actor("fgw_officer"), now=now, authority="FGW")
    return {"case_no": case_no, "record_id": free_record, "api_record_id": api_record, "upload_id": upload_id,
            "document_id": document_id, "job_id": 1, "decision_no": DECISION, "code": "zh", "size": "large",
            "fmt": "csv",
            "api_decision_no": api_decision, "ents_identifiers": [case_no, *ents],
            "username": "fgw_officer2", "action": "unlock"}


def routes(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every rule and method of the app, HEAD and OPTIONS aside."""
    found = [(rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
             for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda item: (item[2].rule, item[1]))


def path_args(endpoint: str, rule, estate: dict) -> dict:
    """The rule's path parameters: ent's case, record, upload, document; a real file for the static routes."""
    if endpoint.endswith("static"):
        return {"filename": "desk/desk.css" if endpoint == "static" else "desk.css"}
    return {name: estate[name] for name in rule.arguments}


def case_version(app, case_no: str) -> int:
    with app.extensions["repair"].uow(read_only=True) as uow:
        return uow.session.scalar(select(Case.version).where(Case.case_no == case_no))


def offered_trigger(client, case_no: str) -> str:
    """The first action the desk page offers this user (what a click would post); else `accept`."""
    page = client.get(f"/desk/cases/{case_no}")
    found = re.search(r'class="action" data-trigger="(\w+)"', page.get_data(as_text=True))
    return found.group(1) if page.status_code == 200 and found else "accept"


def request_of(client, role: str, endpoint: str, method: str, url: str, estate: dict,
               bearer: str | None) -> dict:
    """The arguments of a realistic request for this route."""
    app = client.application
    version = case_version(app, estate["case_no"])
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        body = {"api.cases.create": {"record_id": estate["api_record_id"], "commitment_signed": True},
                "api.cases.fire": {"trigger": "accept"},
                "api_exchange.create_recognition": {"record_id": estate["record_id"], "reference": "R-1"},
                "api_auth.create_token": {"username": role, "password": WEB_PASSWORD},
                "api_fulfilment.record": {"authority_code": "FGW", "decision_no": estate["api_decision_no"],
                                          "kind": "fine_payment", "amount": "5000.00",
                                          "occurred_on": "2026-03-21", "reference": "JK-WALK",
                                          "source": "区财政局"}}.get(endpoint)
        if endpoint == "api_auth.create_token":  # a fresh one-time code where the role signs in with one
            body["otp"] = otp_for(app, role)
        if endpoint == "api.cases.fire":
            headers["If-Match"] = f'"{version}"'
        return {"method": method, "headers": headers, **({"json": body} if method != "GET" else {})}
    if method == "GET":
        return {"method": method}
    department = role.split("_")[0] if role.endswith(("officer", "reviewer")) else "fgw"
    # A fresh token each time, as from the page the form is on (signing in again renews the session).
    form = {"csrf_token": fresh_csrf(client), "reason": "权限测试", "version": str(version),
            "case_no": estate["case_no"], "assignee": f"{department}_officer2",
            "decision_no": estate["decision_no"],
            "method": "on_spot", "handler_name": "张三", "handler_phone": "13912345678", "commitment": "1",
            "username": role, "password": WEB_PASSWORD}
    if endpoint == "desk.fire":
        form["trigger"] = offered_trigger(client, estate["case_no"])
    if endpoint == "portal.supplement":
        form["files"] = (io.BytesIO(PDF), "b.pdf")
    return {"method": method, "data": form, "content_type": "multipart/form-data"}


def sign_in(app, role: str):
    """A client signed in as `role` (or anonymous) and an API token of the same user."""
    client = app.test_client()
    if role == "anonymous":
        return client, None
    form = {"username": role, "password": WEB_PASSWORD, "csrf_token": fresh_csrf(client)}
    signed = finish_sign_in(app, client, client.post("/login", data=form), role)
    assert signed.status_code == 302
    token = app.test_client().post("/api/v1/auth/token", json={"username": role, "password": WEB_PASSWORD,
                                                               "otp": otp_for(app, role)})
    return client, token.get_json()["token"]


def fresh_csrf(client) -> str:
    """A CSRF token of the client's current session (the public /verify page has a form)."""
    return csrf_of(client.get("/verify").get_data(as_text=True))


def outcome(response) -> int | str:
    """The status, or L for a redirect to the sign-in page."""
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return L
    return response.status_code


def check_body(response, where: str) -> None:
    body = text_of(response)
    assert "Traceback" not in body, where
    if response.status_code >= 400 and response.mimetype == "text/html":
        assert 'lang="zh-CN"' in body and re.search(r"[\u4e00-\u9fff]{2,}", body), where


def text_of(response) -> str:
    """The body as text; JSON re-encoded so Chinese is not hidden behind \\u escapes."""
    if response.mimetype in ("application/pdf", "application/ofd"):  # binary documents (OFD is a ZIP)
        return ""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def walk(app, estate: dict, role: str) -> tuple[dict, set, dict, dict]:
    """Walk every route as `role`; returns the outcomes, the routes whose successful answer showed one of
    ent's case or decision numbers, and the database fingerprints before and after the data routes (the session
    routes run after the second fingerprint)."""
    client, bearer = sign_in(app, role)
    runtime = app.extensions["repair"]
    data_routes = [r for r in routes(app) if r[:2] not in SESSION_ROUTES]
    session_routes = sorted((r for r in routes(app) if r[:2] in SESSION_ROUTES),
                            key=lambda r: SESSION_ROUTES.index(r[:2]))
    answered: dict = {}
    seen: set = set()
    before = fingerprint(runtime)
    after = None
    for endpoint, method, rule in data_routes + session_routes:
        if (endpoint, method) == SESSION_ROUTES[0]:
            after = fingerprint(runtime)
        with app.test_request_context():
            url = url_for(endpoint, **path_args(endpoint, rule, estate))
        response = client.open(url, **request_of(client, role, endpoint, method, url, estate, bearer))
        check_body(response, f"{role} {method} {url}")
        answered[(endpoint, method)] = outcome(response)
        # The OpenAPI document's examples happen to use a case number like ent's: public text, not data.
        shown = response.status_code < 300 and endpoint != "api.openapi"
        if shown and any(identifier in text_of(response) for identifier in estate["ents_identifiers"]):
            seen.add((endpoint, method))
        response.close()  # file responses (static files, PDFs) hold an open file until closed
    return answered, seen, before, after


def missing_rows(app) -> set:
    """(endpoint, method) pairs of the app without a row in ALLOWED, and rows naming no route."""
    return {(endpoint, method) for endpoint, method, _rule in routes(app)} ^ set(ALLOWED)


def test_the_table_names_every_route(web):
    assert missing_rows(web) == set()
    web.add_url_rule("/portal/new-page", "portal.new_page", lambda: "")
    assert missing_rows(web) == {("portal.new_page", "GET")}


@pytest.mark.pdf
@pytest.mark.parametrize("role", ROLES)
def test_walk_every_route_as(role, web, estate):
    answered, seen, before, after = walk(web, estate, role)
    assert set(answered) == set(ALLOWED), "every route needs a row in ALLOWED"
    expected = {key: codes[ROLES.index(role)] for key, codes in ALLOWED.items()}
    assert {k: v for k, v in answered.items() if expected[k] != v} == {}
    if role in ("anonymous", "other_ent", "scjg_officer"):
        assert seen == set(), "outsiders never see ent's cases or records"
    else:  # the check itself can see: insiders do find ent's case in lists and pages
        assert {("api.cases.index", "GET"), ("api.cases.show", "GET")} <= seen
    if role in ("anonymous", "other_ent", "scjg_officer", "auditor"):
        # Nothing of ent's or of FGW can be changed by them; the auditor changes nothing at all.
        changed = {name for name in before if before[name] != after[name]}
        assert changed == set()

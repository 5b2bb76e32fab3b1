"""Regression tests for every finding of the outside probe (issue 12), each through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import repair.web.auth
from repair.services.exchange.recognition import issue_portal_token
from repair.services.setup.runtime import local_now
from repair.store.models import CaseEvent
from tests.conftest import USCC, WEB_PASSWORD, csrf_of
from tests.web.test_api_support import api, assert_problem, etag  # noqa: F401  (api is a fixture)

BIG = str(2**63)


# Open redirect ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/x", "/%0d/evil.example", "//evil.example",
                                    "/\\evil.example", "/%5cevil.example", "https://evil.example/"])
def test_language_switch_never_sends_anyone_off_site(web, target):
    response = web.test_client().get(f"/lang/zh?next={target}")
    assert response.status_code in (302, 400)
    location = response.headers.get("Location", "/")
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/x", "//evil.example"])
def test_sign_in_page_next_never_leaves_the_site(web, target):
    client = web.test_client()
    page = client.get(f"/login?next={target}")
    assert page.status_code in (200, 400)  # never a 500
    token = csrf_of(client.get("/login").get_data(as_text=True))
    done = client.post(f"/login?next={target}", data={"username": "fgw_officer", "password": WEB_PASSWORD,
                                                      "csrf_token": token})
    location = done.headers.get("Location", "")
    assert done.status_code in (302, 400) and "evil" not in location and not location.startswith("//")


def test_next_with_a_tab_in_the_form_is_dropped_after_a_right_password(web):
    client = web.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    done = client.post("/login", data={"username": "fgw_officer", "password": WEB_PASSWORD, "csrf_token": token,
                                       "next": "/\t/evil.example"})
    assert done.status_code == 302 and done.headers["Location"] == "/desk/"


# Logout ends the session everywhere ----------------------------------------------------------------------------
def test_a_copied_cookie_is_dead_after_logout(web, login, make_case):
    case_no = make_case()
    client = login("fgw_officer")
    copied = client.get_cookie("session").value
    page = client.get("/desk/").get_data(as_text=True)
    token = csrf_of(page)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = web.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/desk/").status_code == 302  # to the sign-in page
    answer = thief.post("/desk/assign", data={"case_no": [case_no], "assignee": "fgw_officer", "csrf_token": token})
    # Refused either way: to the sign-in page, or for the CSRF token of a session that no longer exists.
    assert answer.status_code == 400 or answer.headers["Location"].startswith("/login")
    with web.extensions["repair"].uow(read_only=True) as uow:
        assert uow.session.scalar(select(CaseEvent.id).where(CaseEvent.trigger == "assign")) is None


# 500s from malformed numbers and JSON --------------------------------------------------------------------------
@pytest.mark.parametrize("path, statuses", [
    (f"/api/v1/records/{BIG}", (404,)), ("/api/v1/records/%C2%B2", (404,)), ("/api/v1/records/%D9%A3", (404,)),
    (f"/api/v1/records?page={BIG}", (400, 422)), ("/api/v1/records?page=%C2%B2", (400, 422)),
    (f"/api/v1/cases?per_page={BIG}", (400, 422)), (f"/api/v1/documents/{BIG}", (404,)),
    (f"/api/v1/records/{BIG}/prefill", (404,)), ("/api/v1/records/0", (404,)),
])
def test_malformed_numbers_in_the_api_are_client_errors(api, path, statuses):
    response = api.client.get(path, headers={"Authorization": f"Bearer {api.token('fgw_officer')}"})
    assert response.status_code in statuses and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", [f"/desk/?page={BIG}", "/desk/?page=%C2%B2", "/desk/?page=%EF%BC%92",
                                  f"/desk/uploads/{BIG}", f"/documents/{BIG}.pdf"])
def test_malformed_numbers_on_pages_are_chinese_error_pages(login, path):
    response = login("fgw_officer").get(path)
    assert response.status_code in (400, 404) and "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [f"/portal/?page={BIG}", "/portal/?page=%C2%B2", f"/portal/records/{BIG}/apply"])
def test_malformed_numbers_on_the_portal_are_client_errors(login, path):
    assert login("ent").get(path).status_code in (400, 404)


@pytest.mark.parametrize("record_id", [2**63, 2**31, 0, -1])
def test_record_id_out_of_range_in_a_body_is_refused(api, record_id):
    response = api.post("/cases", "ent", json={"record_id": record_id, "commitment_signed": True})
    assert response.status_code in (400, 422)


def test_deeply_nested_json_is_400(api):
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        response = api.client.post("/api/v1/cases", data=body, content_type="application/json",
                                   headers={"Authorization": f"Bearer {api.token('ent')}"})
        assert_problem(response, 400, "unsafe-input")


def test_a_body_over_one_megabyte_is_413(api):
    body = '{"trigger": "accept", "reason": "' + "x" * (1024 * 1024) + '"}'
    response = api.client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


# Lock-out of a whole office ------------------------------------------------------------------------------------
def test_thirty_failures_from_one_office_address_lock_out_no_one_else(web, monkeypatch):
    clock = {"now": local_now()}
    monkeypatch.setattr(repair.web.auth, "local_now", lambda: clock["now"])
    office = web.test_client()
    office.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    token = csrf_of(office.get("/login").get_data(as_text=True))
    waits = []
    for _ in range(30):  # a script with a stale password, against one account
        response = office.post("/login", data={"username": "fgw_officer", "password": "stale password 1",
                                               "csrf_token": token})
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock["now"] += timedelta(seconds=2)
    # A colleague at the same address signs in, waiting at most a minute, never fifteen.
    colleague = web.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    colleague_token = csrf_of(colleague.get("/login").get_data(as_text=True))
    for _ in range(3):
        response = colleague.post("/login", data={"username": "fgw_officer2", "password": WEB_PASSWORD,
                                                  "csrf_token": colleague_token})
        if response.status_code != 429:
            break
        assert int(response.headers["Retry-After"]) <= 60
        clock["now"] += timedelta(seconds=int(response.headers["Retry-After"]))
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    assert all(wait <= 15 * 60 for wait in waits)


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(world, settings, registry, monkeypatch):
    import dataclasses

    from repair import create_app

    trusted = settings.with_overrides(security=dataclasses.replace(settings.security, trusted_proxies=("127.0.0.1",),
                                                                   address_free_failures=2))
    app = create_app(trusted)
    app.extensions["repair"].__dict__["workflows"] = registry
    seen = []
    app.add_url_rule("/whoami", "whoami", lambda: seen.append(__import__("flask").request.remote_addr) or "ok")
    client = app.test_client()
    client.get("/whoami", headers={"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})
    client.get("/whoami", headers={"X-Forwarded-For": "198.51.100.8"})
    untrusted = app.test_client()
    untrusted.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    untrusted.get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"})
    app.extensions["repair"].dispose()
    assert seen == ["198.51.100.7", "198.51.100.8", "203.0.113.9"]


# If-Match and ETags --------------------------------------------------------------------------------------------
def test_if_match_star_does_not_skip_the_version_check(api, make_case, show):
    case_no = make_case(paid=False)
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"},
                        headers={"If-Match": "*"})
    assert_problem(response, 428, "precondition-required")
    assert show(case_no)["version"] == 1


@pytest.mark.pdf
def test_the_etag_of_a_201_is_current_after_the_automatic_step(api, make_case, show):
    case_no = make_case()  # paid: the automatic fulfilment check advances the case right after accept
    response = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"}, headers=etag(1))
    assert response.status_code == 201
    detail = show(case_no)
    assert detail["state"] == "under_review"  # the system moved it on
    assert response.headers["ETag"] == f'"{detail["version"]}"' and response.get_json()["version"] == detail["version"]
    following = api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"},
                         headers={"If-Match": response.headers["ETag"]})
    assert following.status_code != 412  # the ETag just received is not stale


# Headers, health and readiness ---------------------------------------------------------------------------------
def test_signed_in_pages_cannot_be_framed_sniffed_or_cached(login):
    response = login("fgw_officer").get("/desk/")
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store" and "Strict-Transport-Security" not in headers


def test_https_adds_hsts_and_the_api_has_headers_too(api):
    response = api.client.get("/api/v1/me", base_url="https://localhost",
                              headers={"Authorization": f"Bearer {api.token('ent')}"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_carries_inline_script():
    from repair.config import CHECKOUT

    for path in (CHECKOUT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"{path}: inline <script>"
        assert " onclick=" not in text and "javascript:" not in text, path


def test_healthz_reveals_nothing_and_readyz_checks_the_database(web, make_case):
    make_case()
    client = web.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready"}
    web.extensions["repair"].engine.dispose()
    web.extensions["repair"].__dict__["engine"] = __import__("sqlalchemy").create_engine(
        "sqlite:////nonexistent/dir/db.sqlite")
    web.extensions["repair"].__dict__.pop("_factories", None)
    broken = client.get("/readyz")
    assert broken.status_code == 503 and broken.get_json() == {"status": "unavailable"}


# Recognitions dated in the future ------------------------------------------------------------------------------
def test_a_recognition_concluded_in_2099_is_refused(world, web, make_record):
    make_record()
    token, _, _ = issue_portal_token(world, "gsxt", days=1, now=local_now())
    body = {"reference": "GSXT-2099", "decision_no": "沪浦发改罚〔2025〕1号", "authority": "FGW", "uscc": USCC,
            "concluded_on": "2099-01-01"}
    response = web.test_client().post("/api/v1/recognitions", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "concluded_on"


# Control and unassigned characters in free text ----------------------------------------------------------------
@pytest.mark.parametrize("reason", ["请提供\u0007凭证", "请提供\u0378凭证", "请提供\ue000凭证", "请提供\u202e凭证"])
def test_free_text_with_control_or_unassigned_characters_is_400(api, make_case, show, reason):
    case_no = make_case(paid=False)
    api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"}, headers=etag(1))
    response = api.post(f"/cases/{case_no}/events", "fgw_officer",
                        json={"trigger": "request_supplement", "reason": reason}, headers=etag(2))
    assert_problem(response, 400, "unsafe-input")
    assert show(case_no)["state"] == "fulfilment_check"


def test_free_text_in_a_form_is_refused_and_line_breaks_are_not(login, make_case):
    case_no = make_case(paid=False)
    client = login("fgw_officer")
    token = csrf_of(client.get(f"/desk/cases/{case_no}").get_data(as_text=True))
    refused = client.post(f"/desk/cases/{case_no}/fire", data={"trigger": "refuse", "version": "1",
                                                                "reason": "不属\u0000于本部门", "csrf_token": token})
    assert refused.status_code == 400 and "U+0000" in refused.get_data(as_text=True)
    fine = client.post(f"/desk/cases/{case_no}/fire", data={"trigger": "refuse", "version": "1",
                                                             "reason": "不属于\r\n本部门受理范围", "csrf_token": token})
    assert fine.status_code == 302


def test_text_is_stored_in_nfc(api, make_case, show):
    case_no = make_case(paid=False)
    api.post(f"/cases/{case_no}/events", "fgw_officer", json={"trigger": "accept"}, headers=etag(1))
    api.post(f"/cases/{case_no}/events", "fgw_officer",
             json={"trigger": "request_supplement", "reason": "Cafe\u0301 凭证"}, headers=etag(2))
    assert show(case_no)["events"][-1]["reason"] == "Caf\u00e9 凭证"

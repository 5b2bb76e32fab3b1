"""Unified identity sign-in (OpenID Connect) against a real OpenID Provider: the certified `oidc-provider` package
under node on a loopback port (tests/js/oidc_provider.mjs). The Flask test client plays our site; a requests
session plays the browser at the provider, over real HTTP, and brings the code back to our callback. Our
server talks to the provider over real HTTP too (discovery, JWKS, token endpoint with PKCE)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select, update

from repair import create_app
from repair.config import CHECKOUT, OidcSettings
from repair.domain.uscc import make_uscc
from repair.services.security.log import verify_security_log
from repair.store.models import User
from repair.store.security_models import AccountSecurity, SecurityEvent, UserSession
from tests.conftest import USCC, csrf_of, otp_for

pytestmark = pytest.mark.slow
JS = CHECKOUT / "tests" / "js"
CLIENT_ID = "repair-district"
CLIENT_SECRET = "test-secret-" + "x" * 32
OTHER_ID = "another-app"
OTHER_SECRET = "other-secret-" + "y" * 32
OTHER_REDIRECT = "http://127.0.0.1:9/callback"  # never visited: the test reads the code from the Location
CALLBACK = "http://localhost/login/oidc/callback"  # the Flask test client's host
MFA_ACR = "urn:repair:test:mfa"
STRANGER_USCC = make_uscc("MA7K2M4P")
ACCOUNTS = {
    # A legal-person (法人) account of the platform: the enterprise's USCC, and a login name of its own that
    # must never be read as a staff username.
    "legal-person": {"uscc": USCC.lower(), "preferred_username": "fgw_officer", "name": "上海示例贸易有限公司"},
    "officer": {"preferred_username": "fgw_officer", "name": "张三", "amr": ["pwd"]},
    "reviewer-password": {"preferred_username": "fgw_reviewer", "amr": ["pwd"], "acr": "urn:repair:test:pwd"},
    "reviewer-mfa": {"preferred_username": "fgw_reviewer", "amr": ["pwd", "otp"], "acr": MFA_ACR},
    "stranger": {"uscc": STRANGER_USCC, "name": "未开户企业"},
    "unknown-staff": {"preferred_username": "nobody_here"},
    "enterprise-login-name": {"preferred_username": "ent"},
    "no-identity": {"name": "只有姓名"},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The issuer URL of a real oidc-provider on 127.0.0.1 (stopped after the module)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are required (scripts/bootstrap.sh installs them)"
    if not (JS / "node_modules" / "oidc-provider").is_dir():
        # From the lock file, adding to what is there (`npm ci` would first empty a node_modules others share).
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=JS, check=True,
                       capture_output=True, timeout=300)
    config = tmp_path_factory.mktemp("oidc") / "provider.json"
    config.write_text(json.dumps({
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]},
                    {"client_id": OTHER_ID, "client_secret": OTHER_SECRET, "redirect_uris": [OTHER_REDIRECT]}],
        "accounts": ACCOUNTS}), encoding="utf-8")
    errors: list[str] = []
    with subprocess.Popen([node, str(JS / "oidc_provider.mjs"), str(config)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:
        drain = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
        drain.start()
        try:
            line = _first_line(process, timeout=30)
            assert line, f"oidc-provider did not start: {''.join(errors)}"
            yield json.loads(line)["issuer"]
        finally:
            process.terminate()
            process.wait(timeout=10)
            drain.join(timeout=10)
    assert not [e for e in errors if "server_error" in e], "".join(errors)


def _first_line(process, timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else ""


@pytest.fixture
def settings(settings, provider):
    """This module's app signs in through the provider; its `acr` for two factors counts as the second factor."""
    return replace(settings, oidc=OidcSettings(issuer=provider, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                               mfa_acr=(MFA_ACR,)))


def browse_provider(url: str, account: str, issuer: str) -> str:
    """Play the browser at the provider: follow its redirects, sign in as `account` on its login page, and return
    the first URL that leads off the provider (the client's redirect URI with the code)."""
    browser = requests.Session()
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(12):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(issuer):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
        elif response.status_code == 200 and 'name="login"' in response.text:
            action = re.search(r'action="([^"]+)"', response.text).group(1)
            response = browser.post(urljoin(response.url, action), data={"login": account}, allow_redirects=False,
                                    timeout=10)
        else:
            raise AssertionError(f"provider answered {response.status_code}: {response.text[:500]}")
    raise AssertionError("too many redirects at the provider")


def sign_in_via_provider(client, account: str, issuer: str, *, change=None, next_url: str | None = None):
    """Click 统一身份认证登录, sign in at the provider, come back; `change` may alter the authorization URL
    (as a tampering browser or attacker would). Returns our callback's response."""
    start = client.get("/login/oidc" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    url = start.headers["Location"]
    if change:
        url = change(url)
    back = browse_provider(url, account, issuer)
    assert back.startswith(CALLBACK), back
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def with_param(url: str, **values) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(values)
    return urlunsplit(parts._replace(query=urlencode(query)))


def events(app, kind: str) -> list[SecurityEvent]:
    with app.extensions["repair"].uow(read_only=True) as uow:
        return list(uow.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)
                                        .order_by(SecurityEvent.seq)))


def live_sessions(app, username: str) -> list[UserSession]:
    with app.extensions["repair"].uow(read_only=True) as uow:
        return list(uow.session.scalars(select(UserSession).join(User, User.id == UserSession.user_id)
                                        .where(User.username == username, UserSession.revoked_at.is_(None))))


def test_the_sign_in_page_offers_unified_identity_only_when_configured(web, settings):
    page = web.test_client().get("/login").get_data(as_text=True)
    assert "统一身份认证登录" in page and 'href="/login/oidc"' in page
    plain = create_app(replace(settings, oidc=None))
    try:
        client = plain.test_client()
        assert "统一身份认证登录" not in client.get("/login").get_data(as_text=True)
        assert client.get("/login/oidc").status_code == 404
        assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    finally:
        plain.extensions["repair"].dispose()


def test_start_uses_code_flow_with_pkce_state_and_nonce(web, provider):
    location = web.test_client().get("/login/oidc").headers["Location"]
    assert location.startswith(provider + "/auth?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == [CALLBACK] and "openid" in query["scope"][0].split()


def test_enterprise_signs_in_by_uscc_into_a_server_side_session(web, provider):
    client = web.test_client()
    done = sign_in_via_provider(client, "legal-person", provider)
    # The USCC claim wins: the legal person's login name equal to a staff username never makes it staff.
    assert done.status_code == 302 and done.headers["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200 and client.get("/desk/").status_code == 403
    assert len(live_sessions(web, "ent")) == 1 and live_sessions(web, "fgw_officer") == []
    signed_in = events(web, "sign_in")[-1]
    assert (signed_in.actor, signed_in.detail["method"], signed_in.detail["issuer"], signed_in.detail["sub"]) == \
        ("ent", "oidc", provider, "legal-person")
    # The session is the ordinary one: signing out revokes it at once.
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/portal/").get_data(as_text=True))})
    assert client.get("/portal/").status_code == 302 and live_sessions(web, "ent") == []
    assert events(web, "sign_out")[-1].actor == "ent"


def test_staff_signs_in_by_username_and_lands_where_next_says(web, provider):
    client = web.test_client()
    done = sign_in_via_provider(client, "officer", provider, next_url="/desk/?page=1")
    assert done.status_code == 302 and done.headers["Location"] == "/desk/?page=1"
    assert client.get("/desk/").status_code == 200 and len(live_sessions(web, "fgw_officer")) == 1
    assert client.get("/login/oidc").headers["Location"] == "/desk/"  # already signed in: no second session


def test_session_timeouts_apply_to_unified_sign_in(web, provider):
    client = web.test_client()
    sign_in_via_provider(client, "officer", provider)
    with web.extensions["repair"].uow() as uow:
        for row in uow.session.scalars(select(UserSession)):
            row.created_at -= timedelta(hours=9)
            row.last_seen_at -= timedelta(hours=9)
        uow.commit()
    assert client.get("/desk/").status_code == 302  # past the absolute lifetime: signed out


def test_second_factor_roles_still_need_totp_unless_the_provider_did_two_factors(web, provider):
    client = web.test_client()
    step = sign_in_via_provider(client, "reviewer-password", provider)
    assert step.status_code == 302 and step.headers["Location"] == "/login/second-factor"
    assert client.get("/desk/").status_code == 302 and live_sessions(web, "fgw_reviewer") == []
    page = client.get("/login/second-factor").get_data(as_text=True)
    done = client.post("/login/second-factor", data={"code": otp_for(web, "fgw_reviewer"), "csrf_token": csrf_of(page)})
    assert done.status_code == 302 and client.get("/desk/").status_code == 200
    assert events(web, "sign_in")[-1].detail["method"] == "totp"

    trusted = web.test_client()
    direct = sign_in_via_provider(trusted, "reviewer-mfa", provider)
    assert direct.status_code == 302 and direct.headers["Location"] == "/desk/"
    assert trusted.get("/desk/").status_code == 200
    last = events(web, "sign_in")[-1].detail
    assert (last["method"], last["acr"]) == ("oidc", MFA_ACR)


def test_a_second_factor_role_not_yet_enrolled_enrols_after_the_provider(web, provider):
    with web.extensions["repair"].uow() as uow:
        uow.session.execute(update(AccountSecurity).values(totp_secret=None, totp_enabled_at=None))
        uow.commit()
    client = web.test_client()
    step = sign_in_via_provider(client, "reviewer-password", provider)
    assert step.status_code == 302 and step.headers["Location"] == "/login/enrol"
    assert "totp-secret" in client.get("/login/enrol").get_data(as_text=True)
    assert client.get("/desk/").status_code == 302 and live_sessions(web, "fgw_reviewer") == []


@pytest.mark.parametrize("account, reason", [
    ("stranger", "unknown_user"), ("unknown-staff", "unknown_user"),
    ("enterprise-login-name", "unknown_user"), ("no-identity", "no_claim")])
def test_accounts_without_a_matching_user_are_refused_and_logged(web, provider, account, reason):
    client = web.test_client()
    refused = sign_in_via_provider(client, account, provider)
    text = refused.get_data(as_text=True)
    # The refusal is said in the page's language only (issue 14: no "中文 / English" on a page).
    message = text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert refused.status_code == 403 and "统一身份认证" in message and " / " not in message
    assert client.get("/portal/").status_code == 302 and client.get("/desk/").status_code == 302
    failed = events(web, "sign_in_failed")[-1]
    assert (failed.detail["reason"], failed.detail["channel"], failed.detail["sub"]) == (reason, "oidc", account)
    assert events(web, "sign_in") == []


def test_locked_and_deactivated_accounts_are_refused(web, provider):
    with web.extensions["repair"].uow() as uow:
        officer = uow.session.scalar(select(User).where(User.username == "fgw_officer"))
        uow.session.merge(AccountSecurity(user_id=officer.id, must_change_password=False, failed_count=0,
                                          locked_until=datetime(2099, 1, 1), locked_by="secadmin"))
        uow.session.execute(update(User).where(User.username == "ent").values(active=False))
        uow.commit()
    locked = sign_in_via_provider(web.test_client(), "officer", provider)
    assert locked.status_code == 403 and "账户已被安全管理员锁定" in locked.get_data(as_text=True)
    inactive = sign_in_via_provider(web.test_client(), "legal-person", provider)
    assert inactive.status_code == 403 and "没有对应的有效账户" in inactive.get_data(as_text=True)
    reasons = [(e.subject, e.detail["reason"]) for e in events(web, "sign_in_failed")]
    assert reasons == [("fgw_officer", "locked"), ("ent", "inactive")]
    assert events(web, "sign_in") == []


def test_tampered_state_is_refused(web, provider):
    client = web.test_client()
    refused = sign_in_via_provider(client, "officer", provider, change=lambda url: with_param(url, state="forged"))
    assert refused.status_code == 400 and "未能通过校验" in refused.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302 and live_sessions(web, "fgw_officer") == []
    assert events(web, "sign_in_failed")[-1].detail["reason"] == "mismatching_state"


def test_a_callback_replayed_in_another_browser_is_refused(web, provider):
    client = web.test_client()
    start = client.get("/login/oidc")
    back = urlsplit(browse_provider(start.headers["Location"], "officer", provider))
    attacker = web.test_client()  # a stolen callback URL: no state in this browser's session
    assert attacker.get(f"{back.path}?{back.query}").status_code == 400
    assert attacker.get("/desk/").status_code == 302 and live_sessions(web, "fgw_officer") == []
    # Refused before any exchange, so the rightful browser still completes its sign-in, once.
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    assert len(live_sessions(web, "fgw_officer")) == 1


def test_a_wrong_nonce_in_the_id_token_is_refused(web, provider):
    client = web.test_client()
    refused = sign_in_via_provider(client, "officer", provider,
                                   change=lambda url: with_param(url, nonce=secrets.token_urlsafe(16)))
    assert refused.status_code == 400 and live_sessions(web, "fgw_officer") == []
    failed = events(web, "sign_in_failed")[-1].detail
    assert failed["reason"] == "invalid_id_token" and "nonce" in failed["error"]


def test_a_wrong_iss_parameter_is_refused(web, provider):
    client = web.test_client()
    start = client.get("/login/oidc")
    back = browse_provider(start.headers["Location"], "officer", provider)
    mixed_up = with_param(back, iss="https://idp.attacker.example")
    parts = urlsplit(mixed_up)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 400
    assert events(web, "sign_in_failed")[-1].detail["reason"] == "issuer_mismatch"


def test_an_id_token_issued_to_another_client_is_refused(web, provider, monkeypatch):
    """The token endpoint's answer carries a genuine, well-signed ID token of this provider, with our nonce, but
    issued to another client (a token substitution): the audience check refuses it."""
    from authlib.integrations.flask_client.apps import FlaskOAuth2App

    client = web.test_client()
    start = client.get("/login/oidc")
    nonce = parse_qs(urlsplit(start.headers["Location"]).query)["nonce"][0]
    foreign = _id_token_for_other_client(provider, "officer", nonce)
    claims = json.loads(base64.urlsafe_b64decode(foreign.split(".")[1] + "=="))
    assert claims["aud"] == OTHER_ID and claims["nonce"] == nonce and claims["iss"] == provider

    original = FlaskOAuth2App.fetch_access_token

    def substituted(self, *args, **kwargs):
        token = original(self, *args, **kwargs)
        assert token["id_token"].count(".") == 2
        return {**token, "id_token": foreign}

    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", substituted)
    back = urlsplit(browse_provider(start.headers["Location"], "officer", provider))
    refused = client.get(f"{back.path}?{back.query}")
    assert refused.status_code == 400 and live_sessions(web, "fgw_officer") == []
    failed = events(web, "sign_in_failed")[-1].detail
    assert failed["reason"] == "invalid_id_token" and "aud" in failed["error"]


def _id_token_for_other_client(issuer: str, account: str, nonce: str) -> str:
    """Run the code flow (with PKCE) as the other client, as its own server would, and return its ID token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    url = metadata["authorization_endpoint"] + "?" + urlencode({
        "client_id": OTHER_ID, "response_type": "code", "scope": "openid profile", "redirect_uri": OTHER_REDIRECT,
        "state": "s" * 24, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    back = browse_provider(url, account, issuer)
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(metadata["token_endpoint"], auth=(OTHER_ID, OTHER_SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": OTHER_REDIRECT, "code_verifier": verifier})
    token.raise_for_status()
    return token.json()["id_token"]


def test_an_unreachable_provider_is_a_clear_error(web, settings):
    dead = create_app(replace(settings, oidc=replace(settings.oidc, issuer="http://127.0.0.1:9", timeout=2)))
    try:
        answer = dead.test_client().get("/login/oidc")
        assert answer.status_code == 502 and "统一身份认证平台暂不可用" in answer.get_data(as_text=True)
        assert events(dead, "sign_in_failed")[-1].detail["reason"] == "provider_unavailable"
    finally:
        dead.extensions["repair"].dispose()


def test_the_security_log_chain_holds_after_unified_sign_ins(web, provider):
    sign_in_via_provider(web.test_client(), "officer", provider)
    sign_in_via_provider(web.test_client(), "stranger", provider)
    with web.extensions["repair"].uow(read_only=True) as uow:
        report = verify_security_log(uow)
    assert report.intact and report.events_checked >= 2

"""Unified identity sign-in (统一身份认证): OpenID Connect with Authlib, present only when REPAIR_OIDC_ISSUER is set.

`/login/oidc` reads the provider's discovery document and redirects to its authorization endpoint with the
authorization code flow, PKCE (S256), a fresh `state` and `nonce` (kept in the signed Flask session cookie).
`/login/oidc/callback` checks the `state`, the `iss` parameter (RFC 9207, against mix-up), exchanges the code
with the client secret and the PKCE verifier, and has Authlib validate the ID token (signature by the provider's
JWKS, issuer, audience, expiry, nonce) before the claims reach repair.services.security.federated, which maps
them to an account and opens the usual server-side session. Every failure is security-logged and answered on
the sign-in page with a bilingual message.
"""

from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from joserfc.errors import JoseError
from requests import RequestException

from repair.config import OidcSettings, Settings
from repair.errors import AuthenticationFailed, RateLimited
from repair.services.security.federated import federated_sign_in, note_failure
from repair.services.setup.runtime import local_now
from repair.web.auth import after_first_factor, client_ip, current_actor, landing_url, login_page
from repair.web.context import runtime
from repair.web.hardening import safe_next

bp = Blueprint("oidc", __name__)
CLIENT = "unified"
NEXT_KEY = "oidc_next"
UNAVAILABLE = ("统一身份认证平台暂不可用，请稍后重试或使用账户密码登录 / the unified identity platform is unavailable; "
               "try again later or sign in with your password")
NOT_VERIFIED = ("统一身份认证登录未能通过校验，请重新登录 / the unified identity sign-in could not be verified; "
                "please start again")
CANCELLED = "统一身份认证登录未完成 / the unified identity sign-in was not completed"


def init_app(app: Flask, settings: Settings) -> None:
    """Register the provider with Authlib and the two views; without REPAIR_OIDC_ISSUER nothing changes."""
    app.jinja_env.globals["oidc_enabled"] = settings.oidc is not None
    if settings.oidc is None:
        return
    oidc = settings.oidc
    oauth = OAuth(app)
    oauth.register(
        CLIENT, client_id=oidc.client_id, client_secret=oidc.client_secret,
        server_metadata_url=oidc.metadata_url,
        client_kwargs={"scope": oidc.scope, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic", "default_timeout": oidc.timeout})
    app.register_blueprint(bp)


def _provider():
    """This app's Authlib client for the provider (discovery and JWKS are cached on it)."""
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


@bp.get("/login/oidc")
def start():
    """Send the browser to the unified identity platform (authorization code flow with PKCE, state, nonce)."""
    rt = runtime()
    oidc: OidcSettings = rt.settings.oidc
    next_url = safe_next(request.args.get("next"))
    if current_actor() is not None:
        return redirect(next_url or landing_url(current_actor().role))
    provider = _provider()
    try:
        _check_issuer(provider, oidc)
        response = provider.authorize_redirect(oidc.redirect_uri or url_for("oidc.callback", _external=True))
    except (RequestException, ValueError, AuthlibBaseError) as error:
        _failed("provider_unavailable", error)
        return login_page(next_url, "", UNAVAILABLE, 502)
    session[NEXT_KEY] = next_url
    return response


@bp.get("/login/oidc/callback")
def callback():
    """Finish the flow: state, iss, code exchange with PKCE, ID token validation, then the account's session."""
    rt = runtime()
    oidc: OidcSettings = rt.settings.oidc
    next_url = safe_next(session.pop(NEXT_KEY, None))
    provider = _provider()
    if request.args.get("error"):
        _failed("provider_error", request.args.get("error"))
        return login_page(next_url, "", CANCELLED, 400)
    try:
        metadata = _check_issuer(provider, oidc)
        # RFC 9207: a provider that announces the `iss` parameter must send it, and it must be ours.
        if ("iss" in request.args or metadata.get("authorization_response_iss_parameter_supported")) \
                and request.args.get("iss") != metadata["issuer"]:
            _failed("issuer_mismatch", request.args.get("iss"))
            return login_page(next_url, "", NOT_VERIFIED, 400)
        # Authlib checks the signature (provider's JWKS), exp/iat, nonce and at_hash; issuer and audience are
        # required explicitly too (by default it would check the audience only through `azp`).
        token = provider.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "values": [oidc.client_id]}})
    except RequestException as error:
        _failed("provider_unavailable", error)
        return login_page(next_url, "", UNAVAILABLE, 502)
    except AuthlibBaseError as error:
        # A missing or tampered state, a refused code exchange (replayed code, PKCE verifier, client secret).
        _failed(getattr(error, "error", None) or "oauth_error", getattr(error, "description", None) or error)
        return login_page(next_url, "", NOT_VERIFIED, 400)
    except (JoseError, ValueError) as error:
        # The ID token: signature, issuer, audience, expiry or nonce (Authlib with joserfc).
        _failed("invalid_id_token", error)
        return login_page(next_url, "", NOT_VERIFIED, 400)
    claims = token.get("userinfo")
    if not claims:
        _failed("no_id_token", None)
        return login_page(next_url, "", NOT_VERIFIED, 400)
    try:
        with rt.uow() as uow:
            step = federated_sign_in(uow, rt.settings.security, oidc, dict(claims), ip=client_ip(),
                                     user_agent=request.user_agent.string, now=local_now())
    except RateLimited as error:
        return login_page(next_url, "", str(error), 429, {"Retry-After": str(error.retry_after)})
    except AuthenticationFailed as error:
        return login_page(next_url, "", str(error), 403)
    return after_first_factor(step, next_url)


def _check_issuer(provider, oidc: OidcSettings) -> dict:
    """The discovery document, whose `issuer` must be the configured one (OpenID Connect Discovery 4.3)."""
    metadata = provider.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != oidc.issuer.rstrip("/"):
        provider.server_metadata.clear()
        raise ValueError(f"discovery issuer {metadata.get('issuer')!r} is not {oidc.issuer!r}")
    return metadata


def _failed(reason: str, error) -> None:
    rt = runtime()
    with rt.uow() as uow:
        note_failure(uow, rt.settings.oidc, reason, ip=client_ip(), now=local_now(),
                     error=None if error is None else f"{type(error).__name__}: {error}"
                     if isinstance(error, Exception) else str(error))

"""Sign-in through the district's unified identity platform (OpenID Connect), after the web layer has checked
state, PKCE, nonce and the ID token's signature, issuer, audience and expiry (Authlib, repair.web.oidc).

The verified claims map to one existing, active, unlocked account: the USCC claim to the enterprise account of
that USCC, else the username claim to a staff account (never to an enterprise one, so a legal-person login
name that happens to equal a staff username cannot become staff). Nobody is created here. The session is the
same server-side session as after a password (idle and absolute timeouts, revocation, security log).

Second factor (GB/T 22239-2019 8.1.4.1 d): for roles in REPAIR_MFA_ROLES, and for anyone who enrolled TOTP,
the provider's sign-in counts as two factors only when its `acr` is one of REPAIR_OIDC_MFA_ACR or its `amr`
names one of REPAIR_OIDC_MFA_AMR; otherwise our TOTP step follows, exactly as after a password.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from repair.config import OidcSettings, SecuritySettings
from repair.errors import AuthenticationFailed, RateLimited
from repair.domain.uscc import check_uscc
from repair.services.security import log, mfa, throttle
from repair.services.security.signin import SignInStep, _complete, needs_second_factor
from repair.store.models import User
from repair.store.uow import UnitOfWork

NO_CLAIM = ("统一身份认证未提供统一社会信用代码或用户名，无法对应本系统账户 / the identity provider sent neither "
            "a USCC nor a username claim, so no account here can be matched")
UNKNOWN = ("统一身份认证账户在本系统中没有对应的有效账户，请联系本单位系统管理员开通 / your unified identity "
           "account matches no active account here; ask your system administrator")
AMBIGUOUS = ("统一社会信用代码对应多个企业账户，请联系系统管理员 / this USCC matches several enterprise accounts; "
             "ask your system administrator")
CHANNEL = "oidc"


def provider_mfa(claims: Mapping, oidc: OidcSettings) -> bool:
    """Whether the provider says the person signed in with more than one factor, by a configured acr or amr."""
    acr = claims.get("acr")
    amr = claims.get("amr")
    methods = [m for m in amr if isinstance(m, str)] if isinstance(amr, list) else []
    return (isinstance(acr, str) and acr in oidc.mfa_acr) or any(m in oidc.mfa_amr for m in methods)


def federated_sign_in(uow: UnitOfWork, policy: SecuritySettings, oidc: OidcSettings, claims: Mapping, *, ip: str,
                      user_agent: str, now: datetime) -> SignInStep:
    """Sign in the account the verified ID token names; refusals are security-logged. Commits.

    Returns a step with `session` when signed in, else `next_step` ("totp" or "enrol") as after a password.
    Raises AuthenticationFailed (no matching active account, locked by the administrator) or RateLimited.
    """
    subject = f"{claims.get('sub', '')}"[:200]
    identity, user, reason = _match(uow, oidc, claims)
    label = (user.username if user is not None else identity) or "-"
    if user is None:
        _refuse(uow, label, ip, now, reason, subject, oidc,
                NO_CLAIM if reason == "no_claim" else AMBIGUOUS if reason == "ambiguous" else UNKNOWN)
    if not user.active:
        _refuse(uow, label, ip, now, "inactive", subject, oidc, UNKNOWN)
    try:
        throttle.check_not_locked(uow, user, now)
    except (AuthenticationFailed, RateLimited):
        _record(uow, label, ip, now, "locked", subject, oidc)
        uow.commit()
        raise
    state = throttle.state_of(uow, user)
    if needs_second_factor(user, state, policy) and not provider_mfa(claims, oidc):
        uow.commit()
        return SignInStep(user.id, user.username, user.role, next_step="totp" if mfa.enrolled(state) else "enrol",
                          must_change_password=bool(state.must_change_password))
    return _complete(uow, user, state, ip=ip, user_agent=user_agent, now=now, method=CHANNEL,
                     detail={"issuer": oidc.issuer, "sub": subject,
                             "acr": claims.get("acr") if isinstance(claims.get("acr"), str) else None})


def _match(uow: UnitOfWork, oidc: OidcSettings, claims: Mapping) -> tuple[str, User | None, str]:
    """(the identity claimed, the account or None, why not): USCC → enterprise, else username → staff."""
    uscc = _text(claims.get(oidc.uscc_claim)) if oidc.uscc_claim else ""
    if uscc:
        uscc = uscc.upper()
        if not check_uscc(uscc).valid:
            return uscc[:64], None, "unknown_user"
        users = list(uow.session.scalars(select(User).where(User.uscc == uscc, User.role == "enterprise")
                                         .order_by(User.id).limit(3)))
        active = [u for u in users if u.active]
        if len(active) > 1:
            return uscc, None, "ambiguous"
        if active or users:
            return uscc, (active or users)[0], ""
        return uscc, None, "unknown_user"
    username = _text(claims.get(oidc.username_claim)) if oidc.username_claim else ""
    if not username:
        return "", None, "no_claim"
    user = uow.session.scalar(select(User).where(User.username == username, User.role != "enterprise"))
    return username[:64], user, "" if user is not None else "unknown_user"


def _text(value) -> str:
    return value.strip() if isinstance(value, str) and len(value) <= 200 else ""


def _record(uow: UnitOfWork, label: str, ip: str, now: datetime, reason: str, subject: str,
            oidc: OidcSettings) -> None:
    log.record(uow, "sign_in_failed", actor=label, subject=label, ip=ip, now=now, reason=reason, channel=CHANNEL,
               issuer=oidc.issuer, sub=subject)


def _refuse(uow: UnitOfWork, label: str, ip: str, now: datetime, reason: str, subject: str, oidc: OidcSettings,
            message: str):
    """Security-log the refusal, commit, raise AuthenticationFailed with `message`.

    No `login_attempts` row: those drive the password throttle, which a provider-authenticated person without an
    account here (or a forged callback) must not slow down for everyone behind the same address."""
    _record(uow, label, ip, now, reason, subject, oidc)
    uow.commit()
    raise AuthenticationFailed(message)


def note_failure(uow: UnitOfWork, oidc: OidcSettings, reason: str, *, ip: str, now: datetime,
                 error: str | None = None) -> None:
    """Security-log a unified identity sign-in that failed before any account was known (state, token, ID token
    or provider errors); commits."""
    log.record(uow, "sign_in_failed", actor="-", subject="", ip=ip, now=now, reason=reason, channel=CHANNEL,
               issuer=oidc.issuer, error=(error or None) and error[:200])
    uow.commit()

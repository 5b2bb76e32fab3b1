"""Sign-in in steps: password (with address delays and account lock), then the second factor where the role
requires it or the user enrolled one, then a server-side session. API tokens go through the same checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from repair.config import SecuritySettings
from repair.domain.actors import Actor
from repair.errors import AuthenticationFailed, RateLimited, SecondFactorRequired
from repair.services.security import log, mfa, sessions, throttle
from repair.services.security.passwords import expired
from repair.store.models import ApiToken, LoginAttempt, User
from repair.store.security_models import AccountSecurity
from repair.store.uow import UnitOfWork

MAX_PASSWORD_LENGTH = 1024  # bounds the KDF's work per request
TOKEN_LIFETIME = timedelta(hours=8)
PENDING_LIFETIME = timedelta(minutes=5)  # between a right password and the second factor
BAD_CREDENTIALS = "用户名或密码错误 / wrong username or password"
NEED_CODE = "此账户须输入动态口令 / this account needs its one-time code (otp)"
NEED_ENROLMENT = "此账户须先在网页登录绑定动态口令 / sign in on the web once to enrol the second factor"
NEED_NEW_PASSWORD = "须先在网页登录修改密码 / sign in on the web to change your password first"
PENDING_EXPIRED = "登录步骤已超时，请重新登录 / the sign-in step expired; please start again"


@dataclass(frozen=True)
class SignInStep:
    """The outcome of a step: `session` when signed in, else `next_step` ("totp" or "enrol") for `user_id`."""

    user_id: int
    username: str
    role: str
    next_step: str | None = None
    session: str | None = None
    must_change_password: bool = False


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued bearer token; `token` is shown once and never stored."""

    token: str
    actor: Actor
    expires_at: datetime


def needs_second_factor(user: User, state: AccountSecurity | None, policy: SecuritySettings) -> bool:
    """Required for the roles in REPAIR_MFA_ROLES; anyone who enrolled uses it too."""
    return user.role in policy.mfa_roles or mfa.enrolled(state)


def sign_in(uow: UnitOfWork, policy: SecuritySettings, username: str, password: str, *, ip: str,
            user_agent: str, now: datetime) -> SignInStep:
    """The password step of a web sign-in; signs in at once when no second factor applies. Commits."""
    user = _password_ok(uow, policy, username, password, ip=ip, channel="web", now=now)
    state = throttle.state_of(uow, user)
    if expired(state, policy, now):
        state.must_change_password = True
    if needs_second_factor(user, state, policy):
        uow.commit()
        return SignInStep(user.id, user.username, user.role, next_step="totp" if mfa.enrolled(state) else "enrol",
                          must_change_password=state.must_change_password)
    return _complete(uow, user, state, ip=ip, user_agent=user_agent, now=now, method="password")


def second_factor(uow: UnitOfWork, policy: SecuritySettings, user_id: int, code: str, *, ip: str,
                  user_agent: str, now: datetime) -> SignInStep:
    """Check a TOTP or recovery code after a right password; wrong codes count toward the account lock. Commits."""
    user, state = _pending_user(uow, user_id, now)
    method = "totp"
    if not mfa.check_totp(state, code, now):
        if not mfa.use_recovery_code(uow, user, code, now):
            _fail(uow, policy, user, user.username, ip, "web", now, "bad_code")
            raise AuthenticationFailed(mfa.BAD_CODE)
        method = "recovery_code"
        log.record(uow, "recovery_code_used", actor=user.username, subject=user.username, ip=ip, now=now)
    return _complete(uow, user, state, ip=ip, user_agent=user_agent, now=now, method=method)


def enrolment(uow: UnitOfWork, policy: SecuritySettings, user_id: int, *, now: datetime) -> tuple[str, str, str]:
    """The TOTP secret being enrolled, its otpauth URI and QR code (SVG) for a pending sign-in. Commits."""
    user, state = _pending_user(uow, user_id, now)
    secret = mfa.pending_secret(uow, state)
    uow.commit()
    uri = mfa.provisioning_uri(secret, user.username, policy.totp_issuer)
    return secret, uri, mfa.qr_svg(uri)


def finish_enrolment(uow: UnitOfWork, policy: SecuritySettings, user_id: int, code: str, *, ip: str,
                     user_agent: str, now: datetime) -> tuple[SignInStep, list[str]]:
    """Confirm the enrolment with a first code, sign in, and return the recovery codes (shown once). Commits."""
    user, state = _pending_user(uow, user_id, now)
    if mfa.enrolled(state):
        raise AuthenticationFailed(PENDING_EXPIRED)
    codes = mfa.confirm(uow, user, state, code, now)
    log.record(uow, "mfa_enrolled", actor=user.username, subject=user.username, ip=ip, now=now)
    return _complete(uow, user, state, ip=ip, user_agent=user_agent, now=now, method="totp"), codes


def issue_token(uow: UnitOfWork, policy: SecuritySettings, username: str, password: str, *, otp: str | None,
                ip: str, now: datetime) -> IssuedToken:
    """Check credentials (and the second factor where it applies) and issue an 8-hour bearer token; commits."""
    user = _password_ok(uow, policy, username, password, ip=ip, channel="api", now=now)
    state = uow.session.get(AccountSecurity, user.id)
    if expired(state, policy, now):
        uow.commit()
        raise AuthenticationFailed(NEED_NEW_PASSWORD)
    if needs_second_factor(user, state, policy):
        if not mfa.enrolled(state):
            uow.commit()
            raise SecondFactorRequired(NEED_ENROLMENT)
        if not otp:
            uow.commit()
            raise SecondFactorRequired(NEED_CODE)
        if not mfa.check_totp(state, otp, now) and not mfa.use_recovery_code(uow, user, otp, now):
            _fail(uow, policy, user, user.username, ip, "api", now, "bad_code")
            raise AuthenticationFailed(mfa.BAD_CODE)
    throttle.note_success(uow, user)
    token = "rpr_" + secrets.token_urlsafe(32)
    expires_at = _naive(now) + TOKEN_LIFETIME
    uow.session.add(ApiToken(user_id=user.id, token_hash=sessions.digest(token), created_at=_naive(now),
                             expires_at=expires_at))
    _attempt(uow, user.username, ip, "api", now, "token_issued", success=True)
    log.record(uow, "token_issued", actor=user.username, subject=user.username, ip=ip, now=now)
    uow.commit()
    return IssuedToken(token=token, actor=_actor(user), expires_at=expires_at)


def _complete(uow: UnitOfWork, user: User, state: AccountSecurity, *, ip: str, user_agent: str, now: datetime,
              method: str, detail: dict | None = None) -> SignInStep:
    throttle.note_success(uow, user)
    token = sessions.open_session(uow, user, ip=ip, user_agent=user_agent, now=now)
    _attempt(uow, user.username, ip, "web", now, "signed_in", success=True)
    log.record(uow, "sign_in", actor=user.username, subject=user.username, ip=ip, now=now, method=method,
               **(detail or {}))
    uow.commit()
    return SignInStep(user.id, user.username, user.role, session=token,
                      must_change_password=bool(state.must_change_password))


def _password_ok(uow: UnitOfWork, policy: SecuritySettings, username: str, password: str, *, ip: str,
                 channel: str, now: datetime) -> User:
    username = (username or "").strip()[:64]
    throttle.check_address(uow, username, ip, channel, policy, now)
    user = uow.session.scalar(select(User).where(User.username == username)) if username else None
    if user is not None:
        try:
            throttle.check_not_locked(uow, user, now)
        except (AuthenticationFailed, RateLimited):
            _attempt(uow, username, ip, channel, now, "locked")
            log.record(uow, "sign_in_failed", actor=username, subject=username, ip=ip, now=now, reason="locked")
            uow.commit()
            raise
    if user is None or not user.password_hash or len(password) > MAX_PASSWORD_LENGTH:
        # Spend the same KDF time as a real check so response times do not reveal which usernames exist.
        check_password_hash(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        _fail(uow, policy, user, username, ip, channel, now, "bad_credentials")
    elif not check_password_hash(user.password_hash, password):
        _fail(uow, policy, user, username, ip, channel, now, "bad_credentials")
    elif not user.active:
        _fail(uow, policy, None, username, ip, channel, now, "inactive")
    return user


def _fail(uow: UnitOfWork, policy: SecuritySettings, user: User | None, username: str, ip: str, channel: str,
          now: datetime, outcome: str):
    """Record a failure (attempt row, account count, security log), commit, raise AuthenticationFailed."""
    _attempt(uow, username, ip, channel, now, outcome)
    log.record(uow, "sign_in_failed", actor=username or "-", subject=username, ip=ip, now=now, reason=outcome,
               channel=channel)
    if user is not None and throttle.note_failure(uow, user, policy, now):
        sessions.revoke_all(uow, user.id, reason="locked", now=now)
        log.record(uow, "locked", actor="system", subject=user.username, ip=ip, now=now,
                   minutes=policy.lock_minutes)
    uow.commit()
    raise AuthenticationFailed(mfa.BAD_CODE if outcome == "bad_code" else BAD_CREDENTIALS)


def _pending_user(uow: UnitOfWork, user_id: int, now: datetime) -> tuple[User, AccountSecurity]:
    user = uow.session.get(User, user_id)
    if user is None or not user.active:
        raise AuthenticationFailed(PENDING_EXPIRED)
    throttle.check_not_locked(uow, user, now)
    return user, throttle.state_of(uow, user)


def _attempt(uow: UnitOfWork, username: str, ip: str, channel: str, now: datetime, outcome: str,
             success: bool = False) -> None:
    uow.session.add(LoginAttempt(at=_naive(now), username=username[:64], ip=(ip or "")[:45], channel=channel,
                                 success=success, outcome=outcome))


def _actor(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, department=user.department_code, uscc=user.uscc)


def _naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method="scrypt")

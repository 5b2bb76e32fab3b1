"""Sign-in with rate limiting, and API bearer tokens (only their SHA-256 digests are stored).

Every attempt, good or bad, becomes a `login_attempts` row: the audit trail and the rate limiter's
memory at once, so the limit holds across gunicorn workers and app servers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from repair.domain.actors import Actor
from repair.domain.errors import AuthenticationFailed, RateLimited
from repair.store.models import ApiToken, LoginAttempt, User
from repair.store.uow import UnitOfWork

WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per username and IP within WINDOW
MAX_FAILURES_PER_IP = 30  # across usernames: one address spraying a common password
TOKEN_LIFETIME = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at precision; saves a write per API call
MAX_PASSWORD_LENGTH = 1024  # bounds the KDF's work per request

BAD_CREDENTIALS = "用户名或密码错误 / wrong username or password"
BAD_TOKEN = "访问令牌无效、已撤销或已过期 / invalid, revoked or expired token"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued bearer token; `token` is shown once and never stored."""

    token: str
    actor: Actor
    expires_at: datetime


def authenticate(uow: UnitOfWork, username: str, password: str, *, ip: str, now: datetime) -> Actor:
    """Check a web sign-in; raises AuthenticationFailed or RateLimited. Records the attempt and commits."""
    user = _verify(uow, username, password, ip=ip, channel="web", now=now)
    _record(uow, user.username, ip, "web", now, "signed_in")
    uow.commit()
    return _actor(user)


def issue_token(uow: UnitOfWork, username: str, password: str, *, ip: str, now: datetime) -> IssuedToken:
    """Check credentials and issue an API bearer token valid for TOKEN_LIFETIME; commits."""
    user = _verify(uow, username, password, ip=ip, channel="api", now=now)
    token = "rpr_" + secrets.token_urlsafe(32)
    expires_at = _naive(now) + TOKEN_LIFETIME
    uow.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=_naive(now),
                             expires_at=expires_at))
    _record(uow, user.username, ip, "api", now, "token_issued")
    uow.commit()
    return IssuedToken(token=token, actor=_actor(user), expires_at=expires_at)


def actor_for_token(uow: UnitOfWork, token: str, now: datetime) -> Actor:
    """The actor behind a live bearer token (not revoked, not expired, user active); commits its use."""
    row = _live_token(uow, token, now)
    user = uow.session.get(User, row.user_id)
    if row.last_used_at is None or _naive(now) - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = _naive(now)
        uow.commit()
    return _actor(user)


def revoke_token(uow: UnitOfWork, token: str, now: datetime) -> None:
    """Revoke a live bearer token at once; commits."""
    row = _live_token(uow, token, now)
    row.revoked_at = _naive(now)
    uow.commit()


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which a token is stored (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _verify(uow: UnitOfWork, username: str, password: str, *, ip: str, channel: str, now: datetime) -> User:
    username = (username or "").strip()[:64]
    _check_rate(uow, username, ip, channel, now)
    user = uow.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None or not user.password_hash or len(password) > MAX_PASSWORD_LENGTH:
        # Spend the same KDF time as a real check so response times do not reveal which usernames exist.
        check_password_hash(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        outcome = "bad_credentials"
    elif not check_password_hash(user.password_hash, password):
        outcome = "bad_credentials"
    elif not user.active:
        outcome = "inactive"
    else:
        return user
    _record(uow, username, ip, channel, now, outcome, success=False)
    uow.commit()
    raise AuthenticationFailed(BAD_CREDENTIALS)


def _check_rate(uow: UnitOfWork, username: str, ip: str, channel: str, now: datetime) -> None:
    """Refuse when this username+IP (since its last success) or this IP has failed too often lately."""
    since = _naive(now) - WINDOW
    last_success = uow.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.ip == ip,
                                                LoginAttempt.success.is_(True), LoginAttempt.at > since))
    counted = (LoginAttempt.success.is_(False), LoginAttempt.outcome != "throttled")
    pair = list(uow.session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.username == username, LoginAttempt.ip == ip, *counted,
                                      LoginAttempt.at > (last_success or since)).order_by(LoginAttempt.at)))
    by_ip = list(uow.session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.ip == ip, *counted, LoginAttempt.at > since)
        .order_by(LoginAttempt.at)))
    # The lock lifts when the oldest failure that keeps the count at its limit leaves the window.
    limits = ((pair, MAX_FAILURES), (by_ip, MAX_FAILURES_PER_IP))
    unlocks = [times[len(times) - limit] + WINDOW for times, limit in limits if len(times) >= limit]
    if not unlocks:
        return
    _record(uow, username, ip, channel, now, "throttled", success=False)
    uow.commit()
    wait = max(1, int((max(unlocks) - _naive(now)).total_seconds()) + 1)
    minutes = -(-wait // 60)
    raise RateLimited(f"登录失败次数过多，请 {minutes} 分钟后再试 / too many failed sign-ins; retry in {wait} s",
                      retry_after=wait)


def _live_token(uow: UnitOfWork, token: str, now: datetime) -> ApiToken:
    row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token or "")))
    if row is None or row.revoked_at is not None or row.expires_at <= _naive(now):
        raise AuthenticationFailed(BAD_TOKEN)
    user = uow.session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed(BAD_TOKEN)
    return row


def _record(uow: UnitOfWork, username: str, ip: str, channel: str, now: datetime, outcome: str,
            success: bool = True) -> None:
    uow.session.add(LoginAttempt(at=_naive(now), username=username, ip=ip[:45], channel=channel,
                                 success=success, outcome=outcome))


def _actor(user: User) -> Actor:
    return Actor(username=user.username, role=user.role, department=user.department_code, uscc=user.uscc)


def _naive(now: datetime) -> datetime:
    # Stored times are naive local time, like every other table.
    return now.replace(tzinfo=None)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method="scrypt")

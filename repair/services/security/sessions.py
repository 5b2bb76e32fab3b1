"""Server-side sessions: a row per signed-in browser, revocable, with an idle timeout and an absolute lifetime.

Reading a session never takes a write lock: it runs in a read-only unit of work and `last_seen_at` is
written at most once a minute (`TOUCH_EVERY`), in its own short transaction. API tokens follow the same rule.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from repair.config import SecuritySettings
from repair.domain.actors import Actor
from repair.errors import NotFound, SessionEnded
from repair.services.security import log
from repair.store.models import ApiToken, User
from repair.store.security_models import AccountSecurity, UserSession
from repair.store.uow import UnitOfWork

TOUCH_EVERY = timedelta(minutes=1)
ENDED = "会话已结束，请重新登录 / your session has ended; please sign in again"
BAD_TOKEN = "访问令牌无效、已撤销或已过期 / invalid, revoked or expired token"


@dataclass(frozen=True)
class LiveSession:
    """A valid session: who it belongs to, whether they must change their password first, and if it needs a touch."""

    actor: Actor
    user_id: int
    must_change_password: bool
    stale: bool


def digest(token: str) -> str:
    """SHA-256 hex of a session token (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(uow: UnitOfWork, user: User, *, ip: str, user_agent: str, now: datetime) -> str:
    """Create a session row for `user`; returns the token for the cookie (shown once, stored as a digest)."""
    token = secrets.token_urlsafe(32)
    stamp = _naive(now)
    uow.session.add(UserSession(id=digest(token), user_id=user.id, created_at=stamp, last_seen_at=stamp,
                                ip=(ip or "")[:45], user_agent=(user_agent or "")[:200]))
    return token


def read_session(uow: UnitOfWork, token: str, policy: SecuritySettings, now: datetime) -> LiveSession:
    """The live session behind `token` (read only); SessionEnded when revoked, idle, too old or user inactive."""
    row = uow.session.execute(
        select(UserSession, User, AccountSecurity.must_change_password, AccountSecurity.locked_until)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(AccountSecurity, AccountSecurity.user_id == User.id)
        .where(UserSession.id == digest(token or ""))).first()
    stamp = _naive(now)
    if row is None:
        raise SessionEnded(ENDED)
    sess, user, must_change, locked_until = row
    if (sess.revoked_at is not None or not user.active or (locked_until is not None and locked_until > stamp)
            or stamp - sess.last_seen_at > timedelta(minutes=policy.session_idle_minutes)
            or stamp - sess.created_at > timedelta(hours=policy.session_absolute_hours)):
        raise SessionEnded(ENDED)
    actor = Actor(username=user.username, role=user.role, department=user.department_code, uscc=user.uscc)
    return LiveSession(actor=actor, user_id=user.id, must_change_password=bool(must_change),
                       stale=stamp - sess.last_seen_at >= TOUCH_EVERY)


def touch_session(uow: UnitOfWork, token: str, now: datetime) -> None:
    """Move `last_seen_at` forward (one small write, at most once a minute per session); commits."""
    stamp = _naive(now)
    uow.session.execute(update(UserSession).where(UserSession.id == digest(token),
                                                  UserSession.last_seen_at < stamp - TOUCH_EVERY)
                        .values(last_seen_at=stamp))
    uow.commit()


def end_session(uow: UnitOfWork, token: str, *, ip: str, now: datetime) -> None:
    """Sign out: revoke this session and log it; commits (an unknown or ended session is a no-op)."""
    row = uow.session.get(UserSession, digest(token or ""))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at, row.revoked_reason = _naive(now), "logout"
    user = uow.session.get(User, row.user_id)
    log.record(uow, "sign_out", actor=user.username, subject=user.username, ip=ip, now=now)
    uow.commit()


def revoke_all(uow: UnitOfWork, user_id: int, *, reason: str, now: datetime, keep: str | None = None) -> int:
    """Revoke every live session and API token of a user (not `keep`, a session token); the caller commits."""
    stamp = _naive(now)
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep:
        query = query.where(UserSession.id != digest(keep))
    ended = uow.session.execute(query.values(revoked_at=stamp, revoked_reason=reason)).rowcount or 0
    uow.session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=stamp))
    return ended


def list_sessions(uow: UnitOfWork, username: str, policy: SecuritySettings, now: datetime) -> list[dict]:
    """A user's sessions, newest first, each with whether it is still live."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户不存在 / no user {username!r}")
    stamp = _naive(now)
    rows = uow.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                               .order_by(UserSession.created_at.desc()).limit(100))
    out = []
    for s in rows:
        live = (s.revoked_at is None and stamp - s.last_seen_at <= timedelta(minutes=policy.session_idle_minutes)
                and stamp - s.created_at <= timedelta(hours=policy.session_absolute_hours))
        out.append({"id": s.id[:12], "created_at": s.created_at.isoformat(timespec="seconds"),
                    "last_seen_at": s.last_seen_at.isoformat(timespec="seconds"), "ip": s.ip,
                    "user_agent": s.user_agent, "live": live, "revoked_reason": s.revoked_reason})
    return out


def _naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None)


def read_token(uow: UnitOfWork, token: str, now: datetime) -> tuple[Actor, bool]:
    """The actor behind a live bearer token and whether its `last_used_at` needs a touch (read only)."""
    row = uow.session.execute(
        select(ApiToken, User, AccountSecurity.locked_until)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(AccountSecurity, AccountSecurity.user_id == User.id)
        .where(ApiToken.token_hash == digest(token or ""))).first()
    stamp = _naive(now)
    if row is None:
        raise SessionEnded(BAD_TOKEN)
    api_token, user, locked_until = row
    if (api_token.revoked_at is not None or api_token.expires_at <= stamp or not user.active
            or (locked_until is not None and locked_until > stamp)):
        raise SessionEnded(BAD_TOKEN)
    actor = Actor(username=user.username, role=user.role, department=user.department_code, uscc=user.uscc)
    return actor, api_token.last_used_at is None or stamp - api_token.last_used_at >= TOUCH_EVERY


def touch_token(uow: UnitOfWork, token: str, now: datetime) -> None:
    """Move a token's `last_used_at` forward (at most once a minute); commits."""
    stamp = _naive(now)
    uow.session.execute(update(ApiToken).where(ApiToken.token_hash == digest(token))
                        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < stamp - TOUCH_EVERY))
                        .values(last_used_at=stamp))
    uow.commit()


def revoke_token(uow: UnitOfWork, token: str, *, ip: str, now: datetime) -> None:
    """Revoke a live bearer token at once and log it; commits. SessionEnded when it is not live."""
    actor, _ = read_token(uow, token, now)
    row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    row.revoked_at = _naive(now)
    log.record(uow, "token_revoked", actor=actor.username, subject=actor.username, ip=ip, now=now)
    uow.commit()

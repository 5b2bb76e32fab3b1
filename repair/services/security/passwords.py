"""Setting and changing passwords under the policy: strength, no reuse of the last five, expiry, forced change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from repair.config import SecuritySettings
from repair.domain.passwords import HISTORY, policy_problems
from repair.errors import AuthenticationFailed, PasswordPolicyViolation
from repair.services.security import log, sessions
from repair.services.security.throttle import state_of
from repair.store.models import User
from repair.store.security_models import AccountSecurity, PasswordHistory
from repair.store.uow import UnitOfWork

WRONG_CURRENT = "当前密码错误 / the current password is wrong"


def check_policy(password: str, username: str) -> None:
    """Raise PasswordPolicyViolation listing every rule `password` breaks."""
    problems = policy_problems(password, username)
    if problems:
        raise PasswordPolicyViolation("密码不符合要求：" + "；".join(problems), problems)


def set_password(uow: UnitOfWork, user: User, password: str, *, now: datetime, must_change: bool = False) -> None:
    """Give `user` a new password (policy and history checked, previous one kept); the caller commits."""
    check_policy(password, user.username)
    recent = uow.session.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
                                 .order_by(PasswordHistory.id.desc()).limit(HISTORY - 1)).all()
    earlier = ([user.password_hash] if user.password_hash else []) + list(recent)
    if any(check_password_hash(old, password) for old in earlier[:HISTORY]):
        raise PasswordPolicyViolation(f"不得与最近 {HISTORY} 次密码相同 / must differ from the last {HISTORY}",
                                      ["reuse"])
    if user.password_hash:
        uow.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash,
                                        created_at=now.replace(tzinfo=None)))
    user.password_hash = generate_password_hash(password, method="scrypt")
    state = state_of(uow, user)
    state.password_changed_at = now.replace(tzinfo=None)
    state.must_change_password = must_change


def change_own_password(uow: UnitOfWork, username: str, current: str, new: str, *, ip: str, now: datetime,
                        keep_session: str | None = None) -> None:
    """A user changes their own password; every other session and API token ends. Commits."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None or not user.password_hash or not check_password_hash(user.password_hash, current[:1024]):
        raise AuthenticationFailed(WRONG_CURRENT)
    set_password(uow, user, new, now=now)
    sessions.revoke_all(uow, user.id, reason="password", now=now, keep=keep_session)
    log.record(uow, "password_changed", actor=username, subject=username, ip=ip, now=now)
    uow.commit()


def expired(state: AccountSecurity | None, policy: SecuritySettings, now: datetime) -> bool:
    """True when the password must be changed: forced by an administrator, or older than the configured age."""
    if state is None:
        return False
    if state.must_change_password:
        return True
    if not policy.password_max_age_days or state.password_changed_at is None:
        return False
    return now.replace(tzinfo=None) - state.password_changed_at > timedelta(days=policy.password_max_age_days)

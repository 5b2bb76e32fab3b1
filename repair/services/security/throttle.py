"""Sign-in throttling that cannot lock out an office: per account a lock after repeated failures (lifted by
time or by the security administrator), per client address only growing delays, capped at a minute.

Both live in the database (`login_attempts`, `account_security`), so they hold across workers and nodes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from repair.config import SecuritySettings
from repair.errors import AccountLocked, AuthenticationFailed, RateLimited
from repair.store.models import LoginAttempt, User
from repair.store.security_models import AccountSecurity
from repair.store.uow import UnitOfWork

WINDOW = timedelta(minutes=15)
LOCKED_BY_ADMIN = "账户已被安全管理员锁定 / the security administrator has locked this account"


def address_delay(uow: UnitOfWork, ip: str, policy: SecuritySettings, now: datetime) -> int:
    """Seconds this address must still wait before its next attempt is evaluated (0: go ahead).

    After `address_free_failures` failures within 15 minutes, each further failure doubles the wait after
    it, up to `address_max_delay` seconds: an attacker gets about one guess a minute, an office behind one
    NAT address at worst waits a minute — nobody is locked out by someone else's typing.
    """
    stamp = _naive(now)
    times = list(uow.session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.ip == ip, LoginAttempt.success.is_(False),
                                      LoginAttempt.outcome != "throttled", LoginAttempt.at > stamp - WINDOW)
        .order_by(LoginAttempt.at.desc()).limit(policy.address_free_failures + 8)))
    excess = len(times) - policy.address_free_failures
    if excess < 0:
        return 0
    wait = min(2 ** excess, policy.address_max_delay)
    remaining = (times[0] + timedelta(seconds=wait) - stamp).total_seconds()
    return max(0, int(remaining + 0.999))


def check_address(uow: UnitOfWork, username: str, ip: str, channel: str, policy: SecuritySettings,
                  now: datetime) -> None:
    """Raise RateLimited (recording the throttled attempt, committing) while the address must wait."""
    wait = address_delay(uow, ip, policy, now)
    if wait <= 0:
        return
    uow.session.add(LoginAttempt(at=_naive(now), username=username[:64], ip=ip[:45], channel=channel,
                                 success=False, outcome="throttled"))
    uow.commit()
    raise RateLimited(f"该地址登录失败次数过多，请 {wait} 秒后再试 / too many failed sign-ins from this address; "
                      f"retry in {wait} s", retry_after=wait)


def state_of(uow: UnitOfWork, user: User) -> AccountSecurity:
    """The user's security row, created with defaults when missing (write transactions only)."""
    row = uow.session.get(AccountSecurity, user.id)
    if row is None:
        row = AccountSecurity(user_id=user.id, must_change_password=False, failed_count=0)
        uow.session.add(row)
        uow.session.flush()  # later lookups in this transaction must find it (autoflush is off)
    return row


def check_not_locked(uow: UnitOfWork, user: User, now: datetime) -> None:
    """Raise AccountLocked while an automatic lock runs, AuthenticationFailed while the administrator's does."""
    row = uow.session.get(AccountSecurity, user.id)
    if row is None or row.locked_until is None or row.locked_until <= _naive(now):
        return
    if row.locked_by != "system":
        raise AuthenticationFailed(LOCKED_BY_ADMIN)
    wait = max(1, int((row.locked_until - _naive(now)).total_seconds() + 0.999))
    raise AccountLocked(f"登录失败次数过多，账户已锁定，请 {-(-wait // 60)} 分钟后再试或联系安全管理员 / "
                        f"too many failed sign-ins: the account is locked; retry in {wait} s", retry_after=wait)


def note_failure(uow: UnitOfWork, user: User, policy: SecuritySettings, now: datetime) -> bool:
    """Count a failed password or code for the account; locks it at the limit. Returns True when it locked."""
    row = state_of(uow, user)
    row.failed_count = (row.failed_count or 0) + 1
    if policy.lock_after_failures and row.failed_count >= policy.lock_after_failures:
        row.failed_count = 0
        row.locked_until = _naive(now) + timedelta(minutes=policy.lock_minutes)
        row.locked_by = "system"
        return True
    return False


def note_success(uow: UnitOfWork, user: User) -> None:
    """A full sign-in clears the account's failure count."""
    row = uow.session.get(AccountSecurity, user.id)
    if row is not None and row.failed_count:
        row.failed_count = 0


def _naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None)

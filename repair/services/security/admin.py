"""三员分立: what the system administrator (accounts), the security administrator (roles, locks, sessions,
second factors) and the audit administrator (the security log) may do — each verb checks its duty."""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta

from sqlalchemy import select

from repair.domain.actors import Actor
from repair.domain.roles import ADMIN_DUTIES, ROLES
from repair.errors import NotFound, SeparationOfDuties, ValidationError
from repair.services.security import log, mfa, sessions, throttle
from repair.services.security.passwords import set_password
from repair.services.security.users import add_user
from repair.store.models import User
from repair.store.uow import UnitOfWork

BUSINESS_ROLES = tuple(r for r in ROLES if r not in ADMIN_DUTIES and r != "system")
FOREVER = timedelta(days=365 * 100)


def require_duty(actor: Actor, duty: str) -> None:
    """Raise SeparationOfDuties unless `actor` holds `duty` (one of ADMIN_DUTIES)."""
    if actor.role != duty:
        raise SeparationOfDuties(f"此操作属于{ROLES[duty]}的职责 / only the {duty} may do this", "role")


def create_user(uow: UnitOfWork, actor: Actor, *, username: str, role: str, now: datetime, ip: str,
                department: str | None = None, uscc: str | None = None, display_name: str = "") -> str:
    """System administrator: add a business account with a temporary password (changed at first sign-in).

    Returns the temporary password (shown once). Administrator accounts are made at the console only.
    """
    from repair.services.security.users import (
        add_user,  # identity lives beside; imported late to keep import order simple
    )

    require_duty(actor, "admin")
    if role not in BUSINESS_ROLES:
        raise SeparationOfDuties("管理员账户只能在服务器控制台创建 / administrator accounts are created at the console",
                                 "role")
    user = add_user(uow, username=username, role=role, department=department, uscc=uscc, now=now,
                    display_name=display_name)
    uow.flush()
    temporary = temporary_password()
    set_password(uow, user, temporary, now=now, must_change=True)
    log.record(uow, "user_created", actor=actor.username, subject=user.username, ip=ip, now=now, role=role)
    uow.commit()
    return temporary


def change_role(uow: UnitOfWork, actor: Actor, username: str, role: str, *, now: datetime, ip: str) -> None:
    """Security administrator: move a business account to another business role; its sessions end."""
    require_duty(actor, "security_admin")
    user = _user(uow, username)
    if role not in BUSINESS_ROLES or user.role in ADMIN_DUTIES:
        raise SeparationOfDuties("不能授予或变更管理员职责 / administrator duties cannot be granted or changed here",
                                 "role")
    if role in ("officer", "reviewer") and not user.department_code:
        raise ValidationError("经办人和审核人须属于部门 / officers and reviewers need a department", "role")
    if role == "enterprise" and not user.uscc:
        raise ValidationError("企业用户须有统一社会信用代码 / enterprise users need a USCC", "role")
    if role == user.role:
        return
    old, user.role = user.role, role
    sessions.revoke_all(uow, user.id, reason="role", now=now)
    log.record(uow, "role_changed", actor=actor.username, subject=username, ip=ip, now=now, old=old, new=role)
    uow.commit()


def lock(uow: UnitOfWork, actor: Actor, username: str, *, now: datetime, ip: str) -> None:
    """Security administrator: lock an account until unlocked; its sessions and tokens end."""
    require_duty(actor, "security_admin")
    user = _user(uow, username)
    if user.username == actor.username:
        raise SeparationOfDuties("不能锁定自己 / you cannot lock yourself", "username")
    state = throttle.state_of(uow, user)
    state.locked_until, state.locked_by = now.replace(tzinfo=None) + FOREVER, actor.username
    sessions.revoke_all(uow, user.id, reason="locked", now=now)
    log.record(uow, "locked", actor=actor.username, subject=username, ip=ip, now=now)
    uow.commit()


def unlock(uow: UnitOfWork, actor: Actor, username: str, *, now: datetime, ip: str) -> None:
    """Security administrator: lift a lock (automatic or manual) and clear the failure count."""
    require_duty(actor, "security_admin")
    user = _user(uow, username)
    state = throttle.state_of(uow, user)
    state.locked_until, state.locked_by, state.failed_count = None, None, 0
    log.record(uow, "unlocked", actor=actor.username, subject=username, ip=ip, now=now)
    uow.commit()


def end_sessions(uow: UnitOfWork, actor: Actor, username: str, *, now: datetime, ip: str) -> int:
    """Security administrator: end every session and API token of a user; returns how many sessions ended."""
    require_duty(actor, "security_admin")
    user = _user(uow, username)
    ended = sessions.revoke_all(uow, user.id, reason="admin", now=now)
    log.record(uow, "session_ended", actor=actor.username, subject=username, ip=ip, now=now, sessions=ended)
    uow.commit()
    return ended


def reset_second_factor(uow: UnitOfWork, actor: Actor, username: str, *, now: datetime, ip: str) -> None:
    """Security administrator: forget a user's TOTP and recovery codes (lost phone); they enrol again."""
    require_duty(actor, "security_admin")
    user = _user(uow, username)
    mfa.reset(throttle.state_of(uow, user))
    mfa.new_recovery_codes(uow, user)  # replaces the old ones; the new ones are never shown
    sessions.revoke_all(uow, user.id, reason="admin", now=now)
    log.record(uow, "mfa_reset", actor=actor.username, subject=username, ip=ip, now=now)
    uow.commit()


def accounts(uow: UnitOfWork, now: datetime) -> list[dict]:
    """Every account with its lock and second-factor state (for the security administrator)."""
    from repair.store.security_models import AccountSecurity

    stamp = now.replace(tzinfo=None)
    rows = uow.session.execute(select(User, AccountSecurity).outerjoin(AccountSecurity, AccountSecurity.user_id == User.id)
                               .order_by(User.username)).all()
    return [{"username": u.username, "role": u.role, "department": u.department_code, "active": u.active,
             "locked": bool(s and s.locked_until and s.locked_until > stamp),
             "mfa": mfa.enrolled(s), "must_change_password": bool(s and s.must_change_password)}
            for u, s in rows]


def temporary_password() -> str:
    """A random password that meets the policy (four classes, 16 characters)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    return core + secrets.choice(string.ascii_uppercase) + secrets.choice(string.ascii_lowercase) + \
        secrets.choice(string.digits) + "-"


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise NotFound(f"用户不存在 / no user {username!r}")
    return user


def console_enrol(uow: UnitOfWork, username: str, *, now: datetime, secret: str | None = None) -> str:
    """Console (`repair users add`, `repair demo`): give an account a confirmed TOTP secret; returns it.

    The operator at the server hands the secret over in person; no web enrolment is needed. Commits nothing.
    """
    import pyotp

    user = _user(uow, username)
    state = throttle.state_of(uow, user)
    state.totp_secret = secret or pyotp.random_base32()
    state.totp_enabled_at = now.replace(tzinfo=None)
    state.totp_last_step = None
    return state.totp_secret


def add_console_user(uow: UnitOfWork, *, username: str, role: str, department: str | None, uscc: str | None,
                     password: str | None, mfa_roles: tuple[str, ...], now: datetime) -> str | None:
    """A user added at the server's console (`repair users add`), committed; returns the TOTP secret to hand
    over in person when the role requires the second factor, else None. The password policy applies here too."""
    user = add_user(uow, username=username, role=role, department=department, uscc=uscc, now=now)
    uow.flush()
    if password is not None:
        set_password(uow, user, password, now=now)
    secret = console_enrol(uow, username, now=now) if role in mfa_roles else None
    uow.commit()
    return secret

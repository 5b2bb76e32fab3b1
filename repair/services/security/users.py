"""Users and the actors they become when they act."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from repair.domain.actors import ROLES, SYSTEM, SYSTEM_ACTOR, Actor
from repair.domain.uscc import check_uscc
from repair.errors import NotFound, ValidationError
from repair.store.models import Department, User
from repair.store.uow import UnitOfWork

HUMAN_ROLES = tuple(r for r in ROLES if r != SYSTEM)


def load_actor(uow: UnitOfWork, username: str) -> Actor:
    """The actor behind a username (`system` is the engine itself)."""
    if username == SYSTEM:
        return SYSTEM_ACTOR
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound(f"用户不存在或已停用 / no active user {username!r}")
    return Actor(username=user.username, role=user.role, department=user.department_code, uscc=user.uscc)


USERNAME = re.compile(r"[A-Za-z0-9_.-]+")


def add_user(uow: UnitOfWork, *, username: str, role: str, now: datetime, department: str | None = None,
             uscc: str | None = None, password: str | None = None, display_name: str = "") -> User:
    """Create a user; officers, reviewers bind to a department, enterprise users to a USCC."""
    username = (username or "").strip()
    if not username or len(username) > 64 or username == SYSTEM or not USERNAME.fullmatch(username):
        raise ValidationError(f"用户名无效（仅限字母、数字、_ . -，至多 64 位）/ invalid username {username!r}: "
                              "letters, digits, _ . - only, at most 64", "username")
    if role not in HUMAN_ROLES:
        raise ValidationError(f"角色无效 / invalid role {role!r} (expected {', '.join(HUMAN_ROLES)})", "role")
    # Options that do not apply to the role are refused rather than silently dropped.
    if department and role not in ("officer", "reviewer"):
        raise ValidationError(f"{role} 不属于部门，不能指定 --department / --department does not apply to {role}",
                              "department")
    if uscc and role != "enterprise":
        raise ValidationError(f"只有企业用户可指定 --uscc / --uscc does not apply to {role}", "uscc")
    if role in ("officer", "reviewer") and not department:
        raise ValidationError(f"{role} 必须指定部门 / --department is required for {role}", "department")
    if role == "enterprise":
        if not uscc:
            raise ValidationError("企业用户必须指定统一社会信用代码 / --uscc is required for enterprise users", "uscc")
        result = check_uscc(uscc)
        if not result.valid:
            raise ValidationError(f"统一社会信用代码无效 / invalid USCC {uscc}: {result.reason}", "uscc")
    if department and uow.session.get(Department, department) is None:
        raise ValidationError(f"部门不存在 / unknown department {department!r}", "department")
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError(f"用户名已存在 / username {username!r} already exists", "username")
    if password is not None and len(password) < 8:
        raise ValidationError("密码至少 8 位 / password must have at least 8 characters", "password")
    user = User(username=username, role=role, department_code=department if role != "enterprise" else None,
                uscc=uscc if role == "enterprise" else None, display_name=display_name,
                password_hash=generate_password_hash(password, method="scrypt") if password else None,
                active=True, created_at=now.replace(tzinfo=None))
    uow.session.add(user)
    return user


def list_users(uow: UnitOfWork) -> list[dict]:
    """Every user as plain data."""
    users = uow.session.scalars(select(User).order_by(User.username)).all()
    return [{"username": u.username, "role": u.role, "department": u.department_code, "uscc": u.uscc,
             "display_name": u.display_name, "active": u.active} for u in users]

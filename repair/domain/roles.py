"""The roles a user (or the system itself) can act in, with their Chinese titles."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

ROLES: Mapping[str, str] = MappingProxyType({
    "enterprise": "企业",
    "officer": "经办人",
    "reviewer": "审核人",
    "auditor": "审计员",
    "admin": "系统管理员",
    "security_admin": "安全管理员",
    "audit_admin": "安全审计员",
    "system": "系统",
})

# 三员分立 (GB/T 22239-2019 8.1.4.2): system, security and audit administrators are three accounts; an
# account has exactly one role, and no one grants these roles from the web (only the console can).
ADMIN_DUTIES: tuple[str, ...] = ("admin", "security_admin", "audit_admin")
# Roles that must sign in with a second factor (REPAIR_MFA_ROLES changes the list).
MFA_ROLES_DEFAULT: tuple[str, ...] = ("admin", "security_admin", "audit_admin", "reviewer", "auditor")


def role_title(role: str) -> str:
    """Return the Chinese title of `role`, or the identifier itself when unknown."""
    return ROLES.get(role, role)

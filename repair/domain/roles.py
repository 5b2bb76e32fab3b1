"""The roles a user (or the system itself) can act in, with their Chinese titles."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

ROLES: Mapping[str, str] = MappingProxyType({
    "enterprise": "企业",
    "officer": "经办人",
    "reviewer": "审核人",
    "auditor": "审计员",
    "admin": "管理员",
    "system": "系统",
})


def role_title(role: str) -> str:
    """Return the Chinese title of `role`, or the identifier itself when unknown."""
    return ROLES.get(role, role)

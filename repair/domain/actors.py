"""Who acts: a user's identity and role, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from repair.domain.roles import ROLES

SYSTEM = "system"
# Roles that see every department and enterprise (read only for auditors).
SEE_ALL = ("auditor", "admin")
__all__ = ["ROLES", "SEE_ALL", "SYSTEM", "SYSTEM_ACTOR", "Actor"]


@dataclass(frozen=True)
class Actor:
    """The person (or the system) firing a trigger."""

    username: str
    role: str
    department: str | None = None
    uscc: str | None = None

    def in_scope(self, department: str, uscc: str) -> bool:
        """May this actor act on a case of `department` for enterprise `uscc`?"""
        if self.role in ("officer", "reviewer"):
            return self.department == department
        if self.role == "enterprise":
            return self.uscc == uscc
        return self.role in ("admin", SYSTEM)

    def may_see(self, department: str, uscc: str) -> bool:
        """May this actor see things of `department` concerning enterprise `uscc`?"""
        return self.role in SEE_ALL or self.in_scope(department, uscc)


SYSTEM_ACTOR = Actor(username=SYSTEM, role=SYSTEM)

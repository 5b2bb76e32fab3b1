"""Password policy of GB/T 22239-2019 (等保2.0 三级) 8.1.4.1 a): length, character classes, not the username.

Reuse of the last passwords and expiry need stored history and are checked by the identity services.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MIN_LENGTH = 10
MAX_LENGTH = 128  # bounds the KDF's work per request
MIN_CLASSES = 3
HISTORY = 5  # a new password may not repeat any of the last HISTORY ones


@dataclass(frozen=True)
class PasswordPolicy:
    """The configurable parts of the policy (expiry in days; 0 means passwords never expire)."""

    min_length: int = MIN_LENGTH
    min_classes: int = MIN_CLASSES
    history: int = HISTORY
    max_age_days: int = 90


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters `password` uses."""
    classes = set()
    for char in password:
        if char.isascii() and char.islower():
            classes.add("lower")
        elif char.isascii() and char.isupper():
            classes.add("upper")
        elif char.isdigit():
            classes.add("digit")
        else:
            classes.add("other")
    return len(classes)


def policy_problems(password: str, username: str, policy: PasswordPolicy = PasswordPolicy()) -> list[str]:
    """Every rule `password` breaks, as bilingual one-line messages (empty when it is acceptable)."""
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"密码至少 {policy.min_length} 位 / at least {policy.min_length} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码至多 {MAX_LENGTH} 位 / at most {MAX_LENGTH} characters")
    if character_classes(password) < policy.min_classes:
        problems.append(f"须包含大写字母、小写字母、数字、其他字符中的至少 {policy.min_classes} 类 / "
                        f"use at least {policy.min_classes} of upper case, lower case, digits and other characters")
    folded = unicodedata.normalize("NFKC", password).casefold()
    name = unicodedata.normalize("NFKC", username or "").casefold()
    if name and (name in folded or folded in name):
        problems.append("密码不得包含用户名 / must not contain the username")
    if any(unicodedata.category(c) == "Cc" for c in password):
        problems.append("密码不得含控制字符 / no control characters")
    return problems

"""Unified social credit code (统一社会信用代码, GB 32100-2015): validation and generation.

Only the length, the alphabet and the position-18 check character make a code invalid. The
registration authority (pos 1), the entity type (pos 2), the division code (pos 3–8) and the
organisation-code check (pos 17, GB 11714) only produce warnings: some real legacy codes fail them,
and refusing a real enterprise is worse than accepting an odd-looking code.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11714 organisation code: its own alphabet (letters include I, O, S, V, Z) and mod-11 weights.
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authority (pos 1) → entity-type codes (pos 2) it issues, per GB 32100-2015 Annex.
_AUTHORITY_TYPES = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 / 市场监管
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}


@dataclass(frozen=True)
class UsccResult:
    """Outcome of checking one code; `code` is the normalised (stripped, upper-case) input."""

    code: str
    valid: bool
    reason: str | None = None
    warnings: tuple[str, ...] = ()


def uscc_check_char(first17: str) -> str:
    """Return the position-18 check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"需要17位合法字符 / need 17 characters from {ALPHABET}: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character (pos 17 of a USCC) for the 8-character organisation body."""
    if len(first8) != 8 or any(c not in _ORG_ALPHABET for c in first8):
        raise ValueError(f"需要8位数字或大写字母 / need 8 digits or capital letters: {first8!r}")
    remainder = 11 - sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def make_uscc(org_body: str, *, authority: str = "9", entity_type: str = "1",
              division: str = "310115") -> str:
    """Build a valid code from an 8-character organisation body (both check characters computed)."""
    first17 = f"{authority}{entity_type}{division}{org_body}{org_code_check_char(org_body)}"
    return first17 + uscc_check_char(first17)


def check_uscc(code: str) -> UsccResult:
    """Validate a code; `reason` (Chinese / English) explains the first error, `warnings` the doubts."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        return UsccResult(normalised, False, f"长度应为18位，实为{len(normalised)}位 / "
                                             f"length must be 18, got {len(normalised)}")
    for position, char in enumerate(normalised, start=1):
        if char not in _VALUE:
            return UsccResult(normalised, False, f"第{position}位字符 {char!r} 不合法（不得含 I、O、S、V、Z）/ "
                                                 f"invalid character {char!r} at position {position}")
    expected = uscc_check_char(normalised[:17])
    if normalised[17] != expected:
        return UsccResult(normalised, False, f"第18位校验码应为 {expected} / check character should be {expected}",
                          _warnings(normalised))
    return UsccResult(normalised, True, None, _warnings(normalised))


def _warnings(code: str) -> tuple[str, ...]:
    found = []
    authority, entity_type = code[0], code[1]
    if authority not in _AUTHORITY_TYPES:
        found.append(f"第1位登记管理部门代码 {authority} 不在国标列表中 / unknown registration authority {authority}")
    elif entity_type not in _AUTHORITY_TYPES[authority]:
        found.append(f"第2位机构类别代码 {entity_type} 与登记管理部门 {authority} 不符 / "
                     f"unusual entity type {entity_type} for authority {authority}")
    if not code[2:8].isdigit():
        found.append(f"第3–8位行政区划码 {code[2:8]} 应为数字 / division code {code[2:8]} should be digits")
    expected = org_code_check_char(code[8:16])
    if code[16] != expected:
        found.append(f"第17位组织机构代码校验位应为 {expected}（部分存量代码不符）/ "
                     f"organisation-code check should be {expected}")
    return tuple(found)

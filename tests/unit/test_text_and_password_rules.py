"""Free-text rules (NFC, refused characters), the password policy and the security log's chain, as pure rules."""

from datetime import datetime

import pytest

from repair.domain.history import GENESIS
from repair.domain.passwords import policy_problems
from repair.domain.seclog import SecurityFacts, chain_hash, chain_problems
from repair.domain.text import clean_text, first_unsafe
from repair.errors import UnsafeInput


@pytest.mark.parametrize("value, multiline, bad", [
    ("信用修复 2026", False, None), ("第一行\r\n第二行\t", True, None), ("a\tb", False, "\t"),
    ("a\x07b", True, "\x07"), ("a\u0378b", False, "\u0378"), ("a\ue000b", False, "\ue000"),
    ("a\u202eb", False, "\u202e"), ("a\ufdd0b", False, "\ufdd0"), ("a\x85b", False, "\x85"), ("ｅ中文", False, None),
])
def test_refused_characters(value, multiline, bad):
    assert first_unsafe(value, multiline=multiline) == bad


def test_clean_text_normalises_to_nfc_and_names_the_character():
    assert clean_text("Cafe\u0301", field="reason") == "Caf\u00e9"
    with pytest.raises(UnsafeInput, match="U\\+0000"):
        clean_text("a\x00", field="reason")


@pytest.mark.parametrize("password, broken", [
    ("Short-1", ["至少 10 位"]), ("alllowercase", ["至少 3 类"]), ("Xfgw_officer-9", ["用户名"]),
    ("Good-Pass-2026", []), ("中文密码abc123456", []),
])
def test_password_policy(password, broken):
    problems = policy_problems(password, "fgw_officer")
    assert len(problems) == len(broken) and all(any(b in p for p in problems) for b in broken)


def test_security_chain_finds_edits_and_truncation():
    rows, prev = [], GENESIS
    for seq in (1, 2, 3):
        facts = SecurityFacts(seq=seq, at=datetime(2026, 12, 2, 9, seq), kind="sign_in", actor="a", subject="a",
                              ip="10.0.0.1", detail={})
        digest = chain_hash(prev, facts)
        rows.append((facts, prev, digest))
        prev = digest
    assert chain_problems(rows, 3) == []
    edited = [rows[0], (SecurityFacts(**{**rows[1][0].__dict__, "subject": "b"}), rows[1][1], rows[1][2]), rows[2]]
    assert any("content" in p for p in chain_problems(edited, 3))
    assert any("counter" in p for p in chain_problems(rows[:2], 3))

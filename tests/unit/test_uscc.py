"""Unified social credit code validation (GB 32100-2015)."""

from __future__ import annotations

import dataclasses

import pytest

from repair.domain.uscc import ALPHABET, check_uscc, make_uscc, org_code_check_char, uscc_check_char

VALID = [
    "91310115MA1K4QWE8M",  # enterprise, Pudong (domain.md example)
    "91310104MA7C2R8N4W",  # enterprise, Xuhui
    "913100001322047343",  # enterprise, Shanghai municipal level
    "12310000425003012E",  # public institution registered by 机构编制
    "914403001922038216",  # public real codes
    "91330100716105852F",
    "9144030071526726XG",
    "91310104MA10000090",  # check sum ≡ 0 (mod 31): check character 0, not 31
    "91310104MA1000121Y",  # check sum ≡ 1 (mod 31): check character Y (value 30)
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass_without_warnings(code):
    result = check_uscc(code)
    assert result == check_uscc(code)
    assert (result.code, result.valid, result.reason, result.warnings) == (code, True, None, ())


def test_input_is_normalised_to_stripped_upper_case():
    result = check_uscc("  91310115ma1k4qwe8m\n")
    assert result.code == "91310115MA1K4QWE8M"
    assert result.valid


@pytest.mark.parametrize("code, length", [("91310115MA1K4QWE8", 17), ("91310115MA1K4QWE8MM", 19), ("", 0)])
def test_wrong_length_is_rejected(code, length):
    result = check_uscc(code)
    assert not result.valid
    assert result.reason == f"长度应为18位，实为{length}位 / length must be 18, got {length}"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_rejected_with_their_position(letter):
    code = "91310115MA1K4QWE8M"
    corrupted = code[:10] + letter + code[11:]
    result = check_uscc(corrupted)
    assert not result.valid
    assert result.reason.startswith(f"第11位字符 '{letter}' 不合法")
    assert "invalid character" in result.reason


def test_public_invalid_vectors():
    with_s = check_uscc("91532300MA6SSECM1K")
    assert not with_s.valid and "第12位" in with_s.reason
    wrong = check_uscc("91310000MA1FL1234X")
    assert not wrong.valid
    assert wrong.reason == "第18位校验码应为 Q / check character should be Q"
    assert len(wrong.warnings) == 1 and "第17位组织机构代码校验位应为 7" in wrong.warnings[0]


@pytest.mark.parametrize("code", VALID[:4])
def test_every_single_character_change_is_caught(code):
    caught = 0
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            corrupted = code[:position] + char + code[position + 1:]
            assert not check_uscc(corrupted).valid, corrupted
            caught += 1
    assert caught == 18 * 30


@pytest.mark.parametrize("code", VALID[:3])
def test_adjacent_transpositions_of_different_characters_are_caught(code):
    for position in range(17):
        a, b = code[position], code[position + 1]
        if a != b:
            assert not check_uscc(code[:position] + b + a + code[position + 2:]).valid


def test_failed_organisation_code_check_is_only_a_warning():
    first17 = "91310115MA1K4QWE" + "0"  # the organisation-code check should be 8
    code = first17 + uscc_check_char(first17)
    result = check_uscc(code)
    assert result.valid
    assert result.reason is None
    assert result.warnings == ("第17位组织机构代码校验位应为 8（部分存量代码不符）/ organisation-code check should be 8",)


def test_unknown_authority_and_type_are_warnings_not_errors():
    unknown_authority = make_uscc("MA1K4QWE", authority="B")
    result = check_uscc(unknown_authority)
    assert result.valid and len(result.warnings) == 1 and "第1位" in result.warnings[0]
    odd_type = check_uscc(make_uscc("MA1K4QWE", authority="9", entity_type="7"))
    assert odd_type.valid and "第2位" in odd_type.warnings[0]
    letters_in_division = check_uscc(make_uscc("MA1K4QWE", division="31A115"))
    assert letters_in_division.valid and "第3–8位" in letters_in_division.warnings[0]


def test_check_characters_of_the_worked_example():
    assert uscc_check_char("91310115MA1K4QWE8") == "M"
    assert org_code_check_char("MA1K4QWE") == "8"
    assert org_code_check_char("71526726") == "X"  # remainder 10 maps to X


@pytest.mark.parametrize("bad", ["9131011", "91310115MA1K4QWEO", "91310115MA1K4QWE8M"])
def test_check_char_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        uscc_check_char(bad)


@pytest.mark.parametrize("body", ["MA1K4QWE", "13220473", "MA7C2R8N", "42500301", "00000000", "YYYYYYYY"])
def test_make_uscc_builds_valid_codes_without_warnings(body):
    code = make_uscc(body)
    assert len(code) == 18 and code[8:16] == body
    assert check_uscc(code) == check_uscc(code) and check_uscc(code).valid
    assert check_uscc(code).warnings == ()


def test_make_uscc_reproduces_known_code():
    assert make_uscc("MA1K4QWE") == "91310115MA1K4QWE8M"
    assert make_uscc("42500301", authority="1", entity_type="2", division="310000") == "12310000425003012E"


def test_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        check_uscc(VALID[0]).valid = False

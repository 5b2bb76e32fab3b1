"""case_events is chained per case by SHA-256; `repair audit verify` finds edits, deletions and reorders."""

import subprocess

import pytest
from sqlalchemy import text

from tests.conftest import at


@pytest.fixture
def two_cases(make_case, fire):
    first = make_case(when=at("2026-11-02"))
    second = make_case(when=at("2026-11-02"))
    for case_no in (first, second):
        fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
        fire(case_no, "request_supplement", "fgw_officer", at("2026-11-04"), reason="缺少材料")
        fire(case_no, "supply", "ent", at("2026-11-05"))
    return first, second


def verify(cli_env):
    return subprocess.run([".venv/bin/repair", "audit", "verify"], capture_output=True, text=True, env=cli_env,
                          timeout=120)


def sql(runtime, statement, **params):
    with runtime.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_intact_history_verifies(two_cases, cli_env):
    result = verify(cli_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已校验 2 个案件、8 条事件" in result.stdout


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_last", "reorder"])
def test_tampering_is_detected_and_named(world, two_cases, cli_env, tamper):
    victim, untouched = two_cases
    case_id = "(SELECT id FROM cases WHERE case_no = :case_no)"
    if tamper == "edit":
        sql(world, f"UPDATE case_events SET actor = 'someone_else' WHERE case_id = {case_id} AND seq = 2",
            case_no=victim)
    elif tamper == "delete_middle":
        sql(world, f"DELETE FROM case_events WHERE case_id = {case_id} AND seq = 3", case_no=victim)
    elif tamper == "delete_last":
        sql(world, f"DELETE FROM case_events WHERE case_id = {case_id} AND seq = 4", case_no=victim)
    else:
        sql(world, f"UPDATE case_events SET seq = seq + 100 WHERE case_id = {case_id} AND seq IN (2, 3)",
            case_no=victim)
        sql(world, f"UPDATE case_events SET seq = 5 - (seq - 100) WHERE case_id = {case_id} AND seq > 100",
            case_no=victim)
    result = verify(cli_env)
    assert result.returncode == 1
    assert f"{victim}: 历史被篡改" in result.stdout
    assert untouched not in result.stdout

"""Due dates beyond the official calendar are provisional; loading that year's official schedule recomputes them
with history."""

import subprocess

from tests.conftest import at

# 2027 data as the State Council might announce it (illustrative test data, not a real announcement):
# New Year 01-01..01-04 and a make-up working Saturday 2027-01-09.
CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-04,holiday,元旦
2027-01-09,workday,调休上班
"""


def test_provisional_due_is_recomputed_when_the_year_is_loaded(world, make_case, fire, show, cli_env, tmp_path):
    case_no = make_case(when=at("2026-12-24"))
    fire(case_no, "accept", "fgw_officer", at("2026-12-28"))  # decision: 7 WD, crosses into 2027
    decision = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    # provisional rule: 12-29, 12-30, 12-31, (01-01 holiday), 01-04..01-07 → 7th WD is 2027-01-07
    assert (decision["due"], decision["provisional"]) == ("2027-01-07", True)
    assert "暂估" in decision["derivation"]
    csv = tmp_path / "2027.csv"
    csv.write_text(CSV_2027, encoding="utf-8")
    result = subprocess.run([".venv/bin/repair", "calendar", "load", str(csv), "--official", "2027", "--actor",
                             "admin"], capture_output=True, text=True, env=cli_env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{case_no} decision: 2027-01-07 → 2027-01-08\n" in result.stdout  # Monday 01-04 is now a holiday
    decision = {d["stage"]: d for d in show(case_no)["deadlines"]}["decision"]
    assert decision["provisional"] is False
    # feedback (10 WD from 12-24) ends on the make-up Saturday 01-09
    events = show(case_no)["events"]
    recomputed = [e for e in events if e["trigger"] == "recompute_deadline"]
    assert recomputed and recomputed[-1]["actor"] == "admin"
    assert f"{case_no} feedback: 2027-01-08 → 2027-01-09\n" in result.stdout


def test_calendar_load_requires_an_administrator(world, cli_env, tmp_path):
    csv = tmp_path / "2027.csv"
    csv.write_text(CSV_2027, encoding="utf-8")
    result = subprocess.run([".venv/bin/repair", "calendar", "load", str(csv), "--actor", "fgw_officer"],
                            capture_output=True, text=True, env=cli_env, timeout=120)
    assert result.returncode == 3 and "管理员" in result.stderr

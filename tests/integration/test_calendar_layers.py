"""Calendar layers through the CLI: official → provisional → overrides, each day with its source (issue 13, point 1).

2027 has no official data in `chinese_calendar`: it is provisional until its whole-year schedule is loaded with
`repair calendar load --official 2027`; overrides change single days and never drop a lower layer's holiday.
"""

import json
import subprocess

import pytest

from tests.conftest import at


@pytest.fixture
def repair(cli_env):
    def run(*args):
        return subprocess.run([".venv/bin/repair", *args], capture_output=True, text=True, env=cli_env, timeout=120)

    return run


def _csv(tmp_path, name: str, rows: str):
    path = tmp_path / name
    path.write_text("date,kind,name\n" + rows, encoding="utf-8")
    return str(path)


def _days(repair, year: int) -> dict:
    shown = repair("calendar", "show", str(year), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_a_partial_override_keeps_the_provisional_holidays_and_the_year_provisional(world, repair, tmp_path):
    loaded = repair("calendar", "load", _csv(tmp_path, "feb.csv", "2027-02-08,holiday,春节（区调整）\n"),
                    "--actor", "admin")
    assert loaded.returncode == 0, loaded.stderr
    data = _days(repair, 2027)
    assert data["provisional"] is True
    listed = {d["date"]: (d["kind"], d["source"]) for d in data["days"]}
    assert listed["2027-01-01"] == ("holiday", "provisional")
    assert listed["2027-10-03"] == ("holiday", "provisional")
    assert listed["2027-02-08"] == ("holiday", "override")
    every = {d["date"]: d for d in data["every_day"]}
    assert len(every) == 365
    assert every["2027-02-09"]["source"] == "provisional" and every["2027-02-09"]["workday"] is True
    assert every["2027-02-08"]["workday"] is False
    assert repair("calendar", "add-workdays", "2026-12-31", "1").stdout == "2027-01-04 provisional\n"


def test_every_load_recomputes_the_deadlines_it_moves_and_says_how_many(world, make_case, show, repair, tmp_path):
    case_no = make_case(when=at("2027-01-27"))
    feedback = {d["stage"]: d for d in show(case_no)["deadlines"]}["feedback"]
    assert (feedback["due"], feedback["provisional"]) == ("2027-02-10", True)
    first = repair("calendar", "load", _csv(tmp_path, "a.csv", "2027-02-08,holiday,春节\n"), "--actor", "admin")
    assert first.returncode == 0, first.stderr
    assert f"{case_no} feedback: 2027-02-10 → 2027-02-11" in first.stdout
    second = repair("calendar", "load", _csv(tmp_path, "b.csv", "2027-02-09,holiday,春节\n2027-02-10,holiday,春节\n"),
                    "--actor", "admin")
    assert second.returncode == 0, second.stderr
    assert f"{case_no} feedback: 2027-02-11 → 2027-02-15" in second.stdout
    assert "重算截止日 1 个 / 1 due dates recomputed" in second.stdout
    feedback = {d["stage"]: d for d in show(case_no)["deadlines"]}["feedback"]
    assert (feedback["due"], feedback["provisional"]) == ("2027-02-15", True)
    assert "02-08 至 02-10 春节" in feedback["derivation"]
    # Loading the same rows again changes nothing and recomputes nothing.
    again = repair("calendar", "load", _csv(tmp_path, "c.csv", "2027-02-09,holiday,春节\n2027-02-10,holiday,春节\n"),
                   "--actor", "admin")
    assert "重算截止日 0 个 / 0 due dates recomputed" in again.stdout
    events = [e for e in show(case_no)["events"] if e["trigger"] == "recompute_deadline"]
    assert len(events) == 2 and all(e["actor"] == "admin" for e in events)


def test_an_official_whole_year_schedule_makes_the_year_known(world, make_case, show, repair, tmp_path):
    case_no = make_case(when=at("2027-01-27"))
    override = repair("calendar", "load", _csv(tmp_path, "o.csv", "2027-03-01,holiday,区级调整\n"), "--actor", "admin")
    assert override.returncode == 0, override.stderr
    schedule = _csv(tmp_path, "2027.csv", "2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n"
                                          "2027-02-07,holiday,春节\n2027-02-08,holiday,春节\n"
                                          "2027-02-09,holiday,春节\n2027-02-10,holiday,春节\n"
                                          "2027-02-11,holiday,春节\n2027-02-12,holiday,春节\n"
                                          "2027-02-20,workday,春节调休\n2027-10-01,holiday,国庆节\n")
    loaded = repair("calendar", "load", schedule, "--official", "2027", "--actor", "admin")
    assert loaded.returncode == 0, loaded.stderr
    # both clocks change: acceptance keeps its date but is no longer provisional, feedback moves
    assert f"{case_no} acceptance: 2027-02-01 → 2027-02-01\n" in loaded.stdout
    assert "重算截止日 2 个 / 2 due dates recomputed" in loaded.stdout
    data = _days(repair, 2027)
    assert data["provisional"] is False
    listed = {d["date"]: (d["kind"], d["source"]) for d in data["days"]}
    assert listed["2027-02-20"] == ("workday", "official")
    assert listed["2027-03-01"] == ("holiday", "override")  # the override stays on top
    assert "2027-10-02" not in listed  # the provisional guess gave way to the official schedule
    feedback = {d["stage"]: d for d in show(case_no)["deadlines"]}["feedback"]
    # 01-28, 01-29, 02-01..02-05 (7), 02-15..02-17 → 10th working day is 2027-02-17
    assert (feedback["due"], feedback["provisional"]) == ("2027-02-17", False)


def test_an_official_schedule_must_be_a_whole_year_the_library_lacks(world, repair, tmp_path):
    library = repair("calendar", "load", _csv(tmp_path, "2026.csv", "2026-01-01,holiday,元旦\n"),
                     "--official", "2026", "--actor", "admin")
    assert library.returncode == 2 and "chinese_calendar" in library.stderr
    stray = repair("calendar", "load", _csv(tmp_path, "x.csv", "2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n"),
                   "--official", "2027", "--actor", "admin")
    assert stray.returncode == 2 and "2028-01-01" in stray.stderr
    no_holiday = repair("calendar", "load", _csv(tmp_path, "y.csv", "2027-02-20,workday,调休\n"),
                        "--official", "2027", "--actor", "admin")
    assert no_holiday.returncode == 2
    assert _days(repair, 2027)["provisional"] is True

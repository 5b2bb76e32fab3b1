"""The `repair` command line: outputs, JSON keys and exit codes are a contract."""

import json
import subprocess

import pytest

from tests.conftest import USCC, at


@pytest.fixture
def repair(cli_env):
    def run(*args, stdin: str | None = None):
        return subprocess.run([".venv/bin/repair", *args], capture_output=True, text=True, env=cli_env,
                              input=stdin, timeout=120)

    return run


def test_uscc_check_lines_and_exit_code(repair):
    ok = repair("uscc", "check", "91310115MA1K4QWE8M")
    assert (ok.returncode, ok.stdout) == (0, "91310115MA1K4QWE8M valid\n")
    mixed = repair("uscc", "check", "91310115MA1K4QWE8M", "91310115MA1K4QWE8N", "123")
    lines = mixed.stdout.splitlines()
    assert mixed.returncode == 1
    assert lines[0] == "91310115MA1K4QWE8M valid"
    assert lines[1].startswith("91310115MA1K4QWE8N invalid: ") and lines[2].startswith("123 invalid: ")


def test_add_workdays_plain_json_and_batch(repair, tmp_path):
    assert repair("calendar", "add-workdays", "2026-09-30", "3").stdout == "2026-10-10\n"
    data = json.loads(repair("calendar", "add-workdays", "2026-12-30", "3", "--json").stdout)
    assert data["due"] == "2027-01-05" and data["provisional"] is True and "暂估" in data["derivation"]
    batch = repair("calendar", "add-workdays", "--batch", "-", stdin="2026-09-30 3\n2026-12-30 3\n\n2026-02-13 1\n")
    assert batch.stdout == "2026-10-10\n2027-01-05 provisional\n2026-02-14\n"


def test_bad_input_is_one_line_and_exit_2(repair):
    for args in (("calendar", "add-workdays", "2026-13-01", "3"),
                 ("calendar", "add-workdays", "--batch", "-"),
                 ("rules", "window", "--channel", "xyz", "--tier", "general", "--decided-on", "2026-01-01"),
                 ("case", "show", "NOPE-1"),
                 ("users", "add", "x", "--role", "officer")):
        result = repair(*args, stdin="not a line\n")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.strip(), args


def test_rules_window_json(repair):
    result = repair("rules", "window", "--channel", "ndrc", "--tier", "general", "--decided-on", "2026-11-30",
                    "--as-of", "2026-11-30", "--json")
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("regime", "min_publicity_end", "max_publicity_end", "earliest_application")} == {
        "regime": "ndrc-2026", "min_publicity_end": "2027-02-28", "max_publicity_end": "2027-11-30",
        "earliest_application": "2027-02-28"}
    assert "22号" in data["basis"]
    old = json.loads(repair("rules", "window", "--channel", "samr", "--tier", "general", "--decided-on", "2025-03-01",
                            "--published-on", "2025-03-10", "--sector", "food", "--as-of", "2025-06-01",
                            "--json").stdout)
    assert (old["regime"], old["min_publicity_end"], old["max_publicity_end"]) == ("samr-2021", "2026-03-10",
                                                                                    "2028-03-10")


def test_workflows_check_and_diagram(repair):
    check = repair("workflows", "check")
    assert check.returncode == 0 and check.stdout.count(" ok: ") == 6
    diagram = repair("workflows", "diagram", "penalty_repair")
    assert diagram.stdout.startswith("flowchart TD")  # display names only, see repair/domain/diagram.py
    assert "待补正" in diagram.stdout


def test_case_list_show_fire_and_exit_codes(repair, make_case, sealing):
    # Unpaid: the automatic fulfilment check after `accept` leaves the case in the stage, naming what is missing.
    case_no = make_case(when=at("2026-11-02"), paid=False)
    listed = json.loads(repair("case", "list", "--json").stdout)
    assert listed == [{**listed[0], "case_no": case_no, "state": "submitted", "version": 1,
                       "workflow": "penalty_repair", "department": "FGW", "uscc": USCC}]
    assert "due" in listed[0]
    refused = repair("case", "fire", case_no, "grant", "--actor", "fgw_reviewer")
    assert refused.returncode == 3 and "submitted" in refused.stderr
    stale = repair("case", "fire", case_no, "accept", "--actor", "fgw_officer", "--expect-version", "7")
    assert stale.returncode == 4
    accepted = repair("case", "fire", case_no, "accept", "--actor", "fgw_officer")
    assert accepted.returncode == 0 and "submitted → fulfilment_check" in accepted.stdout
    assert "受理通知书 FGW信受〔2026〕1号 sealed" in accepted.stdout
    assert "自动履行核查 / fulfilment check: fulfilment_check；罚款未缴清：应缴 5000.00 元，已缴 0 元" in accepted.stdout
    shown = json.loads(repair("case", "show", case_no, "--json").stdout)
    assert (shown["state"], shown["version"], shown["regime"]) == ("fulfilment_check", 2, "ndrc-2026")
    assert [{k: e[k] for k in ("seq", "trigger", "from", "to", "actor")} for e in shown["events"]] == [
        {"seq": 1, "trigger": "submit", "from": None, "to": "submitted", "actor": "ent"},
        {"seq": 2, "trigger": "accept", "from": "submitted", "to": "fulfilment_check", "actor": "fgw_officer"}]
    assert all(e["at"] for e in shown["events"])
    deadline_keys = {"stage", "started_on", "due", "met_on", "provisional", "paused_days", "derivation"}
    assert all(deadline_keys <= set(d) for d in shown["deadlines"])
    missing_reason = repair("case", "fire", case_no, "request_supplement", "--actor", "fgw_officer")
    assert missing_reason.returncode == 2 and "理由" in missing_reason.stderr


def test_records_and_users(repair, make_record):
    make_record()
    records = json.loads(repair("records", "list", "--json").stdout)
    assert {"kind", "authority", "decision_no", "uscc", "party", "tier", "decided_on", "status"} <= set(records[0])
    assert records[0]["authority"] == "FGW"
    added = repair("users", "add", "new_officer", "--role", "officer", "--department", "FGW", "--password-stdin",
                   stdin="correct horse battery 9\n")
    assert added.returncode == 0, added.stderr
    users = {u["username"]: u for u in json.loads(repair("users", "list", "--json").stdout)}
    assert {k: users["new_officer"][k] for k in ("username", "role", "department", "uscc")} == {
        "username": "new_officer", "role": "officer", "department": "FGW", "uscc": None}
    duplicate = repair("users", "add", "new_officer", "--role", "officer", "--department", "FGW")
    assert duplicate.returncode == 2
    weak = repair("users", "add", "weak_officer", "--role", "officer", "--department", "FGW", "--password-stdin",
                  stdin="correct horse battery\n")  # two character classes: the password policy refuses it
    assert weak.returncode == 2 and "3 类" in weak.stderr
    reviewer = repair("users", "add", "new_reviewer", "--role", "reviewer", "--department", "FGW", "--password-stdin",
                      stdin="correct horse battery 9\n")
    assert reviewer.returncode == 0 and "TOTP secret: " in reviewer.stdout and "otpauth://totp/" in reviewer.stdout


def test_init_is_idempotent(repair):
    first, second = repair("init"), repair("init")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "registered workflow" not in second.stdout


def test_calendar_show_lists_holidays_and_make_up_days(repair):
    shown = repair("calendar", "show", "2026")
    assert "2026-10-01  放假  国庆节  (official)" in shown.stdout
    assert "2026-10-10  调休上班" in shown.stdout
    provisional = json.loads(repair("calendar", "show", "2031", "--json").stdout)
    assert provisional["provisional"] is True
    assert {d["date"] for d in provisional["days"]} >= {"2031-01-01", "2031-05-01", "2031-10-03"}


def test_unreachable_database_is_one_line_not_a_traceback(cli_env, tmp_path):
    env = {**cli_env, "REPAIR_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = subprocess.run([".venv/bin/repair", "case", "list"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_letter_that_cannot_be_sealed_waits_for_resume(repair, make_case, tmp_path):
    case_no = make_case(when=at("2026-11-02"))
    accepted = repair("case", "fire", case_no, "accept", "--actor", "fgw_officer")  # no seal keys yet
    assert accepted.returncode == 0 and "submitted → fulfilment_check" in accepted.stdout
    assert "repair init" in accepted.stderr
    assert repair("init").returncode == 0  # creates keys for the departments in the database
    resumed = repair("letters", "resume")
    assert resumed.returncode == 0 and "已完成 3 份" in resumed.stdout  # application form, commitment, acceptance

"""A clock met after its due date is `met_late` (超期完成), never "on time" (issue 13, point 3).

The feedback clock (10 working days from receipt) of a case refused 40 days after submission is met late; the
acceptance-free refusal on time is `met`. Checked in the CLI, the desk, the portal, the audit figures and the API.
"""

import json
import subprocess

from tests.conftest import at
from tests.web.test_api_support import api  # noqa: F401  (api is a fixture)


def _late_and_on_time(make_case, fire):
    late = make_case(when=at("2026-09-01"))
    fire(late, "refuse", "fgw_officer", at("2026-10-20"), reason="材料不全")
    on_time = make_case(when=at("2026-11-02"))
    fire(on_time, "refuse", "fgw_officer", at("2026-11-03"), reason="材料不全")
    return late, on_time


def _feedback(deadlines):
    return next(d for d in deadlines if d["stage"] == "feedback")


def test_met_late_in_the_cli_and_the_api(world, make_case, fire, cli_env, api):  # noqa: F811
    late, on_time = _late_and_on_time(make_case, fire)
    for case_no, status in ((late, "met_late"), (on_time, "met")):
        shown = subprocess.run([".venv/bin/repair", "case", "show", case_no, "--json"], capture_output=True,
                               text=True, env=cli_env, timeout=120)
        assert shown.returncode == 0, shown.stderr
        assert _feedback(json.loads(shown.stdout)["deadlines"])["status"] == status
        body = api.get(f"/cases/{case_no}", "fgw_officer").get_json()
        assert _feedback(body["deadlines"])["status"] == status


def test_met_late_on_the_desk_and_the_portal(world, make_case, fire, login):
    late, on_time = _late_and_on_time(make_case, fire)
    desk = login("fgw_officer")
    late_page = desk.get(f"/desk/cases/{late}").get_data(as_text=True)
    assert "超期完成" in late_page and "已按时完成" not in late_page
    assert "按时完成" in desk.get(f"/desk/cases/{on_time}").get_data(as_text=True)
    portal = login("ent").get(f"/portal/cases/{late}").get_data(as_text=True)
    assert "超期完成" in portal


def test_met_late_in_the_audit_figures(world, make_case, fire, cli_env, tmp_path):
    _late_and_on_time(make_case, fire)
    out = tmp_path / "report.json"
    result = subprocess.run([".venv/bin/repair", "audit", "report", "--from", "2026-01-01", "--to", "2026-12-31",
                             "--format", "json", "--out", str(out)], capture_output=True, text=True, env=cli_env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [r for r in json.loads(out.read_text(encoding="utf-8"))["rows"] if r["stage"] == "feedback"]
    assert sum(r["met_late"] for r in rows) == 1 and sum(r["met_on_time"] for r in rows) == 1

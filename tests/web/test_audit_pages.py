"""Auditor pages: the overview with charts and integrity, the case drill-down and replay, drift, downloads."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from repair.store.models import CaseEvent
from tests.integration.test_compliance_figures import build_timelines

QUERY = "from=2026-09-01&to=2027-01-31"


@pytest.fixture
def timelines(world, make_case, fire):
    return build_timelines(world, make_case, fire)


@pytest.fixture
def auditor(login, monkeypatch):
    # The pages use the real clock; fix "today" to the timelines' reference day.
    from datetime import datetime

    from repair.services.setup.runtime import LOCAL_TZ
    monkeypatch.setattr("repair.web.audit.local_now", lambda: datetime(2027, 1, 15, 10, 0, tzinfo=LOCAL_TZ))
    return login("auditor")


def test_overview_shows_figures_charts_overdue_cases_and_integrity(auditor, timelines):
    page = auditor.get(f"/audit/?{QUERY}").get_data(as_text=True)
    decision = re.search(r'data-key="FGW/penalty_repair/decision">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num share">66.7%</td>' in decision and '<td class="num p90">14.2</td>' in decision
    bars = dict(re.findall(r'class="bar" data-department="(\w+)" data-share="([\d.]*)"', page))
    assert bars == {"FGW": "0.7368", "SCJG": "0.5"}
    points = re.findall(r'class="point" data-month="([\d-]+)" data-share="([\d.]+)"', page)
    assert points == [("2026-09", "1.0"), ("2026-10", "1.0"), ("2026-11", "0.6"), ("2026-12", "1.0")]
    assert "<script" not in page and "http" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", "")
    overdue = re.findall(r'<tr class="overdue-row"><td><a [^>]*>([\w-]+)</a>.*?<td class="responsible">(.*?)</td>',
                         page, re.S)
    assert overdue == [(timelines["D"], "未分配"), (timelines["D"], "未分配"), (timelines["G"], "scjg_officer")]
    assert 'class="verdict good" id="integrity"' in page and "8 个案件" in page


def test_overview_names_cases_whose_history_was_edited(auditor, world, timelines):
    with world.uow() as uow:
        uow.session.execute(update(CaseEvent).where(CaseEvent.trigger == "extend").values(reason="无理由"))
        uow.commit()
    page = auditor.get(f"/audit/?{QUERY}").get_data(as_text=True)
    assert 'class="verdict bad" id="integrity"' in page
    assert re.findall(r'<li class="broken-case"><a [^>]*>([\w-]+)</a>', page) == [timelines["C"]]


def test_department_filter_and_bad_dates(auditor, timelines):
    page = auditor.get(f"/audit/?{QUERY}&department=SCJG").get_data(as_text=True)
    assert re.findall(r'data-key="([\w/]+)"', page) == ["SCJG/samr_penalty_repair/acceptance",
                                                        "SCJG/samr_penalty_repair/decision"]
    bad = auditor.get("/audit/?from=2026-02-30")
    assert bad.status_code == 400 and "日期格式错误" in bad.get_data(as_text=True)
    backwards = auditor.get("/audit/?from=2026-12-01&to=2026-11-01")
    assert backwards.status_code == 400 and "早于开始日期" in backwards.get_data(as_text=True)


def test_case_drill_down_and_replay(auditor, timelines):
    page = auditor.get(f"/audit/cases/{timelines['B']}").get_data(as_text=True)
    assert re.findall(r'<li class="breach" data-stage="(\w+)">.*?超期 (\d+) 个工作日', page) == [
        ("feedback", "1"), ("decision", "3")]
    assert "缺少缴款凭证" in page and "fgw_officer" in page and "补正期间暂停 5 日顺延" in page
    replayed = auditor.get(f"/audit/cases/{timelines['B']}?as_of=2026-11-10").get_data(as_text=True)
    assert 'data-state="awaiting_supplement"' in replayed
    assert re.findall(r'data-stage="(\w+)" data-status="(\w+)" data-due="([\d-]+)"', replayed) == [
        ("acceptance", "met", "2026-11-05"), ("feedback", "paused", "2026-11-16"), ("decision", "paused", "2026-11-12")]
    extended = auditor.get(f"/audit/cases/{timelines['C']}").get_data(as_text=True)
    assert "需赴现场核查" in extended
    assert auditor.get("/audit/cases/FGW-2026-999999").status_code == 404


def test_drift_page_lists_moved_due_dates(auditor, timelines):
    page = auditor.get(f"/audit/drift?{QUERY}").get_data(as_text=True)
    rows = re.findall(r'data-case="([\w-]+)" data-stage="(\w+)">.*?<td>([\d-]+)</td><td>([\d-]+)</td>\s*'
                      r'<td class="shift">(-?\d+)</td>', page, re.S)
    assert rows == [(timelines["F"], "feedback", "2027-01-08", "2027-01-09", "1"),
                    (timelines["F"], "decision", "2027-01-07", "2027-01-08", "1")]


def test_downloads(auditor, timelines):
    data = json.loads(auditor.get(f"/audit/report.json?{QUERY}").get_data(as_text=True))
    assert [d["stage"] for d in data["drift"]] == ["feedback", "decision"] and data["integrity"]["intact"]
    book = load_workbook(BytesIO(auditor.get(f"/audit/report.xlsx?{QUERY}").data))
    assert len(list(book["逾期未办结案件"].iter_rows())) == 4
    overdue = auditor.get(f"/audit/overdue.csv?{QUERY}")
    lines = overdue.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("案件编号") and lines[3].endswith("scjg_officer") and len(lines) == 4
    assert auditor.get(f"/audit/report.exe?{QUERY}").status_code == 404


@pytest.mark.parametrize("username", ["fgw_officer", "fgw_reviewer", "ent"])
def test_other_roles_are_refused(login, username):
    assert login(username).get("/audit/").status_code == 403


def test_admin_may_look(login, world):
    assert login("admin").get("/audit/").status_code == 200


def test_english_catalog_covers_every_audit_string(auditor, timelines):
    from pathlib import Path

    catalog = json.loads(Path("repair/web/translations/en/audit.json").read_text(encoding="utf-8"))
    used = {s for path in Path("templates/audit").glob("*.html")
            for s in re.findall(r'_\("([^"]*)"', path.read_text(encoding="utf-8"))}
    assert used <= set(catalog)
    auditor.get("/lang/en")
    page = auditor.get(f"/audit/?{QUERY}").get_data(as_text=True)
    assert "Time-limit compliance audit" in page and "Overdue open cases" in page

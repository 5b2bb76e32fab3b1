"""`repair audit report` in every format carries the same figures as the overview; the PDF is sealed by the
auditing department and verifies; the JSON report has the integrity check and the calendar drift."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

import repair.cli
from repair.store.models import CaseEvent
from tests.integration.test_compliance_figures import EXPECTED, EXPECTED_OVERDUE, KEYS, build_timelines

ARGS = ["--from", "2026-09-01", "--to", "2027-01-31", "--today", "2027-01-15"]


@pytest.fixture
def timelines(world, make_case, fire):
    return build_timelines(world, make_case, fire)


@pytest.fixture
def report(cli_env, tmp_path):
    repair.cli._register()
    runner = CliRunner()

    def run(fmt: str, *extra: str):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(repair.cli.cli, ["audit", "report", *ARGS, "--format", fmt, "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        return out

    return run


def number(text: str):
    return None if text in ("", None) else float(text) if "." in text else int(text)


def expected_rows():
    return {k: tuple(None if v is None else float(v) if isinstance(v, float) else v for v in values)
            for k, values in EXPECTED.items()}


def test_json_report(report, timelines):
    data = json.loads(report("json").read_text(encoding="utf-8"))
    assert {(r["department"], r["workflow"], r["stage"]): tuple(r[k] for k in KEYS) for r in data["rows"]} == EXPECTED
    assert [(o["case_no"], o["responsible"]) for o in data["overdue_open_cases"]] == [
        (timelines[name], who) for name, _, _, _, who in EXPECTED_OVERDUE]
    assert [(d["case_no"], d["stage"], d["old_due"], d["due"], d["shift_days"], d["shift_workdays"], d["actor"])
            for d in data["drift"]] == [(timelines["F"], "feedback", "2027-01-08", "2027-01-09", 1, 1, "admin"),
                                        (timelines["F"], "decision", "2027-01-07", "2027-01-08", 1, 1, "admin")]
    assert data["integrity"]["intact"] is True and data["integrity"]["cases_checked"] == 8
    assert data["auditing_department"] == {"code": "FGW", "name": "区发展改革委"}


def test_csv_report(report, timelines):
    text = report("csv").read_text(encoding="utf-8-sig")
    sections = {block.splitlines()[0]: list(csv.reader(io.StringIO("\n".join(block.splitlines()[1:]))))
                for block in text.split("\n\n")}
    figures = sections["# 各部门各流程各环节时限合规情况"]
    header = figures[0]
    assert header[:4] == ["部门代码", "部门", "流程", "环节"]
    labels = ["案件数", "期限数", "已办结", "按时办结", "超期完成", "当前逾期", "一个工作日内到期", "未办结", "按时率",
              "用时中位数（工作日）", "用时第90百分位（工作日）"]
    index = [header.index(label) for label in labels]
    assert {(r[0], r[2], r[3]): tuple(number(r[i]) for i in index) for r in figures[1:]} == expected_rows()
    overdue = sections["# 逾期未办结案件"]
    assert [(r[0], r[4], r[6], int(r[7]), r[8]) for r in overdue[1:]] == [
        (timelines[name], stage, due, over, who) for name, stage, due, over, who in EXPECTED_OVERDUE]


def test_xlsx_report(report, timelines):
    book = load_workbook(report("xlsx"))
    rows = list(book["各部门各流程各环节时限合规情况"].iter_rows(values_only=True))
    header = rows[0]
    keys = [header.index(label) for label in ("案件数", "期限数", "已办结", "按时办结", "超期完成", "当前逾期",
                                              "一个工作日内到期", "未办结", "按时率", "用时中位数（工作日）",
                                              "用时第90百分位（工作日）")]
    assert {(r[0], r[2], r[3]): tuple(r[i] for i in keys) for r in rows[1:]} == EXPECTED
    overdue = list(book["逾期未办结案件"].iter_rows(values_only=True))
    assert [(r[0], r[-1]) for r in overdue[1:]] == [(timelines[n], who) for n, _, _, _, who in EXPECTED_OVERDUE]
    assert list(book["历史记录完整性"].iter_rows(values_only=True))[1][0] == "是"


@pytest.mark.pdf
def test_pdf_report_is_sealed_by_the_auditing_department(report, timelines, sealing):
    path = report("pdf")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    compact = "".join(text.split())
    assert "信用修复办理时限合规审计报告" in compact and "区发展改革委" in compact
    assert "66.7%" in compact and "14.2" in compact and "15.2" in compact   # decision share and p90s
    for name, _, due, over, who in EXPECTED_OVERDUE:
        assert f"{timelines[name]}" in compact and due in compact
    assert "scjg_officer" in compact and "未分配" in compact
    assert "哈希链完好" in compact
    verified = CliRunner().invoke(repair.cli.cli, ["seal", "verify", str(path), "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["department"] == "FGW"


def test_tampered_history_is_named(report, world, timelines):
    with world.uow() as uow:
        uow.session.execute(update(CaseEvent).where(CaseEvent.seq == 3, CaseEvent.reason == "缺少缴款凭证")
                            .values(reason="材料齐全"))
        uow.commit()
    data = json.loads(report("json").read_text(encoding="utf-8"))
    assert data["integrity"]["intact"] is False
    assert [b["case_no"] for b in data["integrity"]["broken"]] == [timelines["B"]]


def test_department_filter_and_bad_dates(report, timelines, cli_env, tmp_path):
    data = json.loads(report("json", "--department", "scjg").read_text(encoding="utf-8"))
    assert {r["department"] for r in data["rows"]} == {"SCJG"} and data["drift"] == []
    result = CliRunner().invoke(repair.cli.cli, ["audit", "report", "--from", "2026-13-01", "--to", "2027-01-31",
                                                 "--format", "json", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "日期不存在 / no such date '2026-13-01'" in result.output

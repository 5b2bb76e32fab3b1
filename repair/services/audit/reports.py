"""Audit reports: the compliance figures plus integrity and calendar drift, written as CSV, XLSX, JSON or a
sealed PDF. Every format is built from the one dict `audit_report` returns."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from repair.errors import ValidationError
from repair.services.audit.compliance import compliance_figures
from repair.services.audit.integrity import verify_all
from repair.services.audit.replay import local_day
from repair.services.calendar.overrides import calendar_for
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.models import Case, CaseEvent, Department
from repair.store.uow import UnitOfWork

FORMATS = ("csv", "xlsx", "json", "pdf")
FIGURE_COLUMNS = (("department", "部门代码"), ("department_name", "部门"), ("workflow", "流程"), ("stage", "环节"),
                  ("title", "环节名称"), ("limit_days", "时限（工作日）"), ("cases", "案件数"), ("deadlines", "期限数"),
                  ("met", "已办结"), ("met_on_time", "按时办结"), ("met_late", "超期完成"), ("overdue_now", "当前逾期"),
                  ("due_soon", "一个工作日内到期"), ("open", "未办结"), ("on_time_share", "按时率"),
                  ("median_used", "用时中位数（工作日）"), ("p90_used", "用时第90百分位（工作日）"))
DEPARTMENT_COLUMNS = (("department", "部门代码"), ("department_name", "部门"), ("deadlines", "期限数"),
                      ("met", "已办结"), ("met_on_time", "按时办结"), ("overdue_now", "当前逾期"),
                      ("on_time_share", "按时率"))
TREND_COLUMNS = (("month", "月份"), ("deadlines", "期限数"), ("met", "已办结"), ("met_on_time", "按时办结"),
                 ("overdue_now", "当前逾期"), ("on_time_share", "按时率"))
OVERDUE_COLUMNS = (("case_no", "案件编号"), ("department", "部门"), ("workflow", "流程"), ("state", "状态"),
                   ("stage", "环节"), ("title", "环节名称"), ("due", "截止日期"), ("workdays_over", "逾期工作日"),
                   ("responsible", "责任人"))
DRIFT_COLUMNS = (("case_no", "案件编号"), ("department", "部门"), ("at", "重算时间"), ("actor", "操作人"),
                 ("stage", "环节"), ("old_due", "原截止日期"), ("due", "新截止日期"), ("shift_days", "变动自然日"),
                 ("shift_workdays", "变动工作日"))
SECTIONS = (("rows", "各部门各流程各环节时限合规情况", FIGURE_COLUMNS),
            ("departments", "各部门按时率", DEPARTMENT_COLUMNS), ("trend", "月度趋势", TREND_COLUMNS),
            ("overdue_open_cases", "逾期未办结案件", OVERDUE_COLUMNS), ("drift", "日历变更导致的期限变动", DRIFT_COLUMNS))


def _utc_bound(day: date) -> datetime:
    """The first instant of a local day, as stored (naive UTC)."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)


def drift_report(runtime, uow: UnitOfWork, *, start: date, end: date, department: str | None = None) -> list[dict]:
    """Due dates moved by loading calendar data (`recompute_deadline` events dated in the period)."""
    query = (select(Case.case_no, Case.department_code, CaseEvent.at, CaseEvent.actor, CaseEvent.payload)
             .join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.trigger == "recompute_deadline", CaseEvent.at >= _utc_bound(start),
                    CaseEvent.at < _utc_bound(end + timedelta(days=1)))
             .order_by(CaseEvent.at, Case.case_no, CaseEvent.seq))
    if department:
        query = query.where(Case.department_code == department)
    calendar = calendar_for(runtime, uow)
    rows = []
    for case_no, dept, at, actor, payload in uow.session.execute(query):
        for change in (payload or {}).get("deadlines", []):
            old, new = date.fromisoformat(change["old_due"]), date.fromisoformat(change["due"])
            moved = calendar.count_workdays(*sorted((old, new)))
            rows.append({"case_no": case_no, "department": dept,
                         "at": at.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                         "loaded_on": local_day(at).isoformat(), "actor": actor, "stage": change["stage"],
                         "old_due": change["old_due"], "due": change["due"], "shift_days": (new - old).days,
                         "shift_workdays": moved if new >= old else -moved})
    return rows


def integrity(runtime, uow: UnitOfWork) -> dict:
    """Every integrity check of `repair audit verify` (chains, case rows against their history, stored files)."""
    report = verify_all(runtime, uow)
    return {"intact": report.intact, "cases_checked": report.checked("cases"),
            "events_checked": report.checked("events"),
            "broken": [{"case_no": subject, "problems": problems}
                       for subject, problems in sorted(report.broken.items())]}


def audit_report(runtime, uow: UnitOfWork, *, start: date, end: date, today: date, department: str | None = None,
                 now: datetime | None = None, with_integrity: bool = True,
                 overdue_page: tuple[int, int] | None = None) -> dict:
    """The compliance figures with the integrity check and the calendar drift: the source of every format."""
    report = compliance_figures(runtime, uow, start=start, end=end, today=today, department=department,
                                overdue_page=overdue_page)
    report["drift"] = drift_report(runtime, uow, start=start, end=end, department=department)
    report["integrity"] = integrity(runtime, uow) if with_integrity else None
    auditor = runtime.settings.auditing_department
    found = uow.session.get(Department, auditor)
    report["auditing_department"] = {"code": auditor, "name": found.name if found else auditor}
    report["generated_at"] = (now or datetime.combine(today, time(), LOCAL_TZ)).isoformat(timespec="seconds")
    return report


def _cell(value):
    return "" if value is None else value


def overdue_csv(report: dict) -> bytes:
    """The overdue open cases alone, as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _, label in OVERDUE_COLUMNS])
    for row in report["overdue_open_cases"]:
        writer.writerow([_cell(row[key]) for key, _ in OVERDUE_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def to_csv(report: dict) -> bytes:
    """Sections (figures, departments, trend, overdue cases, drift) separated by a blank line and a title row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"# 统计期间 {report['period']['from']} 至 {report['period']['to']}",
                     f"部门 {report['department'] or '全部'}", f"截至 {report['as_of']}"])
    for key, title, columns in SECTIONS:
        writer.writerow([])
        writer.writerow([f"# {title}"])
        writer.writerow([label for _, label in columns])
        for row in report[key]:
            writer.writerow([_cell(row[k]) for k, _ in columns])
    if report.get("integrity") is not None:
        writer.writerow([])
        writer.writerow(["# 历史记录完整性"])
        writer.writerow(["完好", "已校验案件", "已校验事件", "被篡改案件"])
        check = report["integrity"]
        writer.writerow(["是" if check["intact"] else "否", check["cases_checked"], check["events_checked"],
                         " ".join(b["case_no"] for b in check["broken"])])
    return out.getvalue().encode("utf-8-sig")


def to_json(report: dict) -> bytes:
    """The whole report as UTF-8 JSON."""
    return json.dumps(report, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def to_xlsx(report: dict) -> bytes:
    """One sheet per section, plus the integrity check."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for key, title, columns in SECTIONS:
        sheet = book.create_sheet(title[:31])
        sheet.append([label for _, label in columns])
        for row in report[key]:
            sheet.append([row[k] for k, _ in columns])
    if report.get("integrity") is not None:
        sheet = book.create_sheet("历史记录完整性")
        check = report["integrity"]
        sheet.append(["完好", "已校验案件", "已校验事件"])
        sheet.append(["是" if check["intact"] else "否", check["cases_checked"], check["events_checked"]])
        sheet.append(["被篡改案件", "问题"])
        for broken in check["broken"]:
            sheet.append([broken["case_no"], "；".join(broken["problems"])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(runtime, report: dict, *, now: datetime) -> bytes:
    """An official report (letters/audit_report.html) sealed by the auditing department."""
    from repair.services.audit.report_pdf import render_report_pdf

    return render_report_pdf(runtime.settings, report, now=now)


def render(runtime, report: dict, fmt: str, *, now: datetime) -> bytes:
    """The report in one of FORMATS."""
    writers = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}
    if fmt == "pdf":
        return to_pdf(runtime, report, now=now)
    if fmt not in writers:
        raise ValidationError(f"未知的报告格式：{fmt} / unknown report format {fmt!r}", "format")
    return writers[fmt](report)

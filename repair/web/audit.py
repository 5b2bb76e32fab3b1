"""Auditor pages (read-only, GET only): compliance overview, late-case drill-down and replay, calendar drift,
report downloads. Administrators may look too."""

from __future__ import annotations

import time
from datetime import date
from io import BytesIO

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import func, select

from repair.errors import DomainError, NotFound, ValidationError
from repair.readmodels.case_page import audit_upload_file, audit_uploads
from repair.services.audit import compliance, replay
from repair.services.audit import reports as audit_reports
from repair.services.security import log as security_log
from repair.services.setup.runtime import local_now
from repair.store.models import CaseEvent
from repair.web.auth import client_ip, current_actor, require_roles
from repair.web.context import runtime
from repair.web.i18n import half
from repair.web.hardening import bounded_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
ROLES = ("auditor", "admin")
PAGE_SIZE = 50
# Verifying every chain hashes every event (about a minute for a million): the overview reuses a result
# while no event was added and it is younger than this; the page says when it was checked.
INTEGRITY_MAX_AGE = 600
MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def _day(name: str, default: date | None) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"日期格式错误（应为 YYYY-MM-DD）：{value} / invalid date: {value}", name) from None


def _filters() -> tuple[date, date, str | None, date]:
    today = local_now().date()
    start = _day("from", date(today.year, 1, 1))
    end = _day("to", today)
    department = request.args.get("department", "").strip().upper() or None
    return start, end, department, today


def _page() -> int:
    return bounded_int(request.args.get("page"), 1)


def _error(error: DomainError):
    return render_template("error.html", code=400, message=half(str(error))), 400


@bp.get("/")
@require_roles(*ROLES)
def index():
    """Compliance overview of a period: charts, figures by department/workflow/stage, overdue cases, integrity."""
    rt = runtime()
    page = _page()
    try:
        start, end, department, today = _filters()
        with rt.uow(read_only=True) as uow:
            report = audit_reports.audit_report(rt, uow, start=start, end=end, today=today, department=department,
                                                with_integrity=False, overdue_page=((page - 1) * PAGE_SIZE, PAGE_SIZE))
            report["integrity"] = _integrity(rt, uow)
            departments = compliance.department_choices(uow)
    except DomainError as error:
        return _error(error)
    pages = max(1, -(-report["overdue_total"] // PAGE_SIZE))
    query = {"from": start.isoformat(), "to": end.isoformat(), **({"department": department} if department else {})}
    return render_template("audit/index.html", report=report, departments=departments, start=start, end=end,
                           department=department, overdue=report["overdue_open_cases"], page=page, pages=pages, q=query)


def _integrity(rt, uow) -> dict:
    stamp = tuple(uow.connection.execute(select(func.count(), func.max(CaseEvent.id))).one())
    cached = current_app.extensions.get("audit_integrity")
    if cached and cached["stamp"] == stamp and time.monotonic() - cached["monotonic"] < INTEGRITY_MAX_AGE:
        return cached["result"]
    result = {**audit_reports.integrity(rt, uow), "checked_at": local_now().strftime("%Y-%m-%d %H:%M")}
    current_app.extensions["audit_integrity"] = {"stamp": stamp, "monotonic": time.monotonic(), "result": result}
    return result


@bp.get("/cases/<case_no>")
@require_roles(*ROLES)
def case(case_no: str):
    """One case's full timeline, or its state as of a past date (`?as_of=YYYY-MM-DD`)."""
    rt = runtime()
    try:
        as_of = _day("as_of", None)
        with rt.uow(read_only=True) as uow:
            timeline = replay.case_timeline(rt, uow, case_no, today=local_now().date(), as_of=as_of)
            uploads = audit_uploads(uow, case_no)
    except NotFound:
        abort(404)
    except DomainError as error:
        return _error(error)
    return render_template("audit/case.html", t=timeline, uploads=uploads)


@bp.get("/uploads/<int:upload_id>")
@require_roles(*ROLES)
def upload(upload_id: int):
    """Open material an enterprise uploaded (read-only); every opening is noted in the security log."""
    rt = runtime()
    try:
        with rt.uow(read_only=True) as uow:
            meta, data = audit_upload_file(rt, uow, upload_id)
    except NotFound:
        abort(404)
    security_log.note(rt, "upload_downloaded", actor=current_actor().username, ip=client_ip(), now=local_now(),
                      upload=upload_id, sha256=meta["sha256"])
    return send_file(BytesIO(data), mimetype=meta["content_type"], download_name=meta["filename"],
                     as_attachment=True)


@bp.get("/drift")
@require_roles(*ROLES)
def drift():
    """Due dates moved by newly loaded calendar data, with how far they moved."""
    rt = runtime()
    try:
        start, end, department, _today = _filters()
        compliance.check_period(start, end)
        with rt.uow(read_only=True) as uow:
            rows = audit_reports.drift_report(rt, uow, start=start, end=end, department=department)
    except DomainError as error:
        return _error(error)
    return render_template("audit/drift.html", rows=rows, start=start, end=end, department=department)


@bp.get("/overdue.csv")
@require_roles(*ROLES)
def overdue_csv():
    """The overdue open cases of the period with their responsible officer, as CSV."""
    return _download("csv", overdue_only=True)


@bp.get("/report.<fmt>")
@require_roles(*ROLES)
def report(fmt: str):
    """The audit report of the period in csv, xlsx, json or pdf (sealed by the auditing department)."""
    if fmt not in audit_reports.FORMATS:
        abort(404)
    return _download(fmt)


def _download(fmt: str, overdue_only: bool = False):
    rt = runtime()
    now = local_now()
    try:
        start, end, department, today = _filters()
        with rt.uow(read_only=True) as uow:
            data = audit_reports.audit_report(rt, uow, start=start, end=end, today=today, department=department,
                                              now=now, with_integrity=not overdue_only)
        body = audit_reports.overdue_csv(data) if overdue_only else audit_reports.render(rt, data, fmt, now=now)
    except DomainError as error:
        return _error(error)
    stem = f"{'overdue' if overdue_only else 'audit-report'}-{start}-{end}{'-' + department if department else ''}"
    security_log.note(rt, "report_exported", actor=current_actor().username, ip=client_ip(), now=now,
                      report=f"{stem}.{fmt}")
    return send_file(BytesIO(body), mimetype=MIMETYPES[fmt], download_name=f"{stem}.{fmt}", as_attachment=True)

"""The officer desk: the department's queue, a case page with its allowed actions, bulk assignment."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from repair.errors import (
    ConcurrencyConflict,
    DomainError,
    NotFound,
    TransitionRefused,
    UnknownTrigger,
    ValidationError,
)
from repair.readmodels import desk as desk_service
from repair.readmodels.case_page import case_page, upload_file
from repair.services.cases import desk_actions
from repair.services.setup.runtime import local_now
from repair.web.auth import current_actor, require_roles
from repair.web.context import runtime
from repair.web.hardening import bounded_int, safe_next
from repair.web.i18n import current_language, half
from repair.web.i18n import gettext as _

bp = Blueprint("desk", __name__, url_prefix="/desk", static_folder="static/desk", static_url_path="/static")

CONFLICT_MESSAGE = "案件已被他人修改，请刷新"


def chinese(error: DomainError) -> str:
    """The page language's half of an error message, without the guard identifiers a refusal lists."""
    text = str(error)
    for name in getattr(error, "failed", ()):
        text = text.replace(f" / {name}", "")
    return half(text)


def _filters() -> desk_service.QueueFilters:
    page = bounded_int(request.args.get("page"), 1)
    return desk_service.QueueFilters(
        state=request.args.get("state") or None, workflow=request.args.get("workflow") or None,
        assignee=request.args.get("assignee") or None, overdue_only=request.args.get("overdue") == "1",
        page=page if page and page > 0 else 1)


@bp.get("/")
@require_roles("officer", "reviewer")
def index():
    """The department's open cases by due date, with filters, pages and bulk assignment."""
    filters = _filters()
    with runtime().uow(read_only=True) as uow:
        page = desk_service.queue(runtime(), uow, current_actor(), filters, today=local_now().date())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("desk/index.html", queue=page, filters=filters, args=args,
                           marks=desk_service.MARKS)


def _show(case_no: str, *, error: str | None = None, status: int = 200):
    try:
        with runtime().uow(read_only=True) as uow:
            case = case_page(runtime(), uow, case_no, current_actor(), today=local_now().date(),
                             lang=current_language())
    except NotFound:
        abort(404)
    return render_template("desk/case.html", case=case, error=error), status


@bp.get("/cases/<case_no>")
@require_roles("officer", "reviewer")
def show(case_no: str):
    """One case: record, evidence, materials, timeline, deadlines, documents, diagram and actions."""
    return _show(case_no)


@bp.post("/cases/<case_no>/fire")
@require_roles("officer", "reviewer")
def fire(case_no: str):
    """Fire one allowed action with the case version the page showed; documents follow."""
    trigger = request.form.get("trigger", "")
    version = request.form.get("version", "")
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        return _show(case_no, error=_("页面缺少案件版本，请刷新后重试"), status=422)
    try:
        result = desk_actions.act(runtime(), case_no, trigger, actor=current_actor(), now=local_now(),
                                  reason=request.form.get("reason"), expected_version=int(version))
    except NotFound:
        abort(404)
    except ConcurrencyConflict:
        return _show(case_no, error=_(CONFLICT_MESSAGE), status=409)
    except TransitionRefused as error:
        return _show(case_no, error=chinese(error), status=409)
    except (ValidationError, UnknownTrigger) as error:
        return _show(case_no, error=chinese(error), status=422)
    flash(_("已执行「{title}」", title=result.title))
    for message in result.document_errors:
        flash(_("文书尚未制作完成，系统将稍后重试：{message}", message=half(message)))
    return redirect(url_for(".show", case_no=case_no))


@bp.post("/assign")
@require_roles("officer", "reviewer")
def assign():
    """Assign, reassign or unassign the selected cases to one of the department's officers."""
    back = request.form.get("back", "")
    target = back if back.startswith("/desk/") and safe_next(back) else url_for(".index")
    try:
        with runtime().uow() as uow:
            changed = desk_actions.assign_cases(uow, request.form.getlist("case_no"),
                                                request.form.get("assignee"), current_actor(), local_now())
    except NotFound:
        abort(404)
    except ConcurrencyConflict:
        flash(_(CONFLICT_MESSAGE))
        return redirect(target)
    except ValidationError as error:
        flash(chinese(error))
        return redirect(target)
    flash(_("已更新 {count} 件案件的承办人", count=len(changed)))
    return redirect(target)


@bp.get("/uploads/<int:upload_id>")
@require_roles("officer", "reviewer")
def upload(upload_id: int):
    """Download material an enterprise uploaded for one of the department's cases."""
    try:
        with runtime().uow(read_only=True) as uow:
            meta, data = upload_file(runtime(), uow, upload_id, current_actor())
    except NotFound:
        abort(404)
    return send_file(BytesIO(data), mimetype=meta["content_type"], download_name=meta["filename"],
                     as_attachment=True)

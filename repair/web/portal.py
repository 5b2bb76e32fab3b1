"""The enterprise portal (/portal/): records, prefilled applications, progress, supplements, withdrawal.

Views parse the form, call one service from `repair.readmodels.portal` and render; domain errors become
Chinese messages (next to the field, or flashed) or 404 pages. Everything is scoped to the signed-in
enterprise's USCC by the services.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from repair.domain.display import in_language
from repair.errors import ConcurrencyConflict, NotEligible, NotFound, TransitionRefused, ValidationError
from repair.readmodels import portal
from repair.services.cases import applications
from repair.services.cases.verbs import local_date
from repair.services.documents.uploads import MAX_UPLOAD_BYTES, IncomingFile, upload_for
from repair.services.exchange.prefill import CONTACT_FIELDS, contact_errors, merge_contact
from repair.services.setup.runtime import local_now
from repair.web.auth import current_actor, require_roles
from repair.web.context import runtime
from repair.web.hardening import bounded_int
from repair.web.i18n import current_language

bp = Blueprint("portal", __name__, url_prefix="/portal")


def message(error: Exception | str) -> str:
    """The part of a bilingual "中文 / English" message in the page's language."""
    return in_language(str(error), current_language())


def _today():
    return local_date(local_now())


def _page_arg() -> int:
    return bounded_int(request.args.get("page"), 1)


def _files() -> list[IncomingFile]:
    # One byte past the limit is enough for the service to refuse an oversized file.
    return [IncomingFile(f.filename or "", f.read(MAX_UPLOAD_BYTES + 1))
            for f in request.files.getlist("files")]


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@bp.get("/")
@require_roles("enterprise")
def index():
    """The enterprise's records: window, earliest application date, apply button or reasons."""
    listing = portal.records_page(runtime(), current_actor(), today=_today(), page=_page_arg())
    return render_template("portal/index.html", listing=listing)


@bp.route("/records/<int:record_id>/apply", methods=["GET", "POST"])
@require_roles("enterprise")
def apply(record_id: int):
    """The prefilled application form (GET) and its submission (POST)."""
    if request.method == "GET":
        page = _application_page(record_id)
        if page["record"]["open_case"]:
            return redirect(url_for(".case", case_no=page["record"]["open_case"]))
        return render_template("portal/apply.html", page=page, fields=page["fields"], errors={}, signed=False)
    contact = {key: request.form.get(key, "") for key in CONTACT_FIELDS}
    signed = request.form.get("commitment") == "1"
    errors = {key: message(text) for key, text in contact_errors(contact).items()}
    if not signed:
        errors["commitment"] = message(applications.COMMITMENT_REQUIRED)
    status = 422
    if not errors:
        try:
            result = applications.apply(runtime(), record_id, current_actor(), now=local_now(),
                                  commitment_signed=signed, contact=contact, files=_files())
        except NotFound:
            abort(404)
        except ValidationError as error:
            errors[error.field or "form"] = message(error)
        except NotEligible as error:
            errors["form"] = message(error)
        except (TransitionRefused, ConcurrencyConflict) as error:
            errors["form"], status = message(error), 409
        else:
            flash(message(f"申请已提交，案件号 {result['case_no']} / application submitted: {result['case_no']}"))
            if result["unfinished"]:
                flash(message("部分文书正在生成，请稍后刷新下载 / some documents are still being produced"))
            return redirect(url_for(".case", case_no=result["case_no"]))
    # The refused form again, with the applicant's own values and a message next to each bad field.
    page = _application_page(record_id)
    fields = merge_contact(page["fields"], contact)
    page_html = render_template("portal/apply.html", page=page, fields=fields, errors=errors, signed=signed)
    return page_html, status


def _application_page(record_id: int) -> dict:
    try:
        return portal.application_page(runtime(), record_id, current_actor(), today=_today())
    except NotFound:
        abort(404)


@bp.get("/cases/<case_no>")
@require_roles("enterprise")
def case(case_no: str):
    """Progress of one case: stage, timeline, deadlines, documents, and what the applicant may do."""
    try:
        progress = portal.case_progress(runtime(), case_no, current_actor(), today=_today())
    except NotFound:
        abort(404)
    return render_template("portal/case.html", case=progress)


@bp.post("/cases/<case_no>/supplement")
@require_roles("enterprise")
def supplement(case_no: str):
    """Answer a request for supplementary materials with uploads."""
    try:
        applications.answer_supplement(runtime(), case_no, current_actor(), now=local_now(), files=_files(),
                                 note=request.form.get("note"), expected_version=_version())
    except NotFound:
        abort(404)
    except (ValidationError, TransitionRefused, ConcurrencyConflict) as error:
        flash(message(error))
    else:
        flash(message("补正材料已提交 / supplementary materials submitted"))
    return redirect(url_for(".case", case_no=case_no))


@bp.post("/cases/<case_no>/withdraw")
@require_roles("enterprise")
def withdraw(case_no: str):
    """Withdraw the application, with a reason."""
    try:
        applications.withdraw(runtime(), case_no, current_actor(), now=local_now(),
                        reason=request.form.get("reason", ""), expected_version=_version())
    except NotFound:
        abort(404)
    except (ValidationError, TransitionRefused, ConcurrencyConflict) as error:
        flash(message(error))
    else:
        flash(message("申请已撤回 / application withdrawn"))
    return redirect(url_for(".case", case_no=case_no))


@bp.get("/uploads/<int:upload_id>")
@require_roles("enterprise")
def upload(upload_id: int):
    """An uploaded file of this enterprise."""
    try:
        view, data = upload_for(runtime(), upload_id, current_actor())
    except NotFound:
        abort(404)
    return send_file(BytesIO(data), mimetype=view["content_type"], download_name=view["filename"],
                     as_attachment=True)

"""Officer pages for 两书同达: prepare and seal both documents, serve them, download them."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from repair.errors import DomainError, NotFound
from repair.services.documents import deliveries
from repair.services.documents.issuing import document_for
from repair.services.security import log as security_log
from repair.services.setup.runtime import local_now
from repair.web.auth import client_ip, current_actor, require_roles
from repair.web.context import runtime
from repair.web.i18n import half

bp = Blueprint("deliveries", __name__)
MIMETYPES = {"pdf": "application/pdf", "ofd": "application/ofd"}


@bp.get("/desk/deliveries")
@require_roles("officer")
def index():
    """The department's deliveries and the form to prepare a new one."""
    rows = deliveries.list_for_department(runtime(), current_actor().department)
    return render_template("deliveries/index.html", rows=rows)


@bp.post("/desk/deliveries")
@require_roles("officer")
def create():
    """Prepare and seal both documents for a decision number."""
    decision_no = (request.form.get("decision_no") or "").strip()
    if not decision_no:
        flash("请输入行政处罚决定书文号。", "error")
        return redirect(url_for(".index"))
    try:
        delivery = deliveries.prepare(runtime(), decision_no=decision_no, actor=current_actor(), now=local_now(),
                                      authority=current_actor().department)
    except DomainError as error:
        flash(half(str(error)), "error")
        return redirect(url_for(".index"))
    flash(f"两书已制作并签章：{delivery.decision_no}", "info")
    return redirect(url_for(".show", decision_no=delivery.decision_no))


@bp.get("/desk/deliveries/<path:decision_no>")
@require_roles("officer")
def show(decision_no: str):
    """One delivery: its two documents, state, deadline and the serve form."""
    try:
        delivery = deliveries.view(runtime(), decision_no, current_actor().department)
    except NotFound:
        abort(404)
    return render_template("deliveries/show.html", delivery=delivery)


@bp.post("/desk/deliveries/<path:decision_no>/serve")
@require_roles("officer")
def serve(decision_no: str):
    """Record the service of both documents."""
    try:
        deliveries.serve(runtime(), decision_no=decision_no, method=request.form.get("method", ""),
                         actor=current_actor(), now=local_now(), authority=current_actor().department,
                         party_absent=request.form.get("absent") == "1",
                         electronic_consent=request.form.get("consent") == "1")
        flash("已记录送达。", "info")
    except DomainError as error:
        flash(half(str(error)), "error")
    return redirect(url_for(".show", decision_no=decision_no))


@bp.get("/documents/<int:document_id>.pdf")
@require_roles("officer", "reviewer", "enterprise", "auditor", "admin")
def download(document_id: int):
    """A stored PDF, for those allowed to see it."""
    return _download(document_id, "pdf")


@bp.get("/documents/<int:document_id>.ofd")
@require_roles("officer", "reviewer", "enterprise", "auditor", "admin")
def download_ofd(document_id: int):
    """The same document as OFD with its SM2 seal, for the same people; 404 when it was issued without one."""
    return _download(document_id, "ofd")


def _download(document_id: int, fmt: str):
    try:
        document, data = document_for(runtime(), document_id, current_actor(), fmt)
    except NotFound:
        abort(404)
    name = f"{document.title}-{document.doc_no or document.id}-v{document.version}.{fmt}"
    security_log.note(runtime(), "document_downloaded", actor=current_actor().username, ip=client_ip(),
                      now=local_now(), document=document_id, format=fmt)
    return send_file(BytesIO(data), mimetype=MIMETYPES[fmt], download_name=name, as_attachment=True)

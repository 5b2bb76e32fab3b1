"""API: a case's documents, a document's metadata and its (sealed) PDF or OFD."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, jsonify, request, send_file

from repair.readmodels import api as api_views
from repair.services.security import log as security_log
from repair.services.setup.runtime import local_now
from repair.web.api_auth import api_actor, require_token
from repair.web.api_common import page_args, paged
from repair.web.context import runtime

bp = Blueprint("documents", __name__)
MIMETYPES = {"pdf": "application/pdf", "ofd": "application/ofd"}


@bp.get("/cases/<case_no>/documents")
@require_token()
def of_case(case_no: str):
    """Every document version of a case, oldest first."""
    page, per_page = page_args()
    with runtime().uow(read_only=True) as uow:
        items, total = api_views.case_documents(uow, api_actor(), case_no, page=page, per_page=per_page)
    return paged(items, total, page, per_page)


@bp.get("/documents/<int:document_id>")
@require_token()
def show(document_id: int):
    """A document's metadata."""
    with runtime().uow(read_only=True) as uow:
        return jsonify(api_views.document_meta(uow, api_actor(), document_id))


@bp.get("/documents/<int:document_id>/pdf")
@require_token()
def pdf(document_id: int):
    """The stored PDF bytes; the ETag is their SHA-256, so a cached copy is provably the same file."""
    return _download(document_id, "pdf")


@bp.get("/documents/<int:document_id>/ofd")
@require_token()
def ofd(document_id: int):
    """The stored OFD (SM2-sealed); same permissions as the PDF, ETag its SHA-256; 404 when issued without one."""
    return _download(document_id, "ofd")


def _download(document_id: int, fmt: str):
    meta, data = api_views.document_file(runtime(), api_actor(), document_id, fmt)
    security_log.note(runtime(), "document_downloaded", actor=api_actor().username, ip=request.remote_addr or "",
                      now=local_now(), document=document_id, channel="api", format=fmt)
    name = f"{meta['title']}-{meta['doc_no'] or meta['id']}-v{meta['version']}.{fmt}"
    response = send_file(BytesIO(data), mimetype=MIMETYPES[fmt], download_name=name, as_attachment=True,
                         etag=meta["sha256" if fmt == "pdf" else "ofd_sha256"])
    response.headers["Cache-Control"] = "private, no-cache"
    return response

"""Public verification of sealed documents: anyone uploads a PDF or OFD and learns whether it is genuine."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request

from repair.errors import SealError
from repair.seal.report import BEIJING
from repair.services.seals.verification import verify_document
from repair.web.context import runtime
from repair.web.i18n import half

bp = Blueprint("verify", __name__)
MAX_UPLOAD = 20 * 1024 * 1024


def _when(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _page(status: int = 200, **values):
    values = {"report": None, "error": None, **values}
    return render_template("verify.html", when=_when, **values), status


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Upload form (GET) and the verification result explained in Chinese (POST)."""
    if request.method == "GET":
        return _page()
    upload = request.files.get("document")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not data:
        return _page(422, error="请选择要验证的 PDF 或 OFD 文件。")
    if len(data) > MAX_UPLOAD:
        return _page(413, error="文件超过 20 MB，无法验证。")
    try:
        report = verify_document(data, runtime().settings)
    except SealError as error:
        return _page(422, error=half(str(error)))
    return _page(report=report, filename=upload.filename)

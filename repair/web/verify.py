"""Public verification of sealed documents: anyone uploads a PDF and learns whether it is genuine."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from repair.domain.errors import SealError
from repair.seal import verify_pdf
from repair.web.context import runtime

bp = Blueprint("verify", __name__)
MAX_UPLOAD = 20 * 1024 * 1024


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    """Upload form (GET) and the verification result explained in Chinese (POST)."""
    if request.method == "GET":
        return render_template("verify.html", report=None, error=None)
    upload = request.files.get("document")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not data:
        return render_template("verify.html", report=None, error="请选择要验证的 PDF 文件。"), 422
    if len(data) > MAX_UPLOAD:
        return render_template("verify.html", report=None, error="文件超过 20 MB，无法验证。"), 413
    try:
        report = verify_pdf(data, runtime().settings)
    except SealError as error:
        return render_template("verify.html", report=None, error=str(error).split(" / ")[0]), 422
    return render_template("verify.html", report=report, error=None, filename=upload.filename)

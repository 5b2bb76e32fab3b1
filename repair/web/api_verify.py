"""API: verify a sealed document (public, like /verify): the same report as `repair seal verify --json`."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from repair.errors import SealError
from repair.services.seals.verification import verify_document
from repair.web.api_common import problem
from repair.web.context import runtime

bp = Blueprint("verification", __name__)
MAX_UPLOAD = 20 * 1024 * 1024


def _upload() -> bytes:
    """The PDF or OFD: a raw body (application/pdf, application/ofd) or a multipart form's `document` part."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("document")
        return upload.read(MAX_UPLOAD + 1) if upload else b""
    return request.get_data(cache=False)[: MAX_UPLOAD + 1]


@bp.post("/verify")
def verify():
    """Every signature of the uploaded PDF or OFD (told apart by content): signer, intact, trusted, modified after it."""
    data = _upload()
    if not data:
        return problem(422, "validation", "请上传 PDF 或 OFD 文件 / upload a PDF or OFD", "请求体为空 / empty body",
                       errors=[{"field": "document", "message": "请上传 PDF 或 OFD 文件 / upload a PDF or OFD"}])
    if len(data) > MAX_UPLOAD:
        return problem(413, "too-large", "文件超过 20 MB / file larger than 20 MB")
    try:
        report = verify_document(data, runtime().settings)
    except SealError as error:
        return problem(422, "unverifiable", "无法核验 / cannot verify", str(error),
                       errors=[{"field": "document", "message": str(error)}])
    return jsonify(report.as_dict())

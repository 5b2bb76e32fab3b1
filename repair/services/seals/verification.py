"""Verify a sealed document of any format we issue: PDF (PAdES) or OFD (GB/T 38540, SM2), told apart by content."""

from __future__ import annotations

from datetime import datetime

from repair.config import Settings
from repair.errors import SealError
from repair.seal.report import VerificationReport

FORMATS = ("pdf", "ofd")


def document_format(data: bytes) -> str:
    """"pdf" or "ofd" from the first bytes; SealError for anything else (exit 2 / HTTP 422)."""
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":  # OFD is a ZIP container (GB/T 33190 §7)
        return "ofd"
    raise SealError("不是 PDF 或 OFD 文件 / neither a PDF nor an OFD file")


def verify_document(data: bytes, settings: Settings, *, now: datetime | None = None) -> VerificationReport:
    """Check every seal of a PDF or OFD document with the configured trust roots (PDF: as of `now`)."""
    if document_format(data) == "ofd":
        from repair.ofd.verify import verify_ofd

        return verify_ofd(data, settings)
    from repair.seal.verify import verify_pdf

    return verify_pdf(data, settings, now=now)

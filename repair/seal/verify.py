"""Verify a sealed PDF: signed? by whom (department)? are the signed bytes intact? is the signer trusted?"""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from repair.config import Settings
from repair.domain.errors import SealError
from repair.seal.pki import CA_CERT_FILE

_BEIJING = ZoneInfo("Asia/Shanghai")
_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


@dataclass(frozen=True)
class VerificationReport:
    """What `verify_pdf` found, with a plain-Chinese summary for the citizen."""

    signed: bool
    signer: str
    department: str | None
    signing_time: datetime | None
    intact: bool
    trusted: bool
    coverage: str
    summary_zh: str

    @property
    def ok(self) -> bool:
        """Signed, unmodified since sealing (whole file covered) and by a trusted signer."""
        return self.signed and self.intact and self.trusted and self.coverage == "entire_file"

    def as_json(self) -> str:
        """The report as a JSON object (UTF-8 text, Chinese kept readable)."""
        data = asdict(self)
        data["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        data["ok"] = self.ok
        return json.dumps(data, ensure_ascii=False)


@contextmanager
def _quiet_pyhanko():
    # pyHanko logs a full PathBuildingError traceback at ERROR for every untrusted signer; a verify
    # reports "untrusted" in its result instead of printing tracebacks.
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _trust_roots(settings: Settings) -> list:
    paths = [settings.keys_dir / CA_CERT_FILE] if (settings.keys_dir / CA_CERT_FILE).is_file() else []
    paths += [p for p in settings.trust_roots]
    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as error:
        raise SealError(f"无法读取信任根证书 / cannot read trust roots {paths}: {error}") from error


def _summary(signer: str, intact: bool, trusted: bool, coverage: str, when: datetime | None) -> str:
    if not intact:
        return f"文件在签章后被修改过，“{signer}”的电子印章已失效，内容不可信。"
    if not trusted:
        return f"文件自签章后未被修改，但签章人“{signer}”的证书不受信任（不是本系统认可的签章机构），请勿作为正式文书使用。"
    if coverage != "entire_file":
        return f"“{signer}”签章的内容未被修改，但签章后文件末尾又被追加了内容，请向出具机关核实。"
    stamp = f"于{when.astimezone(_BEIJING):%Y年%m月%d日 %H:%M}" if when else ""
    return f"该文书由“{signer}”{stamp}加盖电子印章，签章后未被修改，签章证书受信任，文书真实有效。"


def verify_pdf(data: bytes, settings: Settings) -> VerificationReport:
    """Check every signature of a PDF against the development CA (if any) and `settings.trust_roots`."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise SealError("不是 PDF 文件 / not a PDF file")
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except (PdfError, ValueError) as error:
        raise SealError(f"无法解析 PDF 文件 / cannot parse the PDF: {error}") from error
    if not signatures:
        return VerificationReport(False, "", None, None, False, False, "none", "该文件没有电子印章（未签章），无法证明其来源和完整性。")
    context = ValidationContext(trust_roots=_trust_roots(settings), allow_fetching=False)
    intact = trusted = True
    coverage = "unclear"
    with _quiet_pyhanko():
        for signature in signatures:
            try:
                status = validate_pdf_signature(signature, context)
            except (SignatureValidationError, PdfError, ValueError):
                intact = trusted = False
                continue
            intact = intact and status.intact and status.valid
            trusted = trusted and status.trusted
            coverage = _COVERAGE.get(status.coverage, "unclear")
    last = signatures[-1]
    subject = last.signer_cert.subject.native
    signer = subject.get("common_name", "")
    when = last.self_reported_timestamp
    return VerificationReport(
        signed=True,
        signer=signer,
        department=subject.get("serial_number"),
        signing_time=when.astimezone(_BEIJING) if when else None,
        intact=intact,
        trusted=trusted,
        coverage=coverage,
        summary_zh=_summary(signer, intact, trusted, coverage, when),
    )

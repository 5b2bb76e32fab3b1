"""Verify a sealed PDF honestly: every signature, in order, with pyHanko's validation and difference analysis.

For each signature: is the signed byte range intact and the CMS signature valid; is the signer's chain
trusted *at the trusted signing time* (the RFC 3161 timestamp's time when there is a valid one, else now)
with revocation checked (embedded data plus what the responders say now); which PAdES level it reaches
(B-LT = validatable from the document's own DSS alone); and was anything but later signatures, timestamps
and validation data added after it. Anything unreadable is a `SealError` (one line, exit 2 / HTTP 422).
"""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager
from datetime import datetime, timezone

from asn1crypto import cms
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.status import SignatureCoverageLevel

from repair.config import Settings
from repair.errors import SealError
from repair.seal import trust
from repair.seal.report import (
    UNKNOWN_SIGNER,
    SignatureReport,
    VerificationReport,
    summarise,
    unsigned_report,
)

__all__ = ["VerificationReport", "SignatureReport", "verify_pdf"]

logger = logging.getLogger(__name__)
_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}
_DAMAGED = "签章数据已损坏，无法核验 / the signature data is damaged and cannot be verified"


@contextmanager
def _quiet_pyhanko():
    # pyHanko logs a full PathBuildingError traceback at ERROR for every untrusted signer; a verify
    # reports "untrusted" in its result instead of printing tracebacks.
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for item in loggers:
        item.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for item, level in zip(loggers, levels):
            item.setLevel(level)


def _embedded_data(reader: PdfFileReader) -> tuple[list, list, list]:
    """(certificates, CRLs, OCSP responses) in the document security store."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        vc = dss.as_validation_context({"trust_roots": [], "allow_fetching": False})
        manager = vc.revinfo_manager
        return list(dss.load_certs()), [c.crl_data for c in manager.currently_available_crls()], manager.ocsps
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, PdfError):
        # No (readable) DSS: the signatures are judged without embedded validation data (not B-LT).
        return [], [], []


def _tst_time(signature) -> datetime | None:
    """The genTime claimed by the signature's timestamp token (trusted only once the token validates)."""
    token: cms.SignedData | None = next(extract_tst_data_iter(signature.signer_info, signed=False), None)
    if token is None:
        return None
    return token["encap_content_info"]["content"].parsed["gen_time"].native


def _later_fields(signatures, index: int) -> set[str]:
    return {s.field_name for s in signatures[index + 1:]}


def _modified_after(status, signatures, index: int) -> bool:
    """Anything but later signatures, timestamps and validation data added after signature `index`."""
    diff = status.diff_result
    if diff is None:  # the signature covers the whole file
        return False
    if isinstance(diff, SuspiciousModification):
        return True
    level = diff.modification_level
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return False
    if level == ModificationLevel.FORM_FILLING:
        # Filling a later signature field is how a second seal or a document timestamp is added.
        return not set(diff.changed_form_fields) <= _later_fields(signatures, index)
    return True


def _revocation_time(cert, vc) -> datetime | None:
    """When the certificate was revoked, per any CRL or OCSP response the context holds (None: not revoked)."""
    manager = vc.revinfo_manager
    for container in manager.currently_available_crls():
        tbs = container.crl_data["tbs_cert_list"]
        if tbs["issuer"] != cert.issuer:
            continue
        for entry in tbs["revoked_certificates"]:
            if entry["user_certificate"].native == cert.serial_number:
                return entry["revocation_date"].native
    for response in manager.ocsps:
        basic = response["response_bytes"]["response"].parsed if response["response_bytes"] else None
        for single in basic["tbs_response_data"]["responses"] if basic is not None else ():
            status = single["cert_status"]
            if single["cert_id"]["serial_number"].native == cert.serial_number and status.name == "revoked":
                return status.chosen["revocation_time"].native
    return None


def _identity(cert, trusted: bool) -> tuple[str, str | None]:
    subject = cert.subject.native
    if not trusted:
        return UNKNOWN_SIGNER, None
    return subject.get("common_name", "") or subject.get("organization_name", ""), subject.get("serial_number")


def _check_signature(settings: Settings, signatures, index: int, embedded, now: datetime) -> SignatureReport:
    signature = signatures[index]
    certs, crls, ocsps = embedded
    claimed_tst = _tst_time(signature)
    ts_vc = trust.current_revinfo_context(settings, moment=None, now=now, extra_certs=certs, crls=crls, ocsps=ocsps)
    moment = claimed_tst
    status = None
    for _attempt in range(2):
        signer_vc = trust.current_revinfo_context(settings, moment=moment, now=now, extra_certs=certs, crls=crls,
                                                  ocsps=ocsps, retroactive=moment is not None)
        status = validate_pdf_signature(signature, signer_vc, ts_vc)
        tst = status.timestamp_validity
        timestamped = tst is not None and tst.intact and tst.valid and tst.trusted
        if moment is None or timestamped:
            break
        moment = None  # the token did not validate: its time proves nothing, judge the signer as of now
    intact = bool(status.intact and status.valid)
    trusted = bool(intact and status.trusted)
    revoked_at = (status.revocation_details.revocation_date if status.revocation_details
                  else _revocation_time(signature.signer_cert, signer_vc))
    signer, department = _identity(signature.signer_cert, trusted)
    level = None
    if intact:
        level = "B-T" if timestamped else "B-B"
        if timestamped and _long_term(settings, signature, moment, embedded):
            level = "B-LT"
    problems = []
    if not intact:
        problems.append("签名值与文件内容不符 / the signature does not match the signed bytes")
    elif not trusted:
        problems.append("签章证书不受信任或已吊销 / the signer's certificate is not trusted or was revoked")
    if claimed_tst is not None and not timestamped:
        problems.append("时间戳无效 / the signature timestamp is not valid")
    return SignatureReport(
        index=index + 1, field=signature.field_name, kind="signature", signer=signer, department=department,
        signed_at=moment if timestamped else status.signer_reported_dt, timestamped=timestamped, level=level,
        intact=intact, trusted=trusted, coverage=_COVERAGE.get(status.coverage, "unclear"),
        modified_after=_modified_after(status, signatures, index), revoked_at=revoked_at, problems=tuple(problems),
    )


def _long_term(settings: Settings, signature, moment: datetime, embedded) -> bool:
    """B-LT: signer and timestamp chains validate at the timestamp's time from the document's own data only."""
    certs, crls, ocsps = embedded
    if not (crls or ocsps):
        return False
    vc = lambda: trust.embedded_only_context(settings, moment=moment, extra_certs=certs, crls=crls,  # noqa: E731
                                             ocsps=ocsps)
    status = validate_pdf_signature(signature, vc(), vc(), skip_diff=True)
    tst = status.timestamp_validity
    return bool(status.trusted and tst is not None and tst.trusted)


def _check_timestamp(settings: Settings, signatures, index: int, embedded, now: datetime) -> SignatureReport:
    stamp = signatures[index]
    certs, crls, ocsps = embedded
    vc = trust.current_revinfo_context(settings, moment=None, now=now, extra_certs=certs, crls=crls, ocsps=ocsps)
    status = validate_pdf_timestamp(stamp, vc)
    intact = bool(status.intact and status.valid)
    trusted = bool(intact and status.trusted)
    signer, department = _identity(stamp.signer_cert, trusted)
    return SignatureReport(
        index=index + 1, field=stamp.field_name, kind="timestamp", signer=signer, department=department,
        signed_at=status.timestamp if trusted else None, timestamped=trusted, level=None, intact=intact,
        trusted=trusted, coverage=_COVERAGE.get(status.coverage, "unclear"),
        modified_after=_modified_after(status, signatures, index),
        problems=() if trusted else ("文档时间戳无效或不受信任 / the document timestamp is not valid or trusted",),
    )


def _with_archive_level(reports: list[SignatureReport]) -> list[SignatureReport]:
    """B-LTA for a B-LT signature followed by a valid, trusted document timestamp."""
    result = []
    for i, report in enumerate(reports):
        archived = any(r.kind == "timestamp" and r.trusted and r.intact for r in reports[i + 1:])
        if report.level == "B-LT" and archived:
            report = SignatureReport(**{**report.__dict__, "level": "B-LTA"})
        result.append(report)
    return result


def verify_pdf(data: bytes, settings: Settings, *, now: datetime | None = None) -> VerificationReport:
    """Check every signature of a PDF against the development CA (if any) and `settings.trust_roots`.

    `now` is the verification time (default: the clock); revocation responders answer as of it.
    """
    now = now or datetime.now(timezone.utc)
    if not data.lstrip()[:5] == b"%PDF-":
        raise SealError("不是 PDF 文件 / not a PDF file")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise SealError(f"无法解析 PDF 文件（文件损坏或不完整） / cannot parse the PDF: {error}") from error
    if not signatures:
        return unsigned_report()
    reports = []
    with _quiet_pyhanko():
        embedded = _embedded_data(reader)
        for index, signature in enumerate(signatures):
            check = _check_timestamp if signature.sig_object_type == "/DocTimeStamp" else _check_signature
            try:
                reports.append(check(settings, signatures, index, embedded, now))
            except SealError:
                raise
            except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError, IndexError,
                    OSError) as error:
                # asn1crypto parses lazily: a flipped byte in an embedded certificate surfaces here.
                logger.info("signature %s of the upload cannot be verified: %r", index + 1, error)
                raise SealError(f"第 {index + 1} 个签章：{_DAMAGED}") from error
            except Exception as error:  # noqa: BLE001 - an upload must never become an internal error
                logger.exception("unexpected failure verifying signature %s of an upload", index + 1)
                raise SealError(f"第 {index + 1} 个签章：{_DAMAGED}") from error
    reports = _with_archive_level(reports)
    return summarise(reports, coverage=reports[-1].coverage)

"""Seal a PDF: a PAdES signature with the department's key and its red seal image on the seal anchor.

Levels (ETSI EN 319 142-1): every seal is B-T (an RFC 3161 signature timestamp) and B-LT (the
certificates, OCSP responses and CRLs needed to validate it, in the document security store), as long as
a timestamp authority is available (always in development; `REPAIR_TSA_URL` in production, else B-B).
`archive_pdf` adds fresh validation data and a document timestamp: B-LTA, renewable before it expires.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import datetime

from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import add_validation_info
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pypdf import PdfReader
from pypdf.errors import PdfReadError as PypdfReadError

from repair.config import Settings
from repair.errors import SealError
from repair.letters.render import SEAL_ANCHOR_ID, RenderedLetter, SealAnchor
from repair.seal.image import seal_image
from repair.seal.pki import load_signer
from repair.seal.trust import signing_context
from repair.seal.trust import timestamper as timestamper_for

# Must match `#seal-anchor { width/height: 40mm }` in letters/letter.css (a test checks both agree).
SEAL_SIZE_PT = 40 / 25.4 * 72


class _TimedPdfSigner(signers.PdfSigner):
    """PdfSigner whose signing time is given instead of read from the clock (services pass `now`)."""

    def __init__(self, *args, at: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._at
        return session


def anchor_from_pdf(data: bytes) -> SealAnchor | None:
    """Recover the seal anchor of a rendered letter from its `seal-anchor` named destination."""
    try:
        reader = PdfReader(io.BytesIO(data))
        destination = reader.named_destinations.get(SEAL_ANCHOR_ID)
    except (PypdfReadError, ValueError) as error:
        raise SealError(f"无法读取 PDF / cannot read PDF: {error}") from error
    if destination is None:
        return None
    left, top = float(destination.left), float(destination.top)
    page = reader.get_destination_page_number(destination)
    box = (left, top - SEAL_SIZE_PT, left + SEAL_SIZE_PT, top)
    return SealAnchor(page, tuple(round(v, 2) for v in box))


def seal_pdf(
    rendered: RenderedLetter | bytes,
    dept_code: str,
    settings: Settings,
    *,
    reason: str,
    at: datetime | None = None,
    seal_text: str | None = None,
) -> bytes:
    """Sign `rendered` as department `dept_code` (PAdES, SHA-256), showing its red seal on the seal anchor."""
    if isinstance(rendered, RenderedLetter):
        data, anchor = rendered.pdf, rendered.seal_anchor
    else:
        data, anchor = bytes(rendered), anchor_from_pdf(bytes(rendered))
    if anchor is None:
        raise SealError("该文书没有印章位置（#seal-anchor） / the document has no seal anchor")
    signer = load_signer(dept_code, settings)
    name = signer.signing_cert.subject.native["common_name"]
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        field_name = f"Seal{len(writer.prev.embedded_signatures) + 1}-{dept_code}"
    except PdfReadError as error:
        raise SealError(f"无法读取 PDF / cannot read PDF: {error}") from error
    timestamper = timestamper_for(settings)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        # B-LT needs a trusted time first: without a TSA (production, REPAIR_TSA_URL unset) we stay at B-B.
        embed_validation_info=timestamper is not None,
        validation_context=signing_context(settings) if timestamper is not None else None,
    )
    # `seal_text` is the department's configured text for this kind of letter (e.g. 行政处罚专用章).
    image = seal_image(name, seal_text) if seal_text else seal_image(name)
    stamp = StaticStampStyle(background=PdfImage(image), border_width=0)
    spec = fields.SigFieldSpec(field_name, on_page=anchor.page_index, box=anchor.box)
    options = dict(signer=signer, stamp_style=stamp, new_field_spec=spec, timestamper=timestamper)
    pdf_signer = (
        signers.PdfSigner(meta, **options)
        if at is None
        else _TimedPdfSigner(meta, at=at.astimezone(), **options)
    )
    out = io.BytesIO()
    with _service_errors(settings):
        pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


@contextmanager
def _service_errors(settings: Settings):
    """Timestamp and revocation failures as one bilingual SealError naming the service."""
    try:
        yield
    except TimestampRequestError as error:
        raise SealError(f"时间戳服务不可用 / timestamp authority {settings.tsa_url or '(development)'} "
                        f"failed: {error}") from error
    except (PathValidationError, PathBuildingError, SigningError) as error:
        raise SealError(f"签章证书无法验证（可能已吊销） / the seal certificate does not validate "
                        f"(revoked?): {error}") from error
    except (OSError, ValueError) as error:  # aiohttp/requests connection errors are OSErrors
        raise SealError(f"时间戳或吊销信息服务不可用 / timestamp or revocation service failed: {error}") from error


def archive_pdf(data: bytes, settings: Settings) -> bytes:
    """Take a sealed PDF to PAdES B-LTA: refresh every signature's validation data, add a document timestamp.

    Run at archiving time and again before the last document timestamp's certificate expires.
    """
    timestamper = timestamper_for(settings)
    if timestamper is None:
        raise SealError("归档需要时间戳服务（REPAIR_TSA_URL） / archiving needs a timestamp authority")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfReadError, ValueError) as error:
        raise SealError(f"无法读取 PDF / cannot read PDF: {error}") from error
    if not signatures:
        raise SealError("该文件没有电子印章，无需归档 / the document has no seal to archive")
    buffer = io.BytesIO(data)
    with _service_errors(settings):
        for index in range(len(signatures)):
            reader = PdfFileReader(buffer, strict=False)
            signature = reader.embedded_regular_signatures[index]
            buffer = add_validation_info(signature, signing_context(settings), output=io.BytesIO())
        reader = PdfFileReader(buffer, strict=False)
        stamper = signers.PdfTimeStamper(timestamper, field_name=f"Archive{len(reader.embedded_timestamp_signatures) + 1}")
        out = io.BytesIO()
        if reader.embedded_timestamp_signatures:
            stamper.update_archival_timestamp_chain(reader, signing_context(settings), in_place=False, output=out)
        else:
            stamper.timestamp_pdf(IncrementalPdfFileWriter(buffer), "sha256", signing_context(settings), output=out)
    return out.getvalue()

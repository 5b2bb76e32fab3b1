"""Seal a PDF: a PAdES signature with the department's key and its red seal image on the seal anchor."""

from __future__ import annotations

import io
from datetime import datetime

from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import StaticStampStyle
from pypdf import PdfReader
from pypdf.errors import PdfReadError as PypdfReadError

from repair.config import Settings
from repair.domain.errors import SealError
from repair.letters.render import SEAL_ANCHOR_ID, RenderedLetter, SealAnchor
from repair.seal.image import seal_image
from repair.seal.pki import load_signer

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
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    stamp = StaticStampStyle(background=PdfImage(seal_image(name)), border_width=0)
    timestamper = timestamps.HTTPTimeStamper(settings.tsa_url) if settings.tsa_url else None
    spec = fields.SigFieldSpec(field_name, on_page=anchor.page_index, box=anchor.box)
    options = dict(signer=signer, stamp_style=stamp, new_field_spec=spec, timestamper=timestamper)
    pdf_signer = (
        signers.PdfSigner(meta, **options)
        if at is None
        else _TimedPdfSigner(meta, at=at.astimezone(), **options)
    )
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out)
    except TimestampRequestError as error:
        raise SealError(f"时间戳服务不可用 / timestamp authority {settings.tsa_url} failed: {error}") from error
    return out.getvalue()

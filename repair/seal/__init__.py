"""Seals: development PKI and its services, the visible seal image, PAdES sealing and verification."""

from repair.seal.image import seal_image, seal_png
from repair.seal.pki import SealIdentity, ensure_development_pki, load_signer, revoke_department_key
from repair.seal.report import SignatureReport, VerificationReport
from repair.seal.sign import anchor_from_pdf, archive_pdf, seal_pdf
from repair.seal.verify import verify_pdf

__all__ = [
    "SealIdentity",
    "SignatureReport",
    "VerificationReport",
    "anchor_from_pdf",
    "archive_pdf",
    "ensure_development_pki",
    "load_signer",
    "revoke_department_key",
    "seal_image",
    "seal_pdf",
    "seal_png",
    "verify_pdf",
]

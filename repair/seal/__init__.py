"""Seals: development PKI and key loading, the visible seal image, PAdES sealing and verification."""

from repair.seal.image import seal_image, seal_png
from repair.seal.pki import ensure_development_pki, load_signer
from repair.seal.sign import anchor_from_pdf, seal_pdf
from repair.seal.verify import VerificationReport, verify_pdf

__all__ = [
    "VerificationReport",
    "anchor_from_pdf",
    "ensure_development_pki",
    "load_signer",
    "seal_image",
    "seal_pdf",
    "seal_png",
    "verify_pdf",
]

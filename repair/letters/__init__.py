"""Letters: plain-data contexts rendered to A4 Chinese PDFs (WeasyPrint) with a seal anchor."""

from repair.letters.environment import LETTER_KEYS, render_html, zh_date
from repair.letters.render import RenderedLetter, SealAnchor, render_pdf
from repair.letters.samples import sample_context

__all__ = [
    "LETTER_KEYS",
    "RenderedLetter",
    "SealAnchor",
    "render_html",
    "render_pdf",
    "sample_context",
    "zh_date",
]

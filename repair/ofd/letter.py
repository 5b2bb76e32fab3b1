"""A rendered letter as a (sealed) OFD, and the text of an OFD's pages (for tests and previews)."""

from __future__ import annotations

from datetime import datetime

from repair.config import Settings
from repair.letters.render import RenderedLetter
from repair.ofd.package import parse_xml, q, read_package, resolve, text
from repair.ofd.sign import StampPlace, seal_ofd
from repair.ofd.writer import pdf_to_ofd
from repair.seal.sm2.pki import load_sm2_signer


def render_ofd(rendered: RenderedLetter, *, title: str, author: str, at: datetime,
               dept_code: str | None = None, settings: Settings | None = None) -> bytes:
    """The letter's OFD from the same layout as its PDF; sealed by `dept_code` (SM2) on the seal anchor if given."""
    document = pdf_to_ofd(rendered.pdf, title=title, author=author, created=at)
    if dept_code is None or rendered.seal_anchor is None:
        return document.data
    place = StampPlace.from_pdf_anchor(rendered.seal_anchor.page_index, rendered.seal_anchor.box)
    return seal_ofd(document.data, load_sm2_signer(dept_code, settings), place=place, at=at)


def ofd_text(data: bytes) -> list[str]:
    """The text of every page, in page order (TextCode contents joined)."""
    files = read_package(data)
    body = parse_xml(files, "OFD.xml").find(q("DocBody"))
    document_path = resolve("OFD.xml", text(body, "DocRoot") or "")
    pages = parse_xml(files, document_path).find(q("Pages"))
    result = []
    for page in pages.findall(q("Page")) if pages is not None else ():
        content = parse_xml(files, resolve(document_path, page.get("BaseLoc", "")))
        result.append("".join(code.text or "" for code in content.iter(q("TextCode"))))
    return result

"""Ways to tamper with a sealed PDF, for the verification tests (CLI and /verify alike).

Each takes the sealed bytes and returns the tampered bytes; none of them touches the signed byte
ranges except `flip_certificate_byte`, so only an honest difference analysis can catch the others.
"""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader


def _writer(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(data), strict=False)


def _finish(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def change_visible_text(data: bytes) -> bytes:
    """An incremental update that paints new text over the first page (a changed penalty amount, say)."""
    writer = _writer(data)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    font = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica")}))
    overlay = RawContent(b"q 1 1 1 rg 60 700 400 40 re f 0 0 0 rg BT /FTamper 18 Tf 70 712 Td (FINE: 0 YUAN) Tj ET Q")
    stream = writer.add_object(generic.StreamObject(stream_data=overlay.render()))
    contents = page["/Contents"]
    contents = contents if isinstance(contents, generic.ArrayObject) else generic.ArrayObject([page.raw_get("/Contents")])
    page["/Contents"] = generic.ArrayObject([*contents, stream])
    resources = page["/Resources"]
    fonts = generic.DictionaryObject(dict(resources["/Font"].items())) if "/Font" in resources else generic.DictionaryObject()
    fonts[pdf_name("/FTamper")] = font
    page[pdf_name("/Resources")] = generic.DictionaryObject({**dict(resources.items()), pdf_name("/Font"): fonts})
    writer.update_container(page)
    return _finish(writer)


def add_annotation(data: bytes) -> bytes:
    """An incremental update adding a free-text annotation ("已撤销") on the first page."""
    writer = _writer(data)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    annotation = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/FreeText"),
        pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, (60, 600, 360, 640))),
        pdf_name("/Contents"): generic.TextStringObject("本决定已撤销"),
        pdf_name("/DA"): generic.TextStringObject("/Helv 14 Tf 1 0 0 rg"),
    }))
    annots = page.get("/Annots", generic.ArrayObject())
    page[pdf_name("/Annots")] = generic.ArrayObject([*annots, annotation])
    writer.update_container(page)
    return _finish(writer)


def add_form_field(data: bytes) -> bytes:
    """An incremental update adding a filled text field to the document's form."""
    writer = _writer(data)
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    field = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): generic.TextStringObject("amount"),
        pdf_name("/V"): generic.TextStringObject("0"), pdf_name("/P"): page_ref,
        pdf_name("/Rect"): generic.ArrayObject(map(generic.FloatObject, (60, 560, 260, 580))),
    }))
    form = writer.root["/AcroForm"]
    form["/Fields"].append(field)
    writer.update_container(form["/Fields"] if isinstance(form.raw_get("/Fields"), generic.IndirectObject) else form)
    annots = page.get("/Annots", generic.ArrayObject())
    page[pdf_name("/Annots")] = generic.ArrayObject([*annots, field])
    writer.update_container(page)
    return _finish(writer)


def flip_certificate_byte(data: bytes) -> bytes:
    """Change one byte inside the signer certificate embedded in the first signature's /Contents."""
    signature = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[0]
    cert_hex = signature.signer_cert.dump().hex().encode()
    match = re.search(re.escape(cert_hex), data, flags=re.IGNORECASE)
    assert match, "signer certificate not found in /Contents"
    position = match.start() + len(cert_hex) // 2
    digit = data[position:position + 1]
    replacement = b"0" if digit != b"0" else b"1"
    return data[:position] + replacement + data[position + 1:]


def truncate(data: bytes) -> bytes:
    """The first two thirds of the file, as a broken download would leave it."""
    return data[: len(data) * 2 // 3]

"""A letter as OFD (GB/T 33190-2016): the same WeasyPrint layout as the PDF, re-emitted as OFD objects.

WeasyPrint lays out the letter once; its PDF is the only public, stable form of that layout (the box tree is
private and changes between the versions we allow). pdfminer.six reads every glyph back with its Unicode
text, origin, size and colour, and every filled or stroked rectangle; each run of glyphs on one baseline in
one font, size and colour becomes an OFD TextObject (TextCode with a DeltaX per character), each rectangle a
PathObject. The fonts are the subset OpenType programs WeasyPrint embedded (Noto CJK, with a cmap for exactly
the characters used), stored under Doc_0/Res. A4 pages, millimetres, origin top-left as the standard says.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.psparser import PSException
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from repair.errors import LetterError
from repair.ofd.package import NS, write_package

PT_TO_MM = 25.4 / 72
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
CREATOR = "repair"


def _mm(value: float) -> str:
    text = f"{value * PT_TO_MM:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _rgb(color) -> str | None:
    """pdfminer colour → OFD "r g b" (0–255); None for patterns or unknown spaces."""
    if color is None:
        return "0 0 0"
    if isinstance(color, (int, float)):
        color = (color,) * 3
    if not isinstance(color, (tuple, list)) or not all(isinstance(c, (int, float)) for c in color):
        return None
    if len(color) == 1:
        color = tuple(color) * 3
    if len(color) == 4:  # CMYK
        c, m, y, k = color
        color = ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return " ".join(str(round(max(0.0, min(1.0, float(c))) * 255)) for c in color[:3])


@dataclass
class _Font:
    id: int
    pdf_name: str
    family: str
    bold: bool
    italic: bool
    file_name: str
    program: bytes


@dataclass
class _Run:
    font: str
    size: float
    color: str
    baseline: float
    chars: list[tuple[str, float, float]] = field(default_factory=list)  # (text, x, advance)


@dataclass(frozen=True)
class OfdPage:
    """One written page: its OFD object ID and its package path."""

    id: int
    content_path: str


@dataclass(frozen=True)
class OfdDocument:
    """An unsigned OFD package and what sealing it needs: page IDs and the highest ID used."""

    data: bytes
    pages: tuple[OfdPage, ...]
    max_unit_id: int


class _Ids:
    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


def _font_programs(pdf: bytes) -> dict[str, bytes]:
    """BaseFont name (without subset prefix) → embedded font program, for every font of the PDF."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        programs: dict[str, bytes] = {}
        for page in reader.pages:
            fonts = page.get("/Resources", {}).get_object().get("/Font", {})
            for ref in fonts.get_object().values():
                font = ref.get_object()
                name = str(font.get("/BaseFont", ""))[1:]
                if name in programs:
                    continue
                descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
                descriptor = descriptor_owner.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile3", "/FontFile2", "/FontFile"):
                    if key in descriptor:
                        programs[name] = descriptor[key].get_object().get_data()
                        break
        return programs
    except (PdfReadError, KeyError, IndexError, TypeError) as error:
        raise LetterError(f"无法读取排版结果中的字体 / cannot read the fonts of the laid-out letter: {error}") from error


def _describe_font(pdf_name: str) -> tuple[str, bool, bool]:
    # WeasyPrint names embedded fonts after the PostScript name with spaces as dashes: "Noto-Serif-CJK-SC-Bold".
    base = _SUBSET_PREFIX.sub("", pdf_name)
    words = base.replace("-", " ").split()
    bold = italic = False
    while words and words[-1].lower() in ("bold", "italic", "regular", "oblique", "semibold", "black"):
        style = words.pop().lower()
        bold = bold or style in ("bold", "semibold", "black")
        italic = italic or style in ("italic", "oblique")
    return " ".join(words) or base, bold, italic


def _layout_pages(pdf: bytes):
    try:
        parser = PDFParser(io.BytesIO(pdf))
        document = PDFDocument(parser)
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            yield device.get_result()
    except (PSException, ValueError, KeyError, TypeError) as error:
        raise LetterError(f"无法读取排版结果 / cannot read the laid-out letter: {error}") from error


def _objects(item):
    for child in item:
        if isinstance(child, LTFigure):
            yield from _objects(child)
        else:
            yield child


def _text_object(run: _Run, font_id: int, object_id: int, page_height: float) -> str:
    first_x = run.chars[0][1]
    last_x, last_advance = run.chars[-1][1], run.chars[-1][2]
    top = page_height - run.baseline - run.size * 1.1
    deltas = " ".join(_mm(b[1] - a[1]) for a, b in zip(run.chars, run.chars[1:]))
    code = escape("".join(c[0] for c in run.chars))
    delta_attr = f" DeltaX={quoteattr(deltas)}" if deltas else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{_mm(first_x)} {_mm(top)} '
        f'{_mm(last_x - first_x + last_advance)} {_mm(run.size * 1.4)}" Font="{font_id}" Size="{_mm(run.size)}">'
        f'<ofd:FillColor Value="{run.color}"/>'
        f'<ofd:TextCode X="0" Y="{_mm(run.size * 1.1)}"{delta_attr}>{code}</ofd:TextCode></ofd:TextObject>'
    )


def _path_object(shape: LTCurve, object_id: int, page_height: float) -> str | None:
    x0, y0, x1, y1 = shape.bbox
    fill = _rgb(shape.non_stroking_color) if shape.fill else None
    stroke = _rgb(shape.stroking_color) if shape.stroke else None
    if fill is None and stroke is None:
        return None
    top = page_height - y1
    points = [(px - x0, (page_height - py) - top) for px, py in shape.pts]
    if not points:
        return None
    data = "M " + " L ".join(f"{_mm(px)} {_mm(py)}" for px, py in points)
    if fill is not None:
        data += " C"
    width = max(shape.linewidth or 0, 0.0)
    attrs = f'Fill="{str(fill is not None).lower()}" Stroke="{str(stroke is not None).lower()}"'
    if stroke is not None and width:
        attrs += f' LineWidth="{_mm(width)}"'
    colors = (f'<ofd:StrokeColor Value="{stroke}"/>' if stroke else "") + (
        f'<ofd:FillColor Value="{fill}"/>' if fill else "")
    return (
        f'<ofd:PathObject ID="{object_id}" Boundary="{_mm(x0)} {_mm(top)} {_mm(max(x1 - x0, 0.01))} '
        f'{_mm(max(y1 - y0, 0.01))}" {attrs}>{colors}<ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>'
    )


def _runs(layout, fonts: dict[str, _Font]) -> list:
    """Glyphs grouped into runs; shapes passed through in drawing order."""
    items: list = []
    run: _Run | None = None
    for obj in _objects(layout):
        if isinstance(obj, LTChar):
            name = _SUBSET_PREFIX.sub("", obj.fontname)
            color = _rgb(obj.graphicstate.ncolor) or "0 0 0"
            x, baseline = obj.matrix[4], obj.matrix[5]
            same = (run is not None and run.font == name and abs(run.size - obj.size) < 0.01
                    and run.color == color and abs(run.baseline - baseline) < 0.01 and x >= run.chars[-1][1])
            if not same:
                run = _Run(font=name, size=obj.size, color=color, baseline=baseline)
                items.append(run)
            run.chars.append((obj.get_text(), x, obj.adv))
            if name not in fonts:
                raise LetterError(f"字体 {name} 未嵌入排版结果 / font {name} is not embedded in the laid-out letter")
        elif isinstance(obj, LTCurve):
            run = None
            items.append(obj)
        elif isinstance(obj, LTImage):
            raise LetterError("OFD 输出暂不支持文书中的图片 / images inside letters are not supported in OFD output")
    return items


def _fonts(pdf: bytes, ids: _Ids) -> dict[str, _Font]:
    fonts = {}
    for index, (pdf_name, program) in enumerate(sorted(_font_programs(pdf).items())):
        name = _SUBSET_PREFIX.sub("", pdf_name)
        family, bold, italic = _describe_font(name)
        extension = "otf" if program[:4] == b"OTTO" else "ttf"
        fonts[name] = _Font(ids.next(), name, family, bold, italic, f"font_{index}.{extension}", program)
    return fonts


def pdf_to_ofd(pdf: bytes, *, title: str, author: str, created: datetime, doc_id: str | None = None) -> OfdDocument:
    """Re-emit the WeasyPrint PDF of a letter as an unsigned OFD package (text as text, fonts embedded)."""
    ids = _Ids()
    fonts = _fonts(pdf, ids)
    pages: list[OfdPage] = []
    page_files: dict[str, bytes] = {}
    width_mm = height_mm = None
    for index, layout in enumerate(_layout_pages(pdf)):
        x0, y0, x1, y1 = layout.bbox
        page_height = y1 - y0
        width_mm, height_mm = _mm(x1 - x0), _mm(page_height)
        page_id = ids.next()
        layer_id = ids.next()
        objects = []
        for item in _runs(layout, fonts):
            if isinstance(item, _Run):
                objects.append(_text_object(item, fonts[item.font].id, ids.next(), page_height))
            else:
                path = _path_object(item, ids.next(), page_height)
                if path:
                    objects.append(path)
        path = f"Doc_0/Pages/Page_{index}/Content.xml"
        page_files[path] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{NS}">'
            f"<ofd:Area><ofd:PhysicalBox>0 0 {width_mm} {height_mm}</ofd:PhysicalBox></ofd:Area>"
            f'<ofd:Content><ofd:Layer ID="{layer_id}" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content>'
            f"</ofd:Page>"
        ).encode()
        pages.append(OfdPage(page_id, path))
    if not pages:
        raise LetterError("排版结果没有页面 / the laid-out letter has no pages")
    doc_id = doc_id or uuid.uuid4().hex
    files = {
        "OFD.xml": _ofd_xml(doc_id, title, author, created),
        "Doc_0/Document.xml": _document_xml(pages, ids.last, width_mm, height_mm),
        "Doc_0/PublicRes.xml": _public_res(fonts.values()),
        **page_files,
    }
    for font in fonts.values():
        files[f"Doc_0/Res/{font.file_name}"] = font.program
    return OfdDocument(write_package(files), tuple(pages), ids.last)


def _ofd_xml(doc_id: str, title: str, author: str, created: datetime) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>{escape(doc_id)}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
        f"<ofd:Author>{escape(author)}</ofd:Author><ofd:CreationDate>{created:%Y-%m-%d}</ofd:CreationDate>"
        f"<ofd:Creator>{CREATOR}</ofd:Creator><ofd:CreatorVersion>1</ofd:CreatorVersion></ofd:DocInfo>"
        f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    ).encode()


def _document_xml(pages: list[OfdPage], max_id: int, width: str, height: str) -> bytes:
    entries = "".join(
        f'<ofd:Page ID="{p.id}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i, p in enumerate(pages)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{max_id}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {width} {height}"
        f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{entries}</ofd:Pages></ofd:Document>"
    ).encode()


def _public_res(fonts) -> bytes:
    entries = "".join(
        f'<ofd:Font ID="{f.id}" FontName={quoteattr(f.family)} FamilyName={quoteattr(f.family)}'
        f'{" Bold=" + chr(34) + "true" + chr(34) if f.bold else ""}{" Italic=" + chr(34) + "true" + chr(34) if f.italic else ""}>'
        f"<ofd:FontFile>{f.file_name}</ofd:FontFile></ofd:Font>"
        for f in fonts
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
        f"<ofd:Fonts>{entries}</ofd:Fonts></ofd:Res>"
    ).encode()

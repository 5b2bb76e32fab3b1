"""Seal an OFD per GB/T 33190-2016 §18 with a GB/T 38540 electronic signature (SM2/SM3).

Steps: put the seal picture on the page as a Stamp annotation, list the signature in Signs/Signatures.xml, digest
every file of the package with SM3 into Sign_N/Signature.xml (References), then sign: the SES_Signature's
dataHash is the SM3 of Signature.xml and it is stored as Sign_N/SignedValue.dat.
"""

from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from repair.errors import SealError
from repair.ofd.package import NS, parse_xml, q, read_package, resolve, text, write_package, xml_bytes
from repair.seal.sm2 import algorithms as sm
from repair.seal.sm2.pki import Sm2Signer
from repair.seal.sm2.ses import parse_seal, sign_document

PT_TO_MM = 25.4 / 72
PROVIDER = "repair"


@dataclass(frozen=True)
class StampPlace:
    """Where the seal goes: page index (0-based) and box (x, y, width, height) in mm, origin top-left."""

    page_index: int
    box: tuple[float, float, float, float]

    @classmethod
    def from_pdf_anchor(cls, page_index: int, box_pt: tuple[float, float, float, float],
                        page_height_pt: float = 841.889764) -> "StampPlace":
        """Convert a PDF seal anchor (points, origin bottom-left) to an OFD place."""
        x1, y1, x2, y2 = box_pt
        return cls(page_index, tuple(round(v * PT_TO_MM, 3) for v in (x1, page_height_pt - y2, x2 - x1, y2 - y1)))


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _doc_root(files: dict[str, bytes]) -> tuple[ET.Element, str, ET.Element]:
    ofd = parse_xml(files, "OFD.xml")
    body = ofd.find(q("DocBody"))
    root_loc = text(body, "DocRoot")
    if body is None or not root_loc:
        raise SealError("OFD.xml 缺少 DocRoot / OFD.xml has no DocRoot")
    return ofd, resolve("OFD.xml", root_loc), body


def _page_ids(document: ET.Element, document_path: str) -> list[tuple[int, str]]:
    pages = document.find(q("Pages"))
    if pages is None:
        raise SealError("Document.xml 缺少页面列表 / Document.xml has no Pages")
    result = []
    for page in pages.findall(q("Page")):
        try:
            result.append((int(page.get("ID", "")), resolve(document_path, page.get("BaseLoc", ""))))
        except ValueError as error:
            raise SealError(f"页面 ID 无效 / invalid page ID in Document.xml: {error}") from error
    return result


def _add_stamp_annotation(files: dict, document: ET.Element, document_path: str, page_id: int,
                          page_index: int, place: StampPlace, picture: bytes, next_id) -> None:
    """A Stamp annotation showing the seal picture; registered in DocumentRes.xml and Annotations.xml."""
    doc_dir = document_path.rsplit("/", 1)[0]
    common = document.find(q("CommonData"))
    res_loc = text(common, "DocumentRes")
    if res_loc is None:
        res_loc = "DocumentRes.xml"
        ET.SubElement(common, q("DocumentRes")).text = res_loc
        files[resolve(document_path, res_loc)] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"/>'.encode())
    res_path = resolve(document_path, res_loc)
    res = parse_xml(files, res_path)
    medias = res.find(q("MultiMedias"))
    if medias is None:
        medias = ET.SubElement(res, q("MultiMedias"))
    image_id = next_id()
    image_name = f"seal_{image_id}.png"
    media = ET.SubElement(medias, q("MultiMedia"), {"ID": str(image_id), "Type": "Image", "Format": "PNG"})
    ET.SubElement(media, q("MediaFile")).text = image_name
    files[res_path] = xml_bytes(res)
    files[resolve(res_path, f"{res.get('BaseLoc', 'Res')}/{image_name}")] = picture

    x, y, w, h = place.box
    annot_path = f"{doc_dir}/Annots/Page_{page_index}/Annotation.xml"
    annot_id, object_id = next_id(), next_id()
    existing = files.get(annot_path)
    page_annot = (ET.fromstring(existing) if existing else ET.Element(q("PageAnnot")))
    annot = ET.SubElement(page_annot, q("Annot"), {
        "ID": str(annot_id), "Type": "Stamp", "Creator": PROVIDER, "LastModDate": "2020-01-01",
        "ReadOnly": "true", "Print": "true", "NoZoom": "false", "NoRotate": "false"})
    appearance = ET.SubElement(annot, q("Appearance"), {"Boundary": " ".join(_fmt(v) for v in (x, y, w, h))})
    ET.SubElement(appearance, q("ImageObject"), {
        "ID": str(object_id), "ResourceID": str(image_id), "Boundary": f"0 0 {_fmt(w)} {_fmt(h)}",
        "CTM": f"{_fmt(w)} 0 0 {_fmt(h)} 0 0"})
    files[annot_path] = xml_bytes(page_annot)

    annotations_loc = text(document, "Annotations")
    if annotations_loc is None:
        annotations_loc = "Annots/Annotations.xml"
        element = ET.Element(q("Annotations"))
        element.text = annotations_loc
        # Document's sequence: CommonData, Pages, Outlines, Permissions, Actions, VPreferences, Bookmarks, Annotations…
        children = list(document)
        after = max(i for i, c in enumerate(children) if c.tag in {q(t) for t in (
            "CommonData", "Pages", "Outlines", "Permissions", "Actions", "VPreferences", "Bookmarks")})
        document.insert(after + 1, element)
    annotations_path = resolve(document_path, annotations_loc)
    index = (ET.fromstring(files[annotations_path]) if annotations_path in files
             else ET.Element(q("Annotations")))
    if not any(p.get("PageID") == str(page_id) for p in index.findall(q("Page"))):
        entry = ET.SubElement(index, q("Page"), {"PageID": str(page_id)})
        ET.SubElement(entry, q("FileLoc")).text = posixpath.relpath(annot_path, posixpath.dirname(annotations_path))
    files[annotations_path] = xml_bytes(index)


def seal_ofd(data: bytes, signer: Sm2Signer, *, place: StampPlace, at: datetime) -> bytes:
    """Add `signer`'s seal and GB/T 38540 signature (SM2/SM3) to an OFD package; returns the new package."""
    files = read_package(data)
    ofd, document_path, body = _doc_root(files)
    document = parse_xml(files, document_path)
    pages = _page_ids(document, document_path)
    if not 0 <= place.page_index < len(pages):
        raise SealError(f"印章页码超出范围 / seal page {place.page_index + 1} is not in the document")
    common = document.find(q("CommonData"))
    max_node = common.find(q("MaxUnitID")) if common is not None else None
    if max_node is None or not (max_node.text or "").strip().isdigit():
        raise SealError("Document.xml 缺少 MaxUnitID / Document.xml has no MaxUnitID")
    counter = [int(max_node.text)]

    def next_id() -> int:
        counter[0] += 1
        return counter[0]

    seal = parse_seal(signer.seal)
    page_id, _ = pages[place.page_index]
    _add_stamp_annotation(files, document, document_path, page_id, place.page_index, place, seal.picture, next_id)
    max_node.text = str(counter[0])
    files[document_path] = xml_bytes(document)

    # Signatures.xml lives beside Document.xml and is named from OFD.xml's DocBody.
    doc_dir = document_path.rsplit("/", 1)[0]
    signatures_loc = text(body, "Signatures")
    if signatures_loc is None:
        signatures_loc = f"{doc_dir}/Signs/Signatures.xml"
        ET.SubElement(body, q("Signatures")).text = signatures_loc
        files["OFD.xml"] = xml_bytes(ofd)
    signatures_path = resolve("OFD.xml", signatures_loc)
    signatures = (ET.fromstring(files[signatures_path]) if signatures_path in files
                  else ET.Element(q("Signatures")))
    max_sign = signatures.find(q("MaxSignId"))
    if max_sign is None:
        max_sign = ET.Element(q("MaxSignId"))
        signatures.insert(0, max_sign)
    sign_id = int(max_sign.text or 0) + 1
    max_sign.text = str(sign_id)
    sign_dir = f"{signatures_path.rsplit('/', 1)[0]}/Sign_{sign_id - 1}"
    signature_path, value_path = f"{sign_dir}/Signature.xml", f"{sign_dir}/SignedValue.dat"
    if signature_path in files:
        raise SealError(f"签章目录已存在 / {sign_dir} already exists")
    ET.SubElement(signatures, q("Signature"), {"ID": str(sign_id), "Type": "Seal", "BaseLoc": "/" + signature_path})
    files[signatures_path] = xml_bytes(signatures)

    references = "".join(
        f'<ofd:Reference FileRef="/{escape(path)}"><ofd:CheckValue>'
        f"{base64.b64encode(sm.sm3(content)).decode()}</ofd:CheckValue></ofd:Reference>"
        for path, content in files.items()
    )
    x, y, w, h = place.box
    signature_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        f'<ofd:Provider ProviderName="{PROVIDER}" Version="1" Company="{escape(signer.name)}"/>'
        f"<ofd:SignatureMethod>{sm.OID_SM2_WITH_SM3}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{at.astimezone().strftime('%Y%m%d%H%M%S%z')}</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{sm.OID_SM3}">{references}</ofd:References>'
        f'<ofd:StampAnnot ID="1" PageRef="{page_id}" Boundary="{_fmt(x)} {_fmt(y)} {_fmt(w)} {_fmt(h)}"/>'
        f"</ofd:SignedInfo><ofd:SignedValue>/{value_path}</ofd:SignedValue></ofd:Signature>"
    ).encode()
    files[signature_path] = signature_xml
    files[value_path] = sign_document(
        seal=signer.seal, signer_key=signer.key, signer_certificate=signer.certificate,
        data_hash=sm.sm3(signature_xml), property_info="/" + signature_path, at=at,
    )
    return write_package(files)

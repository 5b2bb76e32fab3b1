"""The OFD container (GB/T 33190-2016 §7): a ZIP of XML parts and resources, read and written in memory."""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree as ET

from repair.errors import SealError

NS = "http://www.ofdspec.org/2016"
_Q = f"{{{NS}}}"
ET.register_namespace("ofd", NS)
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
MAX_FILES = 2000


def q(tag: str) -> str:
    """Qualified name of an element in the OFD namespace, for ElementTree."""
    return _Q + tag


def write_package(files: dict[str, bytes]) -> bytes:
    """ZIP the parts in the given order (OFD.xml first); fixed timestamps keep the bytes reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def read_package(data: bytes) -> dict[str, bytes]:
    """Every part of an OFD package by its path (no leading slash); SealError when it is not one."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise SealError("OFD 文件过大 / the OFD file is too large")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > 4 * MAX_PACKAGE_BYTES:
                raise SealError("OFD 包内文件过多或过大 / the OFD package is too large when unpacked")
            files = {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise SealError(f"不是 OFD 文件（无法解压） / not an OFD file: {error}") from error
    if "OFD.xml" not in files:
        raise SealError("不是 OFD 文件（缺少 OFD.xml） / not an OFD file: OFD.xml is missing")
    return files


def parse_xml(files: dict[str, bytes], path: str) -> ET.Element:
    """Parse one XML part; a missing or malformed part is a SealError naming it."""
    data = files.get(path.lstrip("/"))
    if data is None:
        raise SealError(f"OFD 包缺少 {path} / the OFD package has no {path}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SealError(f"OFD 部件 {path} 含有 DTD，拒绝解析 / {path} declares a DTD: refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise SealError(f"OFD 部件 {path} 不是有效的 XML / {path} is not valid XML: {error}") from error


def resolve(base_file: str, location: str) -> str:
    """A package path for `location` as written in `base_file` (absolute "/x" or relative to its folder)."""
    location = location.strip()
    if location.startswith("/"):
        return posixpath.normpath(location).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_file.lstrip("/")), location))


def text(element: ET.Element | None, tag: str) -> str | None:
    """Text of the first child `ofd:tag`, stripped (None when absent)."""
    if element is None:
        return None
    child = element.find(q(tag))
    return child.text.strip() if child is not None and child.text else None


def xml_bytes(root: ET.Element) -> bytes:
    """Serialise an element tree as a UTF-8 XML document."""
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)

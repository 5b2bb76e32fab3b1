"""Verify the GB/T 38540 electronic seals of an OFD (GB/T 33190 §18): digests, SM2 signatures and trust.

For every signature in Signs/Signatures.xml: the SES_Signature in SignedValue.dat must sign (SM2/SM3, signer's
certificate) a TBS_Sign whose dataHash is the SM3 of Signature.xml; every Reference's SM3 must match its file;
every file of the package must be referenced (an added page or resource is named); the seal must be signed by
its maker, list the signer's certificate and be valid at the signing time; both certificates must chain to a
trusted SM2 root (the development SM2 CA and REPAIR_SM2_TRUST_ROOTS).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from asn1crypto import x509

from repair.config import Settings
from repair.errors import SealError
from repair.ofd.package import parse_xml, q, read_package, resolve, text
from repair.seal.report import UNKNOWN_SIGNER, SignatureReport, VerificationReport, summarise, unsigned_report
from repair.seal.sm2 import algorithms as sm
from repair.seal.sm2.pki import sm2_trust_roots
from repair.seal.sm2.ses import parse_signature

_SM3_NAMES = {sm.OID_SM3, "SM3", "sm3"}


def _load_cert(der: bytes) -> x509.Certificate | None:
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # parse every field now
        return cert
    except (ValueError, TypeError, KeyError):
        return None


def _sm2_valid(cert: x509.Certificate | None, algorithm: str, signature: bytes, data: bytes) -> bool:
    """True when `signature` is an SM2-with-SM3 signature of `data` by the key of `cert`."""
    if cert is None or algorithm != sm.OID_SM2_WITH_SM3:
        return False
    try:
        key = sm.load_public_key(cert.public_key.dump())
    except SealError:
        return False
    return sm.verify(key, signature, data)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    return cert.issuer == issuer.subject and _sm2_valid(
        issuer, cert["signature_algorithm"]["algorithm"].dotted, cert.signature, cert["tbs_certificate"].dump())


def _valid_at(cert: x509.Certificate, at: datetime) -> bool:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native <= at <= validity["not_after"].native


def _chain_problems(der: bytes, roots: list[x509.Certificate], at: datetime, role: tuple[str, str]) -> list[str]:
    zh, en = role
    cert = _load_cert(der)
    if cert is None:
        return [f"{zh}证书无法解析 / the {en} certificate cannot be parsed"]
    problems = []
    if not any(cert.dump() == root.dump() or (_signed_by(cert, root) and root.ca) for root in roots):
        problems.append(f"{zh}证书不是由受信任的 SM2 根证书签发（来自其他 CA） / the {en} certificate is not "
                        "issued by a trusted SM2 CA")
    if not _valid_at(cert, at):
        problems.append(f"签章时{zh}证书不在有效期内 / the {en} certificate was not valid at signing time")
    return problems


def _check_references(files: dict[str, bytes], signed_info, problems: list[str]) -> set[str]:
    references = signed_info.find(q("References")) if signed_info is not None else None
    if references is None:
        problems.append("Signature.xml 缺少 References / Signature.xml has no References")
        return set()
    method = (references.get("CheckMethod") or "").strip()
    if method not in _SM3_NAMES:
        problems.append(f"不支持的摘要算法 / unsupported digest method {method!r}")
        return set()
    covered = set()
    for reference in references.findall(q("Reference")):
        path = resolve("OFD.xml", "/" + (reference.get("FileRef") or "").lstrip("/"))
        covered.add(path)
        try:
            expected = base64.b64decode(text(reference, "CheckValue") or reference.findtext(q("CheckValue")) or "",
                                        validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"文件 /{path} 的摘要值无效 / invalid check value for /{path}")
            continue
        if path not in files:
            problems.append(f"签章保护的文件 /{path} 已被删除 / protected file /{path} was removed")
        elif sm.sm3(files[path]) != expected:
            problems.append(f"签章保护的文件 /{path} 已被修改 / protected file /{path} was changed")
    return covered


def _page_ids(files: dict[str, bytes], document_path: str | None) -> set[str] | None:
    # None when Document.xml cannot be read: its digest check names the change instead.
    try:
        pages = parse_xml(files, document_path).find(q("Pages")) if document_path else None
    except SealError:
        return None
    return {p.get("ID", "") for p in pages.findall(q("Page"))} if pages is not None else set()


class _Entry(dict):
    """A Signatures.xml entry (or one found by its conventional path when Signatures.xml is unreadable)."""


def _signature_entries(files: dict[str, bytes]) -> tuple[str | None, str | None, list]:
    """(Document.xml path, Signatures.xml path, entries). A signed part made unreadable by tampering must
    still let the other signed parts be checked, so unreadable parts fall back to the conventional paths."""
    try:
        body = parse_xml(files, "OFD.xml").find(q("DocBody"))
        root_loc, signatures_loc = text(body, "DocRoot"), text(body, "Signatures")
        if not root_loc:
            raise SealError("OFD.xml 缺少 DocRoot / not an OFD document: OFD.xml has no DocRoot")
        document_path = resolve("OFD.xml", root_loc)
    except SealError:
        conventional = sorted(p for p in files if p.endswith("/Signs/Signatures.xml"))
        if not conventional:
            raise
        document_path, signatures_loc = None, "/" + conventional[0]
    if not signatures_loc:
        return document_path, None, []
    signatures_path = resolve("OFD.xml", signatures_loc)
    try:
        entries = [_Entry(e.attrib) for e in parse_xml(files, signatures_path).findall(q("Signature"))]
    except SealError:
        folder = signatures_path.rsplit("/", 1)[0]
        found = sorted(p for p in files if p.startswith(folder + "/Sign_") and p.endswith("/Signature.xml"))
        if not found:
            raise
        entries = [_Entry(ID=str(i + 1), BaseLoc="/" + p) for i, p in enumerate(found)]
    return document_path, signatures_path, entries


def _verify_one(index: int, files: dict[str, bytes], entry, signatures_path: str, roots, page_ids: set[str] | None,
                later_files: set[str]) -> tuple[SignatureReport, set[str]]:
    problems: list[str] = []
    intact = True
    signature_path = resolve(signatures_path, entry.get("BaseLoc") or "")
    signature_xml = files.get(signature_path)
    own_files = {signature_path}
    signer, department, signed_at, timestamped, trusted = UNKNOWN_SIGNER, None, None, False, False
    if signature_xml is None:
        problems.append(f"签章文件 /{signature_path} 不存在 / signature file /{signature_path} is missing")
        return SignatureReport(index, entry.get("ID", ""), "signature", signer, None, None, False, None,
                               False, False, "none", False, problems=tuple(problems)), own_files
    try:
        root = parse_xml(files, signature_path)
        signed_info = root.find(q("SignedInfo"))
        value_path = resolve(signature_path, text(root, "SignedValue") or "SignedValue.dat")
        covered = _check_references(files, signed_info, problems)
    except SealError:
        # Tampering can make Signature.xml unreadable; its SM3 in SignedValue.dat still names the change.
        signed_info, value_path, covered = None, resolve(signature_path, "SignedValue.dat"), set(files)
        problems.append("Signature.xml 无法解析（签章后被修改） / Signature.xml cannot be read (changed after signing)")
    own_files.add(value_path)
    intact = not problems
    stamp = signed_info.find(q("StampAnnot")) if signed_info is not None else None
    if stamp is not None and page_ids is not None and stamp.get("PageRef") not in page_ids:
        intact = False
        problems.append("印章所在页面已不存在 / the page that carries the seal no longer exists")
    try:
        parsed = parse_signature(files.get(value_path) or b"")
    except SealError as error:
        problems.append(f"签章值无法解析（可能被篡改） / the signed value cannot be parsed: {error}")
        return SignatureReport(index, entry.get("ID", ""), "signature", signer, None, None, False, None,
                               False, False, "partial", False, problems=tuple(problems)), own_files | covered
    signed_at, timestamped = parsed.signed_at, parsed.timestamped
    if parsed.data_hash != sm.sm3(signature_xml):
        intact = False
        problems.append("Signature.xml 在签章后被修改 / Signature.xml was changed after signing")
    cert = _load_cert(parsed.signer_certificate)
    if not _sm2_valid(cert, parsed.algorithm, parsed.signature, parsed.signed_data):
        intact = False
        problems.append("SM2 签名值不正确（或不是 SM2 签名、证书无法解析） / the SM2 signature does not verify")
    seal = parsed.seal
    if not _sm2_valid(_load_cert(seal.maker_certificate), seal.algorithm, seal.signed_value, seal.signed_data):
        intact = False
        problems.append("电子印章数据的制章签名无效 / the seal's maker signature does not verify")
    trust_problems = _chain_problems(parsed.signer_certificate, roots, signed_at, ("签章人", "signer"))
    trust_problems += _chain_problems(seal.maker_certificate, roots, signed_at, ("制章人", "seal maker"))
    if parsed.signer_certificate not in seal.signer_certificates:
        trust_problems.append("印章未授权该签章证书 / the seal does not list the signer's certificate")
    if not seal.valid_from <= signed_at <= seal.valid_to:
        trust_problems.append("签章时印章不在有效期内 / the seal was not valid at signing time")
    problems += trust_problems
    trusted = not trust_problems
    if trusted and cert is not None:
        subject = cert.subject.native
        signer, department = subject.get("common_name", ""), subject.get("serial_number")
    unreferenced = sorted(set(files) - covered - own_files - later_files)
    if unreferenced:
        problems.append("签章后新增了未受保护的文件 / files added after signing: "
                        + ", ".join("/" + p for p in unreferenced[:10]))
    report = SignatureReport(
        index=index, field=entry.get("ID", ""), kind="signature", signer=signer, department=department,
        signed_at=signed_at, timestamped=timestamped, level=None, intact=intact, trusted=trusted,
        coverage="entire_file" if not unreferenced else "partial", modified_after=bool(unreferenced),
        problems=tuple(problems),
    )
    return report, own_files | covered


def verify_ofd(data: bytes, settings: Settings) -> VerificationReport:
    """Check every electronic seal of an OFD; SealError (exit 2 / HTTP 422) when it is not a readable OFD."""
    files = read_package(data)
    document_path, signatures_path, entries = _signature_entries(files)
    if not entries:
        if document_path is None or _page_ids(files, document_path) is None:
            raise SealError("OFD 文档结构无法读取 / the OFD document structure cannot be read")
        return unsigned_report("ofd")
    page_ids = _page_ids(files, document_path)
    roots = [c for c in (_load_cert(der) for der in sm2_trust_roots(settings)) if c is not None]
    reports: list[SignatureReport] = []
    later: set[str] = set()
    # From the last signature back: files a later signature added (and covers) do not count against earlier ones.
    for index in range(len(entries) - 1, -1, -1):
        report, touched = _verify_one(index, files, entries[index], signatures_path, roots, page_ids, later)
        reports.append(report)
        later |= touched
    reports.reverse()
    coverage = "entire_file" if all(r.coverage == "entire_file" for r in reports) else "partial"
    result = summarise(reports, fmt="ofd", coverage=coverage)
    return result

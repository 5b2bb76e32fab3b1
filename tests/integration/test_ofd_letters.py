"""OFD letters (GB/T 33190) sealed with SM2/SM3 electronic seals (GB/T 38540): genuine, tampered, untrusted."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

import pytest
from asn1crypto import x509

from repair.config import load_settings
from repair.errors import SealError
from repair.letters import render_pdf, sample_context
from repair.ofd import ofd_text, render_ofd, verify_ofd
from repair.seal.sm2 import ensure_sm2_pki, load_sm2_signer
from repair.seal.sm2.ses import parse_seal, parse_signature

pytestmark = pytest.mark.pdf
DEPARTMENTS = [("YJJ", "上海市某区应急管理局"), ("FGW", "区发展改革委")]
AT = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path_factory.mktemp("ofd") / "instance")})
    ensure_sm2_pki(settings.keys_dir, DEPARTMENTS)
    return settings


@pytest.fixture(scope="module")
def letter():
    return render_pdf("penalty_decision", sample_context("penalty_decision"))


@pytest.fixture(scope="module")
def sealed(settings, letter):
    return render_ofd(letter, title="行政处罚决定书", author="上海市某区应急管理局", at=AT,
                      dept_code="YJJ", settings=settings)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_sm2_pki_has_national_algorithm_oids(settings):
    signer = load_sm2_signer("YJJ", settings)
    cert = x509.Certificate.load(signer.certificate)
    assert cert["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"
    assert cert.public_key["algorithm"]["parameters"].chosen.dotted == "1.2.156.10197.1.301"
    assert cert.subject.native["serial_number"] == "YJJ"
    assert (settings.keys_dir / "sm2" / "ca.cert.pem").is_file()
    seal = parse_seal(signer.seal)
    assert seal.name == "上海市某区应急管理局" and seal.signer_certificates == (signer.certificate,)
    assert seal.picture[:8] == b"\x89PNG\r\n\x1a\n"


def test_package_has_the_standard_layout_and_text_as_text(sealed, letter):
    parts = _parts(sealed)
    for name in ("OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/Pages/Page_0/Content.xml",
                 "Doc_0/Signs/Signatures.xml", "Doc_0/Signs/Sign_0/Signature.xml",
                 "Doc_0/Signs/Sign_0/SignedValue.dat"):
        assert name in parts, name
    assert sum(1 for n in parts if n.endswith("/Content.xml")) == letter.page_count
    fonts = [n for n in parts if n.startswith("Doc_0/Res/font_")]
    assert fonts and all(parts[n][:4] == b"OTTO" for n in fonts)  # embedded subset CJK OpenType fonts
    assert b"<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>" in parts["Doc_0/Document.xml"]
    assert b'Type="Stamp"' in parts[f"Doc_0/Annots/Page_{letter.seal_anchor.page_index}/Annotation.xml"]
    text = "".join(ofd_text(sealed))
    assert "行政处罚决定书" in text and sample_context("penalty_decision")["doc_number"] in text


def test_genuine_ofd_verifies(settings, sealed):
    report = verify_ofd(sealed, settings)
    assert (report.signed, report.intact, report.trusted, report.ok, report.format) == (True, True, True, True, "ofd")
    assert report.signer == "上海市某区应急管理局" and report.department == "YJJ"
    assert report.signing_time == AT and report.coverage == "entire_file"
    assert [s.problems for s in report.signatures] == [()]
    signature = parse_signature(_parts(sealed)["Doc_0/Signs/Sign_0/SignedValue.dat"])
    assert signature.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"


def test_flipping_any_byte_of_any_part_is_caught(settings, sealed):
    parts = _parts(sealed)
    for name, data in parts.items():
        for position in (0, len(data) // 2, len(data) - 1):
            changed = dict(parts)
            changed[name] = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
            try:
                report = verify_ofd(_zip(changed), settings)
            except SealError:
                # Only OFD.xml may become unreadable as a whole; then nothing can claim to be sealed.
                assert name == "OFD.xml", (name, position)
                continue
            assert not report.ok and not report.intact, (name, position)
            problems = " ".join(p for s in report.signatures for p in s.problems)
            assert problems, (name, position)


def test_added_file_and_removed_page_are_named(settings, sealed):
    parts = _parts(sealed)
    report = verify_ofd(_zip({**parts, "Doc_0/Res/extra.png": b"\x89PNG"}), settings)
    assert not report.ok and report.modified_after_signing
    assert "/Doc_0/Res/extra.png" in report.signatures[0].problems[-1]

    document = parts["Doc_0/Document.xml"]
    start = document.index(b"<ofd:Page ID=", document.index(b"<ofd:Page ID=") + 1)
    end = document.index(b"/>", start) + 2
    fewer = {**parts, "Doc_0/Document.xml": document[:start] + document[end:]}
    fewer.pop("Doc_0/Pages/Page_1/Content.xml")
    report = verify_ofd(_zip(fewer), settings)
    problems = " ".join(report.signatures[0].problems)
    assert not report.ok and "/Doc_0/Document.xml" in problems and "/Doc_0/Pages/Page_1/Content.xml" in problems

    extra_page = dict(parts)
    extra_page["Doc_0/Pages/Page_2/Content.xml"] = parts["Doc_0/Pages/Page_1/Content.xml"]
    extra_page["Doc_0/Document.xml"] = document.replace(
        b"</ofd:Pages>", b'<ofd:Page ID="9999" BaseLoc="Pages/Page_2/Content.xml"/></ofd:Pages>')
    report = verify_ofd(_zip(extra_page), settings)
    assert not report.ok and "/Doc_0/Pages/Page_2/Content.xml" in " ".join(report.signatures[0].problems)


def test_certificate_from_another_ca_is_untrusted(settings, letter, tmp_path):
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "stranger")})
    ensure_sm2_pki(stranger.keys_dir, [("YJJ", "上海市某区应急管理局")])
    forged = render_ofd(letter, title="行政处罚决定书", author="上海市某区应急管理局", at=AT,
                        dept_code="YJJ", settings=stranger)
    report = verify_ofd(forged, settings)
    assert report.intact and not report.trusted and not report.ok
    assert report.department is None and "未知签章人" in report.signer
    assert any("其他 CA" in p for p in report.signatures[0].problems)


def test_unsigned_and_malformed_input(settings, letter):
    unsigned = render_ofd(letter, title="行政处罚决定书", author="x", at=AT)
    report = verify_ofd(unsigned, settings)
    assert not report.signed and not report.ok and report.format == "ofd"
    for junk in (b"", b"not a zip", letter.pdf, _zip({"hello.txt": b"x"}), _zip({"OFD.xml": b"<ofd:OFD"})):
        with pytest.raises(SealError):
            verify_ofd(junk, settings)


def test_production_seals_from_configuration(settings, letter, tmp_path):
    production = load_settings({
        "REPAIR_INSTANCE_PATH": str(tmp_path / "prod"),
        "REPAIR_SM2_SEAL_DIR": str(settings.keys_dir / "sm2"),
        "REPAIR_SM2_TRUST_ROOTS": str(settings.keys_dir / "sm2" / "ca.cert.pem"),
    })
    sealed = render_ofd(letter, title="t", author="a", at=AT, dept_code="FGW", settings=production)
    assert verify_ofd(sealed, production).department == "FGW"
    with pytest.raises(SealError, match="SM2"):
        load_sm2_signer("NOPE", production)

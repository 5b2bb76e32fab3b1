"""Sealing letters (PAdES + visible seal) and verifying them: genuine, tampered, untrusted, unsigned."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pypdf import PdfReader

from repair.config import load_settings
from repair.errors import SealError, ValidationError
from repair.letters import render_pdf, sample_context
from repair.seal import ensure_development_pki, load_signer, seal_pdf, verify_pdf

pytestmark = pytest.mark.pdf
DEPARTMENTS = [("YJJ", "上海市某区应急管理局"), ("FGW", "区发展改革委")]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("REPAIR_INSTANCE_PATH", str(tmp_path / "instance"))
    settings = load_settings()
    ensure_development_pki(settings.keys_dir, DEPARTMENTS)
    return settings


@pytest.fixture(scope="module")
def letter():
    return render_pdf("penalty_decision", sample_context("penalty_decision"))


def _flip_inside_a_stream(data: bytes) -> bytes:
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        if end - match.end() > 1000:
            position = (match.end() + end) // 2
            return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
    raise AssertionError("no stream found")


def test_genuine_sealed_letter_verifies(settings, letter):
    at = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
    sealed = seal_pdf(letter, "YJJ", settings, reason="行政处罚决定书签章", at=at)
    assert sealed.startswith(letter.pdf)  # incremental update: the rendered bytes are untouched
    report = verify_pdf(sealed, settings)
    assert (report.signed, report.intact, report.trusted, report.ok) == (True, True, True, True)
    assert report.signer == "上海市某区应急管理局" and report.department == "YJJ"
    # B-LT: the DSS update follows the signature, so it covers its revision; the signing time shown is the
    # trusted timestamp's (now), not the time the service claimed (`at`, in the signature's signing-time).
    assert report.coverage == "entire_revision" and report.level == "B-LT"
    assert abs(report.signing_time - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert report.signatures[0].timestamped and not report.modified_after_signing
    assert "真实有效" in report.summary_zh
    assert '"department": "YJJ"' in report.as_json()


def test_seal_widget_lies_on_the_anchor(settings, letter):
    sealed = seal_pdf(letter, "FGW", settings, reason="签章")
    page = PdfReader(io.BytesIO(sealed)).pages[letter.seal_anchor.page_index]
    widgets = [a.get_object() for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Widget"]
    assert len(widgets) == 1
    assert [float(v) for v in widgets[0]["/Rect"]] == pytest.approx(letter.seal_anchor.box, abs=0.05)
    assert verify_pdf(sealed, settings).department == "FGW"


def test_flipping_one_signed_byte_breaks_the_seal(settings, letter):
    sealed = seal_pdf(letter, "YJJ", settings, reason="签章")
    report = verify_pdf(_flip_inside_a_stream(sealed), settings)
    assert report.signed and not report.intact and not report.ok
    assert "被修改" in report.summary_zh


def test_signer_from_another_ca_is_untrusted(settings, letter, tmp_path, caplog):
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "stranger")})
    ensure_development_pki(stranger.keys_dir, [("YJJ", "上海市某区应急管理局")])
    sealed = seal_pdf(letter, "YJJ", stranger, reason="签章")
    caplog.set_level(logging.DEBUG)
    report = verify_pdf(sealed, settings)
    assert report.intact and not report.trusted and not report.ok
    assert "不受信任" in report.summary_zh
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logging.getLogger("pyhanko").level == logging.NOTSET  # silenced only during the call
    assert verify_pdf(sealed, stranger).trusted


def test_extra_trust_roots_are_honoured(settings, letter, tmp_path):
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "stranger")})
    ensure_development_pki(stranger.keys_dir, [("YJJ", "上海市某区应急管理局")])
    sealed = seal_pdf(letter, "YJJ", stranger, reason="签章")
    widened = settings.with_overrides(trust_roots=(stranger.keys_dir / "ca.cert.pem",))
    assert verify_pdf(sealed, widened).trusted


def test_unsigned_pdf(settings, letter):
    report = verify_pdf(letter.pdf, settings)
    assert (report.signed, report.intact, report.trusted, report.ok) == (False, False, False, False)
    assert "没有电子印章" in report.summary_zh


def test_not_a_pdf(settings):
    with pytest.raises(SealError, match="not a PDF"):
        verify_pdf(b"hello", settings)


def test_sealing_plain_bytes_finds_the_anchor(settings, letter):
    sealed = seal_pdf(letter.pdf, "YJJ", settings, reason="签章")
    page = PdfReader(io.BytesIO(sealed)).pages[letter.seal_anchor.page_index]
    rect = next(a.get_object()["/Rect"] for a in page["/Annots"] if a.get_object()["/Subtype"] == "/Widget")
    assert [float(v) for v in rect] == pytest.approx(letter.seal_anchor.box, abs=0.05)
    assert verify_pdf(sealed, settings).ok


def test_document_without_anchor_is_refused(settings):
    form = render_pdf("commitment_letter", sample_context("commitment_letter"))
    with pytest.raises(SealError, match="seal anchor"):
        seal_pdf(form, "YJJ", settings, reason="签章")


def test_unknown_department_is_refused(settings, letter):
    with pytest.raises(SealError, match="ZZZ"):
        seal_pdf(letter, "ZZZ", settings, reason="签章")
    with pytest.raises(ValidationError):
        seal_pdf(letter, "../etc", settings, reason="签章")


def test_development_pki_is_idempotent_and_marked(settings):
    files = {p: p.read_bytes() for p in settings.keys_dir.rglob("*.pem")}
    ensure_development_pki(settings.keys_dir, DEPARTMENTS)
    assert {p: p.read_bytes() for p in settings.keys_dir.rglob("*.pem")} == files
    ca = x509.load_pem_x509_certificate((settings.keys_dir / "ca.cert.pem").read_bytes())
    assert "DEVELOPMENT ONLY" in ca.subject.rfc4514_string() and "测试根CA" in ca.subject.rfc4514_string()
    assert oct((settings.keys_dir / "departments" / "YJJ.key.pem").stat().st_mode & 0o777) == "0o600"
    assert load_signer("YJJ", settings) is load_signer("YJJ", settings)  # cached per process


def test_renamed_department_gets_a_new_certificate(settings, letter):
    ensure_development_pki(settings.keys_dir, [("FGW", "区发展和改革委员会")])
    assert verify_pdf(seal_pdf(letter, "FGW", settings, reason="签章"), settings).signer == "区发展和改革委员会"


def test_production_pkcs12_seal(settings, letter, tmp_path):
    folder = tmp_path / "p12"
    folder.mkdir()
    departments = settings.keys_dir / "departments"
    key = serialization.load_pem_private_key((departments / "YJJ.key.pem").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((departments / "YJJ.cert.pem").read_bytes())
    encryption = serialization.BestAvailableEncryption(b"s3cret")
    p12 = pkcs12.serialize_key_and_certificates(b"YJJ", key, cert, None, encryption)
    (folder / "YJJ.p12").write_bytes(p12)
    production = settings.with_overrides(seal_p12_dir=folder, seal_p12_password="s3cret")
    report = verify_pdf(seal_pdf(letter, "YJJ", production, reason="签章"), settings)
    assert report.ok and report.department == "YJJ"
    with pytest.raises(SealError, match="PKCS#12"):
        seal_pdf(letter, "YJJ", production.with_overrides(seal_p12_password="wrong"), reason="签章")


def test_timestamp_authority_is_used_when_configured(settings, letter):
    # Nothing listens on the discard port: the failure proves the TSA is called, with a clear error.
    offline = settings.with_overrides(tsa_url="http://127.0.0.1:9/tsa")
    with pytest.raises(SealError, match="127.0.0.1:9"):
        seal_pdf(letter, "YJJ", offline, reason="签章")

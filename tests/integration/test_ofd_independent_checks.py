"""Independent checks of sealed OFD letters with implementations the product does not use:
sm-crypto (npm, under Debian's node) re-verifies every SM2 signature and SM3 digest; the npm viewer ofd.js
renders the OFD in Debian's Chromium (and checks the seal itself)."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest
from asn1crypto import x509

from repair.config import CHECKOUT, load_settings
from repair.letters import render_pdf, sample_context
from repair.ofd import render_ofd
from repair.seal.sm2 import ensure_sm2_pki
from repair.seal.sm2.pki import certificate_from_pem
from repair.seal.sm2.ses import SESSeal, SESSignature

pytestmark = pytest.mark.pdf
JS = CHECKOUT / "tests" / "js"
NS = "{http://www.ofdspec.org/2016}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def node_modules():
    """tests/js/node_modules, installed from the lock file with npm when missing (CI runs on a fresh clone)."""
    if not (JS / "node_modules" / "sm-crypto").is_dir() or not (JS / "node_modules" / "ofd.js").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is required for the independent checks (scripts/bootstrap.sh installs it)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=JS, check=True,
                       capture_output=True, timeout=300)
    return JS / "node_modules"


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path_factory.mktemp("ofdjs") / "instance")})
    ensure_sm2_pki(settings.keys_dir, [("YJJ", "上海市某区应急管理局")])
    letter = render_pdf("penalty_decision", sample_context("penalty_decision"))
    data = render_ofd(letter, title="行政处罚决定书", author="上海市某区应急管理局",
                      at=datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc), dept_code="YJJ", settings=settings)
    ca = certificate_from_pem((settings.keys_dir / "sm2" / "ca.cert.pem").read_bytes())
    return data, ca


def _sm_crypto(node_modules, request: dict) -> dict:
    node = shutil.which("node")
    assert node, "node is required for the independent checks"
    done = subprocess.run([node, str(JS / "check_sm.js")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _public_key(cert_der: bytes) -> str:
    return x509.Certificate.load(cert_der).public_key["public_key"].native.hex()


def _sm2_items(parts: dict[str, bytes], ca: bytes) -> list[dict]:
    ses = SESSignature.load(parts["Doc_0/Signs/Sign_0/SignedValue.dat"])
    seal = ses["to_sign"]["eseal"]
    signer_cert, maker_cert = ses["cert"].native, seal["cert"].native
    items = [
        # the document signature over TBS_Sign, by the department's certificate
        {"public_key": _public_key(signer_cert), "data": _b64(ses["to_sign"].dump()),
         "signature": ses["signature"].native.hex()},
        # the seal maker's signature over SES_SealInfo
        {"public_key": _public_key(maker_cert), "data": _b64(seal["eseal_info"].dump()),
         "signature": seal["signed_value"].native.hex()},
    ]
    for cert in (signer_cert, ca):  # certificate signatures, both by the CA
        parsed = x509.Certificate.load(cert)
        items.append({"public_key": _public_key(ca), "data": _b64(parsed["tbs_certificate"].dump()),
                      "signature": parsed.signature.hex()})
    return items


def _sm3_items(parts: dict[str, bytes]) -> list[dict]:
    signature_xml = parts["Doc_0/Signs/Sign_0/Signature.xml"]
    ses = SESSignature.load(parts["Doc_0/Signs/Sign_0/SignedValue.dat"])
    items = [{"data": _b64(signature_xml), "digest": ses["to_sign"]["data_hash"].native.hex()}]
    for reference in ET.fromstring(signature_xml).iter(f"{NS}Reference"):
        path = reference.get("FileRef").lstrip("/")
        digest = base64.b64decode(reference.find(f"{NS}CheckValue").text).hex()
        items.append({"data": _b64(parts[path]), "digest": digest, "path": path})
    return items


def test_sm_crypto_accepts_every_signature_and_digest(node_modules, sealed):
    data, ca = sealed
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sm2_items, sm3_items = _sm2_items(parts, ca), _sm3_items(parts)
    assert len(sm3_items) == len(parts) - 1  # every part but SignedValue.dat is referenced, plus Signature.xml
    result = _sm_crypto(node_modules, {"sm2": sm2_items, "sm3": sm3_items})
    assert result == {"sm2": [True] * len(sm2_items), "sm3": [True] * len(sm3_items)}
    # The same checker refuses a changed byte, so the agreement above means something.
    tampered_sm2 = [dict(sm2_items[0], data=_b64(base64.b64decode(sm2_items[0]["data"])[:-1] + b"\x00"))]
    tampered_sm3 = [dict(sm3_items[1], digest="00" * 32)]
    assert _sm_crypto(node_modules, {"sm2": tampered_sm2, "sm3": tampered_sm3}) == {"sm2": [False], "sm3": [False]}


def _render_in_ofd_js(data: bytes, screenshot=None) -> tuple[int, str, list[str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1300})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto((JS / "ofd_viewer.html").as_uri())
            count = page.evaluate("(d) => window.renderOfdBase64(d, 800)", base64.b64encode(data).decode())
            text = page.inner_text("#pages")
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            return count, text, requests
        finally:
            browser.close()


def test_ofd_js_renders_the_letter_in_chromium(node_modules, sealed, tmp_path):
    data, _ = sealed
    count, text, requests = _render_in_ofd_js(data, tmp_path / "ofd.png")
    flat = "".join(text.split())
    assert count == 2
    assert "行政处罚决定书" in flat and "上海某某精密机械有限公司" in flat
    assert requests == []  # offline: nothing fetched from any network
    assert (tmp_path / "ofd.png").stat().st_size > 50_000

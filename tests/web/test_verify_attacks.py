"""/verify never shows a modified or forged document as genuine, and never answers 500.

The development PKI and the sealed samples are made once per module; each test copies the keys into
the app's instance so that the page trusts the same root.
"""

from __future__ import annotations

import io
import re
import shutil

import pytest

from repair.config import load_settings
from repair.letters import render_pdf, sample_context
from repair.seal import ensure_development_pki, seal_pdf
from tests import seal_attacks
from tests.conftest import csrf_of

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    base = tmp_path_factory.mktemp("verify-attacks")
    ours = load_settings({"REPAIR_INSTANCE_PATH": str(base / "ours")})
    ensure_development_pki(ours.keys_dir, [("FGW", "区发展改革委"), ("SCJG", "区市场监管局")])
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(base / "stranger")})
    ensure_development_pki(stranger.keys_dir, [("SCJG", "区市场监管局")])
    sealed = seal_pdf(render_pdf("acceptance_notice", sample_context("acceptance_notice")), "FGW", ours,
                      reason="受理通知书签章")
    return {
        "keys": ours.keys_dir, "sealed": sealed,
        "cosealed": seal_pdf(sealed, "SCJG", ours, reason="会签"),
        "forged_second": seal_pdf(sealed, "SCJG", stranger, reason="伪造"),
        "forged_only": seal_pdf(render_pdf("acceptance_notice", sample_context("acceptance_notice")), "SCJG",
                                stranger, reason="伪造"),
    }


@pytest.fixture
def client(web, samples):
    shutil.copytree(samples["keys"], web.extensions["repair"].settings.keys_dir, dirs_exist_ok=True)
    return web.test_client()


def upload(client, data: bytes, name="doc.pdf"):
    token = csrf_of(client.get("/verify").get_data(as_text=True))
    return client.post("/verify", data={"csrf_token": token, "document": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def signature_rows(page: str) -> list[str]:
    table = page[page.index('id="signatures"'):]
    return re.findall(r'<tr class="(good|bad)">', table[: table.index("</table>")])


def test_genuine_document_lists_its_b_lt_seal(client, samples):
    response = upload(client, samples["sealed"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "验真通过" in page
    assert signature_rows(page) == ["good"] and "B-LT" in page and "（可信时间戳）" in page


@pytest.mark.parametrize("attack", [seal_attacks.change_visible_text, seal_attacks.add_annotation,
                                    seal_attacks.add_form_field])
def test_changes_after_sealing_fail(client, samples, attack):
    response = upload(client, attack(samples["sealed"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "验真未通过" in page and "验真通过" not in page and "已被修改" in page and "未被修改" not in page
    assert signature_rows(page) == ["bad"]


@pytest.mark.parametrize("attack", [seal_attacks.flip_certificate_byte, seal_attacks.truncate])
def test_damaged_files_are_422_not_500(client, samples, attack):
    response = upload(client, attack(samples["sealed"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in page and "验真通过" not in page


def test_second_signature_by_untrusted_key(client, samples):
    page = upload(client, samples["forged_second"]).get_data(as_text=True)
    assert "验真未通过" in page and signature_rows(page) == ["good", "bad"]
    assert "未知签章人" in page and "区市场监管局" not in page


def test_forged_certificate_never_shows_the_department(client, samples):
    page = upload(client, samples["forged_only"]).get_data(as_text=True)
    assert "验真未通过" in page and "未知签章人" in page
    assert "区市场监管局" not in page and "SCJG" not in page


def test_two_trusted_departments_both_valid(client, samples):
    page = upload(client, samples["cosealed"]).get_data(as_text=True)
    assert "验真通过" in page and signature_rows(page) == ["good", "good"]
    assert "区发展改革委（FGW）" in page and "区市场监管局（SCJG）" in page


def test_not_a_pdf_and_empty_upload(client):
    assert upload(client, b"%PDF-1.7 but nothing else").status_code == 422
    assert upload(client, b"GIF89a not a pdf").status_code == 422


def test_development_pki_services_are_served_under_pki(client, samples):
    from asn1crypto import crl

    answer = client.get("/pki/crl")
    assert answer.status_code == 200 and answer.mimetype == "application/pkix-crl"
    assert crl.CertificateList.load(answer.get_data()).issuer.native["common_name"] == "某区电子印章测试根CA"
    assert client.post("/pki/ocsp", data=b"junk", content_type="application/ocsp-request").status_code == 200
    assert client.get("/pki/nothing").status_code == 404

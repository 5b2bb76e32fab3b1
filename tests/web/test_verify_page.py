"""The public /verify page: upload a PDF, read in Chinese whether its seal is genuine."""

import io

import pytest

from repair.letters import render_pdf, sample_context
from repair.seal import ensure_development_pki, seal_pdf
from tests.conftest import csrf_of


@pytest.fixture
def sealed(sealing):
    rendered = render_pdf("acceptance_notice", sample_context("acceptance_notice"))
    return seal_pdf(rendered, "FGW", sealing.settings, reason="测试")


def upload(client, data: bytes, name="doc.pdf"):
    token = csrf_of(client.get("/verify").get_data(as_text=True))
    return client.post("/verify", data={"csrf_token": token, "document": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_genuine_document_verifies_without_login(web, sealed):
    client = web.test_client()
    page = client.get("/verify")
    assert page.status_code == 200 and "电子签章文书验真" in page.get_data(as_text=True)
    result = upload(client, sealed).get_data(as_text=True)
    assert "验真通过" in result and "区发展改革委" in result and "未被修改" in result and "受信任" in result


def test_one_flipped_byte_fails(web, sealed):
    data = bytearray(sealed)
    data[len(data) // 3] ^= 0x20
    result = upload(web.test_client(), bytes(data)).get_data(as_text=True)
    assert "验真未通过" in result


def test_untrusted_signer_is_named_untrusted(web, sealed, tmp_path, sealing):
    from repair.config import Settings

    stranger = Settings(instance_path=tmp_path / "elsewhere", database_url="sqlite://")
    ensure_development_pki(stranger.keys_dir, [("FGW", "区发展改革委")])
    rendered = render_pdf("acceptance_notice", sample_context("acceptance_notice"))
    forged = seal_pdf(rendered, "FGW", stranger, reason="伪造")
    result = upload(web.test_client(), forged).get_data(as_text=True)
    assert "验真未通过" in result and "不受信任" in result


def test_not_a_pdf_is_explained(web):
    response = upload(web.test_client(), b"hello, not a pdf", "x.pdf")
    assert response.status_code == 422 and "PDF" in response.get_data(as_text=True)

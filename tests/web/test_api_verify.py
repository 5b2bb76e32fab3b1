"""POST /api/v1/verify: the same per-signature report as `repair seal verify --json`, public, never a 500."""

from __future__ import annotations

import io

import pytest

from repair.letters import render_pdf, sample_context
from repair.seal import seal_pdf
from tests import seal_attacks
from tests.web.test_api_support import api, assert_problem  # noqa: F401 - the `api` fixture

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def letter():
    return render_pdf("acceptance_notice", sample_context("acceptance_notice"))


def test_raw_pdf_body_gets_the_report(api, sealing, letter):  # noqa: F811
    sealed = seal_pdf(letter, "FGW", sealing.settings, reason="受理通知书签章")
    response = api.post("/verify", None, data=sealed, content_type="application/pdf")
    report = response.get_json()
    assert response.status_code == 200 and report["ok"] and report["level"] == "B-LT"
    assert [(s["department"], s["trusted"], s["modified_after"]) for s in report["signatures"]] == [
        ("FGW", True, False)]
    tampered = api.post("/verify", None, data={"document": (io.BytesIO(seal_attacks.add_annotation(sealed)), "d.pdf")},
                        content_type="multipart/form-data").get_json()
    assert not tampered["ok"] and tampered["modified_after_signing"]


@pytest.mark.parametrize("body", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF broken"])
def test_bad_uploads_are_422_problems(api, sealing, body):  # noqa: F811
    assert_problem(api.post("/verify", None, data=body, content_type="application/pdf"), 422,
                   "validation" if not body else "unverifiable")


def test_damaged_certificate_is_422(api, sealing, letter):  # noqa: F811
    sealed = seal_pdf(letter, "FGW", sealing.settings, reason="受理通知书签章")
    response = api.post("/verify", None, data=seal_attacks.flip_certificate_byte(sealed),
                        content_type="application/pdf")
    assert "签章数据已损坏" in assert_problem(response, 422, "unverifiable")["detail"]

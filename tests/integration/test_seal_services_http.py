"""The development TSA, OCSP responder and CRL over real HTTP on a loopback port (the production path:
REPAIR_TSA_URL, REPAIR_OCSP_URL, REPAIR_CRL_URL), and the same services answering in-process."""

from __future__ import annotations

import threading
import urllib.request
from datetime import datetime, timezone

import pytest
from asn1crypto import crl, ocsp
from werkzeug.serving import make_server

from repair.config import load_settings
from repair.errors import SealError
from repair.letters import render_pdf, sample_context
from repair.seal import ensure_development_pki, revoke_department_key, seal_pdf, verify_pdf
from repair.seal.authority import TimeStampRejection, development_authority, wsgi_app

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path_factory.mktemp("pki-http") / "instance")})
    ensure_development_pki(settings.keys_dir, [("YJJ", "上海市浦东新区应急管理局")])
    server = make_server("127.0.0.1", 0, wsgi_app(settings.keys_dir), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/pki"
    yield settings.with_overrides(tsa_url=f"{base}/tsa", ocsp_url=f"{base}/ocsp", crl_url=f"{base}/crl"), base
    server.shutdown()
    thread.join(5)


def test_sealing_through_http_services_reaches_b_lt(served):
    settings, _base = served
    sealed = seal_pdf(render_pdf("rights_notice", sample_context("rights_notice")), "YJJ", settings, reason="告知书签章")
    report = verify_pdf(sealed, settings)
    assert report.ok and report.level == "B-LT" and report.signatures[0].timestamped


def test_crl_is_signed_by_the_development_ca(served):
    settings, base = served
    with urllib.request.urlopen(f"{base}/crl", timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/pkix-crl"
        listed = crl.CertificateList.load(answer.read())
    authority = development_authority(settings.keys_dir)
    assert listed.issuer == authority.ca_cert.subject
    assert listed["tbs_cert_list"]["next_update"].native > datetime.now(timezone.utc)


def test_malformed_requests_get_protocol_errors(served):
    _settings, base = served
    post = lambda path, body: urllib.request.urlopen(urllib.request.Request(f"{base}/{path}", data=body), timeout=10)  # noqa: E731
    with post("ocsp", b"not DER") as answer:
        assert ocsp.OCSPResponse.load(answer.read())["response_status"].native == "malformed_request"
    with post("tsa", b"not DER") as answer:
        assert TimeStampRejection.load(answer.read())["status"]["status"].native == "rejection"


def test_unreachable_timestamp_authority_is_a_clear_error(served):
    settings, _base = served
    with pytest.raises(SealError, match="127.0.0.1:9"):
        seal_pdf(render_pdf("rights_notice", sample_context("rights_notice")), "YJJ",
                 settings.with_overrides(tsa_url="http://127.0.0.1:9/tsa"), reason="x")


def test_revoked_key_cannot_seal_through_the_responder(served, tmp_path):
    settings, _base = served
    stolen = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "stolen")})
    import shutil

    shutil.copytree(settings.keys_dir, stolen.keys_dir)
    revoke_department_key(settings.keys_dir, ("YJJ", "上海市浦东新区应急管理局"), reason="测试吊销",
                          now=datetime.now(timezone.utc).replace(microsecond=0))
    # The thief signs with the old key but must ask our responder (over HTTP) for revocation data.
    thief = stolen.with_overrides(tsa_url=settings.tsa_url, ocsp_url=settings.ocsp_url, crl_url=settings.crl_url)
    with pytest.raises(SealError, match="revoked"):
        seal_pdf(render_pdf("rights_notice", sample_context("rights_notice")), "YJJ", thief, reason="x")

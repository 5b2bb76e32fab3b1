"""`repair seal verify|archive|revoke`: honest verification of B-LT seals and every way to tamper with them.

One development PKI and one sealed sample per module; each attack works on a copy. Every genuine sample
is cross-checked with poppler's `pdfsig` and with pyHanko's validator fed only the document's own DSS.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

import repair.cli
from repair.config import load_settings
from repair.letters import LETTER_KEYS, render_pdf, sample_context
from repair.seal import SealIdentity, ensure_development_pki, seal_pdf
from tests import seal_attacks

pytestmark = pytest.mark.pdf
YJJ = SealIdentity("YJJ", "上海市浦东新区应急管理局", "11310115MB2F12345X", "上海市浦东新区")
FGW = ("FGW", "上海市浦东新区发展和改革委员会")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    instance = tmp_path_factory.mktemp("seal-attacks") / "instance"
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(instance)})
    ensure_development_pki(settings.keys_dir, [YJJ, FGW])
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(instance.parent / "stranger")})
    ensure_development_pki(stranger.keys_dir, [("SCJG", "区市场监管局")])
    return settings, stranger


@pytest.fixture(scope="module")
def letter():
    return render_pdf("penalty_decision", sample_context("penalty_decision"))


@pytest.fixture(scope="module")
def sealed(pki, letter):
    return seal_pdf(letter, "YJJ", pki[0], reason="行政处罚决定书签章")


@pytest.fixture
def run(pki, tmp_path):
    repair.cli._register()
    runner = CliRunner()
    env = {"REPAIR_INSTANCE_PATH": str(pki[0].instance_path)}

    def invoke(*args, data: bytes | None = None):
        args = list(map(str, args))
        if data is not None:
            path = tmp_path / "input.pdf"
            path.write_bytes(data)
            args.append(str(path))
        return runner.invoke(repair.cli.cli, ["seal", *args], env=env)

    return invoke


def report_of(run, data: bytes, *extra) -> tuple[int, dict]:
    result = run("verify", "--json", *extra, data=data)
    return result.exit_code, json.loads(result.stdout)


def pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", "-no-ocsp", str(path)], capture_output=True, text=True, timeout=60).stdout


def pyhanko_long_term(data: bytes, settings) -> list[bool]:
    """pyHanko's own validator, given the development root and nothing but the document's DSS."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    root = load_cert_from_pemder(str(settings.keys_dir / "ca.cert.pem"))
    verdicts = []
    for signature in reader.embedded_regular_signatures:
        token = next(iter(signature.signer_info["unsigned_attrs"]))["values"][0]["content"]
        moment = token["encap_content_info"]["content"].parsed["gen_time"].native
        context = lambda: DocumentSecurityStore.read_dss(reader).as_validation_context(  # noqa: E731
            {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail", "moment": moment})
        status = validate_pdf_signature(signature, context(), context())
        verdicts.append(status.bottom_line and status.timestamp_validity.trusted)
    return verdicts


def test_genuine_seal_is_b_lt_and_outside_validators_agree(run, sealed, pki, tmp_path):
    code, report = report_of(run, sealed)
    assert code == 0 and report["ok"] and report["intact"] and report["trusted"]
    assert report["modified_after_signing"] is False and report["level"] == "B-LT"
    (signature,) = report["signatures"]
    assert signature["signer"] == YJJ.name and signature["department"] == "YJJ"
    assert signature["timestamped"] and signature["level"] == "B-LT" and signature["modified_after"] is False
    assert pyhanko_long_term(sealed, pki[0]) == [True]
    checked = pdfsig(sealed, tmp_path)
    assert checked.count("Signature is Valid.") == 1 and YJJ.name in checked
    text = run("verify", data=sealed).stdout
    assert "B-LT" in text and "可信时间戳 / timestamped" in text and "真实有效" in text


# Every letter the authority seals (the penalty decision is checked above; the application form and the
# commitment letter are the enterprise's own and carry no seal).
@pytest.mark.parametrize("key", [k for k in LETTER_KEYS
                                 if k not in ("penalty_decision", "application_form", "commitment_letter")])
def test_every_letter_sealed_is_b_lt_for_the_outside_validators(run, pki, tmp_path, key):
    sealed = seal_pdf(render_pdf(key, sample_context(key)), "YJJ", pki[0], reason="签章")
    code, report = report_of(run, sealed)
    assert code == 0 and report["level"] == "B-LT" and report["modified_after_signing"] is False
    assert pyhanko_long_term(sealed, pki[0]) == [True]
    assert pdfsig(sealed, tmp_path).count("Signature is Valid.") == 1


def test_certificate_names_department_uscc_and_district(sealed):
    signature = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_signatures[0]
    subject = signature.signer_cert.subject.native
    assert subject["common_name"] == YJJ.name and subject["organization_identifier"] == YJJ.uscc
    assert subject["locality_name"] == YJJ.district
    assert signature.signer_cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    issued = signature.signer_cert["tbs_certificate"]["validity"]["not_before"].native
    assert datetime.now(timezone.utc) - issued < timedelta(hours=1)  # notBefore is the issuance time


@pytest.mark.parametrize("attack", [seal_attacks.change_visible_text, seal_attacks.add_annotation,
                                    seal_attacks.add_form_field])
def test_changes_after_sealing_are_modifications(run, sealed, attack):
    code, report = report_of(run, attack(sealed))
    assert code == 1 and not report["ok"]
    assert report["modified_after_signing"] is True and report["intact"] is False
    assert report["signatures"][0]["modified_after"] is True
    text = run("verify", data=attack(sealed)).stdout
    assert "未被篡改 / intact: 否 / no (modified)" in text and "真实有效" not in text


@pytest.mark.parametrize("attack", [seal_attacks.flip_certificate_byte, seal_attacks.truncate])
def test_damaged_files_get_one_line_and_exit_2(run, sealed, attack):
    for args in (("verify",), ("verify", "--json")):
        result = run(*args, data=attack(sealed))
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("错误 / error:")
        assert "internal error" not in result.output


def test_second_signature_by_untrusted_key(run, sealed, pki):
    forged = seal_pdf(sealed, "SCJG", pki[1], reason="伪造")
    code, report = report_of(run, forged)
    assert code == 1 and not report["ok"] and report["trusted"] is False
    first, second = report["signatures"]
    assert first["trusted"] and first["signer"] == YJJ.name and not first["modified_after"]
    assert not second["trusted"] and second["signer"] == "未知签章人 / unknown signer" and second["department"] is None
    assert "区市场监管局" not in json.dumps(report, ensure_ascii=False)


def test_second_seal_by_another_trusted_department(run, sealed, pki, tmp_path):
    cosealed = seal_pdf(sealed, "FGW", pki[0], reason="会签")
    code, report = report_of(run, cosealed)
    assert code == 0 and report["ok"]
    assert [(s["department"], s["trusted"], s["intact"], s["level"]) for s in report["signatures"]] == [
        ("YJJ", True, True, "B-LT"), ("FGW", True, True, "B-LT")]
    assert pyhanko_long_term(cosealed, pki[0]) == [True, True]
    assert pdfsig(cosealed, tmp_path).count("Signature is Valid.") == 2


def test_archive_reaches_b_lta(run, sealed, pki, tmp_path):
    source, target = tmp_path / "sealed.pdf", tmp_path / "archived.pdf"
    source.write_bytes(sealed)
    result = run("archive", source, "--out", target)
    assert result.exit_code == 0, result.output
    assert "B-LTA" in result.output
    code, report = report_of(run, target.read_bytes())
    assert code == 0 and report["level"] == "B-LTA"
    assert [s["kind"] for s in report["signatures"]] == ["signature", "timestamp"]
    assert pyhanko_long_term(target.read_bytes(), pki[0]) == [True]
    renewed = tmp_path / "renewed.pdf"
    assert run("archive", target, "--out", renewed).exit_code == 0
    assert report_of(run, renewed.read_bytes())[1]["signatures"][-1]["kind"] == "timestamp"
    unsigned = tmp_path / "plain.pdf"
    unsigned.write_bytes(render_pdf("rights_notice", sample_context("rights_notice")).pdf)
    assert run("archive", unsigned).exit_code == 2


def test_expired_key_still_valid_through_its_timestamp(run, sealed, letter, pki, monkeypatch):
    after_expiry = (datetime.now(timezone.utc) + timedelta(days=4 * 365)).isoformat()  # keys live 3 years
    code, report = report_of(run, sealed, "--at", after_expiry)
    assert code == 0 and report["ok"] and report["signatures"][0]["timestamped"]
    monkeypatch.setattr("repair.seal.sign.timestamper_for", lambda settings: None)  # a TSA outage: B-B only
    unstamped = seal_pdf(letter, "YJJ", pki[0], reason="无时间戳")
    code, report = report_of(run, unstamped)
    assert code == 0 and report["level"] == "B-B" and not report["signatures"][0]["timestamped"]
    code, report = report_of(run, unstamped, "--at", after_expiry)
    assert code == 1 and not report["trusted"]  # only the signer's own claim of time: nothing proves it


def test_revocation_before_and_after_sealing(letter, tmp_path_factory):
    repair.cli._register()
    instance = tmp_path_factory.mktemp("revocation") / "instance"
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(instance)})
    ensure_development_pki(settings.keys_dir, [YJJ])
    before = seal_pdf(letter, "YJJ", settings, reason="吊销前")
    stolen = load_settings({"REPAIR_INSTANCE_PATH": str(instance.parent / "stolen")})
    shutil.copytree(settings.keys_dir, stolen.keys_dir)  # the compromised key, with its own copy of the services
    time.sleep(1.05)  # revocation times have whole seconds
    runner = CliRunner()
    env = {"REPAIR_INSTANCE_PATH": str(instance)}
    result = runner.invoke(repair.cli.cli, ["seal", "revoke", "yjj", "--reason", "密钥泄露"], env=env)
    assert result.exit_code == 0, result.output
    assert "已吊销 / revoked" in result.output
    time.sleep(1.05)
    after = seal_pdf(letter, "YJJ", stolen, reason="吊销后")

    def verify(data: bytes) -> dict:
        path = _write(tmp_path_factory, data)
        return json.loads(runner.invoke(repair.cli.cli, ["seal", "verify", "--json", str(path)], env=env).stdout)

    early = verify(before)
    assert early["ok"] and early["signatures"][0]["revoked_at"] is not None
    assert "吊销" in early["summary_zh"]
    late = verify(after)
    assert not late["ok"] and not late["signatures"][0]["trusted"]
    assert late["signatures"][0]["revoked_at"] == early["signatures"][0]["revoked_at"]
    renewed = verify(seal_pdf(letter, "YJJ", settings, reason="新证书"))
    assert renewed["ok"] and renewed["signatures"][0]["revoked_at"] is None
    assert runner.invoke(repair.cli.cli, ["seal", "revoke", "NOPE", "--reason", "x"], env=env).exit_code == 2


def _write(factory, data: bytes):
    path = factory.mktemp("doc") / "doc.pdf"
    path.write_bytes(data)
    return path

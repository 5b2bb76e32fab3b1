"""OFD through the command line (issue 16): `repair init` makes the SM2 PKI, `repair letters paired --format`,
`repair letters get --format ofd` and `repair seal verify FILE.ofd [--json]` with the PDF's keys and exit codes;
every tampering (a flipped byte in any file, a removed or added page, another CA's certificate) exits 1 and names
the problem in Chinese and English."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from repair.cli import cli as repair_cli
from repair.config import Settings
from repair.letters import render_pdf, sample_context
from repair.ofd import ofd_text, render_ofd
from repair.seal.sm2 import ensure_sm2_pki
from repair.services.cluster.blobs import blob_store
from tests.conftest import at
from tests.integration.test_ofd_letters import _parts, _zip

pytestmark = pytest.mark.pdf
DECISION = "沪浦发改罚〔2026〕16号"
SAFE = "".join(c if c.isalnum() else "_" for c in DECISION)


@pytest.fixture
def repair(cli_env):
    def run(*args, env: dict | None = None):
        return subprocess.run([".venv/bin/repair", *map(str, args)], capture_output=True, text=True,
                              env={**cli_env, **(env or {})}, timeout=180)

    return run


@pytest.fixture
def verify(cli_env):
    """`repair seal verify` in-process (the CLI's own group and error handling), for the many tampered files."""
    runner = CliRunner()
    return lambda path, *extra: runner.invoke(repair_cli, ["seal", "verify", str(path), *extra])


@pytest.fixture
def delivered(sealing, make_record, repair, tmp_path):
    """A 两书同达 prepared with `--format ofd`: the two sealed OFD files."""
    make_record(decision_no=DECISION)
    out = tmp_path / "out"
    result = repair("letters", "paired", DECISION, "--format", "ofd", "--out", out, "--actor", "fgw_officer", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), out


def _bilingual(problems: list[str]) -> bool:
    return all(" / " in p and any("\u4e00" <= c <= "\u9fff" for c in p.split(" / ")[0]) for p in problems)


def test_init_makes_the_sm2_pki_beside_the_ec_keys_and_keeps_it(world, repair, settings):
    first = repair("init")
    assert first.returncode == 0, first.stderr
    assert "SM2" in first.stdout
    keys = settings.keys_dir
    made = sorted(p.relative_to(keys).as_posix() for p in (keys / "sm2").rglob("*") if p.is_file())
    assert {"sm2/ca.cert.pem", "sm2/ca.key.pem", "sm2/departments/FGW.key.pem", "sm2/departments/FGW.cert.pem",
            "sm2/departments/FGW.seal.der", "sm2/departments/SCJG.seal.der"} <= set(made)
    assert (keys / "ca.cert.pem").is_file()  # the EC P-256 development CA beside it
    before = {name: (keys / name).read_bytes() for name in made}
    again = repair("init")
    assert again.returncode == 0, again.stderr
    assert {name: (keys / name).read_bytes() for name in made} == before  # idempotent: nothing reissued


def test_init_leaves_sm2_to_production_configuration(world, repair, settings, tmp_path):
    seals = tmp_path / "sm2-production"
    seals.mkdir()
    result = repair("init", env={"REPAIR_SM2_SEAL_DIR": str(seals)})
    assert result.returncode == 0, result.stderr
    assert not (settings.keys_dir / "sm2").exists() and "SM2" not in result.stdout + result.stderr
    assert list(seals.iterdir()) == []  # production seals are never generated
    # Issuing OFD without a department's production seal is named at init (a warning: PDF still works).
    ofd = repair("init", env={"REPAIR_SM2_SEAL_DIR": str(seals), "REPAIR_DOCUMENT_FORMATS": "both"})
    assert ofd.returncode == 0 and "REPAIR_SM2_SEAL_DIR" in ofd.stderr and "FGW" in ofd.stderr
    assert "SCJG" in ofd.stderr and "SM2 印章" in ofd.stderr


def test_paired_format_ofd_yields_two_sealed_ofds_that_verify(delivered, repair, verify):
    summary, out = delivered
    assert summary["formats"] == ["ofd"]
    assert sorted(p.name for p in out.iterdir()) == [f"{SAFE}-penalty_decision.ofd", f"{SAFE}-rights_notice.ofd"]
    for kind, info in summary["documents"].items():
        path = out / f"{SAFE}-{kind}.ofd"
        assert info["status"] == "sealed" and info["ofd_sha256"] and path.read_bytes()[:4] == b"PK\x03\x04"
        result = verify(path, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert (report["format"], report["ok"], report["intact"], report["trusted"]) == ("ofd", True, True, True)
        assert report["department"] == "FGW" and len(report["signatures"]) == 1
    plain = repair("seal", "verify", out / f"{SAFE}-penalty_decision.ofd")  # the console script itself
    assert plain.returncode == 0 and "真实有效" in plain.stdout and "FGW" in plain.stdout
    text = "".join(ofd_text((out / f"{SAFE}-rights_notice.ofd").read_bytes()))
    assert "信用修复权益告知书" in text and DECISION in text


def test_ofd_report_has_the_pdf_reports_keys(delivered, repair, verify, tmp_path):
    _summary, out = delivered
    both = repair("letters", "paired", DECISION, "--format", "both", "--out", tmp_path / "both")
    assert both.returncode == 0, both.stderr
    pdf = json.loads(verify(tmp_path / "both" / f"{SAFE}-rights_notice.pdf", "--json").output)
    ofd = json.loads(verify(out / f"{SAFE}-rights_notice.ofd", "--json").output)
    assert set(ofd) == set(pdf) and set(ofd["signatures"][0]) == set(pdf["signatures"][0])
    assert (pdf["format"], ofd["format"]) == ("pdf", "ofd")


def test_format_defaults_to_the_configuration_and_a_rerun_adds_the_ofd(sealing, make_record, repair, settings,
                                                                           tmp_path):
    make_record(decision_no=DECISION)
    plain = repair("letters", "paired", DECISION, "--out", tmp_path / "a", "--actor", "fgw_officer", "--json")
    first = json.loads(plain.stdout)
    assert first["formats"] == ["pdf"] and all(i["ofd_sha256"] is None for i in first["documents"].values())
    assert sorted(p.suffix for p in (tmp_path / "a").iterdir()) == [".pdf", ".pdf"]
    document_id = first["documents"]["penalty_decision"]["id"]
    missing = repair("letters", "get", document_id, "--out", tmp_path / "x.ofd")
    assert missing.returncode == 2 and "没有 OFD 版本" in missing.stderr and "has no OFD" in missing.stderr

    configured = repair("letters", "paired", DECISION, "--out", tmp_path / "b", "--json",
                        env={"REPAIR_DOCUMENT_FORMATS": "both"})
    second = json.loads(configured.stdout)
    assert second["formats"] == ["pdf", "ofd"]
    for kind, info in second["documents"].items():  # the same sealed PDFs, now with their OFDs
        assert (info["id"], info["sha256"]) == (first["documents"][kind]["id"], first["documents"][kind]["sha256"])
        assert info["ofd_sha256"]
    assert sorted(p.suffix for p in (tmp_path / "b").iterdir()) == [".ofd", ".ofd", ".pdf", ".pdf"]

    by_suffix = repair("letters", "get", document_id, "--out", tmp_path / "x.ofd")
    explicit = repair("letters", "get", document_id, "--format", "ofd", "--out", tmp_path / "y.bin")
    as_pdf = repair("letters", "get", document_id, "--out", tmp_path / "x.pdf")
    assert by_suffix.returncode == explicit.returncode == as_pdf.returncode == 0
    assert (tmp_path / "x.ofd").read_bytes() == (tmp_path / "y.bin").read_bytes() == (
        tmp_path / "b" / f"{SAFE}-penalty_decision.ofd").read_bytes()
    assert (tmp_path / "x.pdf").read_bytes()[:5] == b"%PDF-"
    listed = repair("letters", "list")
    assert listed.stdout.count("+ofd") == 2

    # A stored OFD is checked against its SHA-256 like the PDF (`repair audit verify`).
    digest = second["documents"]["penalty_decision"]["ofd_sha256"]
    store = blob_store(sealing, "documents")  # files on SQLite, the shared blobs table on PostgreSQL
    data = store.read(digest)
    changed = data[:-1] + bytes([data[-1] ^ 0x01])
    if store.kind == "fs":
        store.path(digest).write_bytes(changed)
    else:
        with sealing.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE blob_chunks SET data = %(b)s WHERE sha256 = %(d)s", {"b": changed, "d": digest})
    audit = repair("audit", "verify")
    assert audit.returncode == 1 and f"document {document_id}" in audit.stdout and "ofd_sha256" in audit.stdout


def test_a_flipped_byte_in_any_file_of_the_package_fails(delivered, verify, tmp_path):
    _summary, out = delivered
    parts = _parts((out / f"{SAFE}-penalty_decision.ofd").read_bytes())
    assert len(parts) > 10
    target = tmp_path / "tampered.ofd"
    for name, data in parts.items():
        for position in (0, len(data) // 2, len(data) - 1):
            target.write_bytes(_zip({**parts, name: data[:position] + bytes([data[position] ^ 0x01])
                                     + data[position + 1:]}))
            result = verify(target, "--json")
            if result.exit_code == 2:  # only OFD.xml, the package's root, may become unreadable as a whole
                assert name == "OFD.xml" and "错误 / error" in result.output, (name, position, result.output)
                continue
            assert result.exit_code == 1, (name, position, result.output)
            report = json.loads(result.output)
            problems = [p for s in report["signatures"] for p in s["problems"]]
            assert not report["ok"] and not report["intact"] and problems, (name, position)
            assert _bilingual(problems), problems


def test_removed_and_added_pages_are_named(delivered, verify, tmp_path):
    _summary, out = delivered
    parts = _parts((out / f"{SAFE}-penalty_decision.ofd").read_bytes())
    document = parts["Doc_0/Document.xml"]
    start = document.index(b"<ofd:Page ID=", document.index(b"<ofd:Page ID=") + 1)
    end = document.index(b"/>", start) + 2
    fewer = {**parts, "Doc_0/Document.xml": document[:start] + document[end:]}
    fewer.pop("Doc_0/Pages/Page_1/Content.xml")
    (tmp_path / "fewer.ofd").write_bytes(_zip(fewer))
    removed = verify(tmp_path / "fewer.ofd")
    assert removed.exit_code == 1
    assert "/Doc_0/Pages/Page_1/Content.xml 已被删除" in removed.output and "was removed" in removed.output

    more = {**parts, "Doc_0/Pages/Page_9/Content.xml": parts["Doc_0/Pages/Page_0/Content.xml"],
            "Doc_0/Document.xml": document.replace(
                b"</ofd:Pages>", b'<ofd:Page ID="9999" BaseLoc="Pages/Page_9/Content.xml"/></ofd:Pages>')}
    (tmp_path / "more.ofd").write_bytes(_zip(more))
    added = verify(tmp_path / "more.ofd", "--json")
    report = json.loads(added.output)
    problems = " ".join(report["signatures"][0]["problems"])
    assert added.exit_code == 1 and report["modified_after_signing"]
    assert "/Doc_0/Pages/Page_9/Content.xml" in problems and "files added after signing" in problems
    assert "/Doc_0/Document.xml 已被修改" in problems


def test_a_seal_from_another_ca_is_untrusted(sealing, verify, tmp_path):
    stranger = Settings(instance_path=tmp_path / "elsewhere", database_url="sqlite://")
    ensure_sm2_pki(stranger.keys_dir, [("FGW", "区发展改革委")])
    letter = render_pdf("rights_notice", sample_context("rights_notice"))
    forged = tmp_path / "forged.ofd"
    forged.write_bytes(render_ofd(letter, title="信用修复权益告知书", author="区发展改革委", at=at("2026-11-26"),
                                  dept_code="FGW", settings=stranger))
    result = verify(forged)
    assert result.exit_code == 1
    assert "不受信任" in result.output and "来自其他 CA" in result.output and "not issued by a trusted SM2 CA" in result.output
    report = json.loads(verify(forged, "--json").output)
    assert report["intact"] and not report["trusted"] and report["department"] is None


def test_not_an_ofd_exits_2(sealing, verify, tmp_path):
    for name, data in (("empty.ofd", b""), ("zip.ofd", _zip({"hello.txt": b"x"})), ("text.ofd", b"not an ofd")):
        (tmp_path / name).write_bytes(data)
        result = verify(tmp_path / name)
        assert result.exit_code == 2 and "错误 / error" in result.output and "Traceback" not in result.output

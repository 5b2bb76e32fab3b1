"""`repair seal verify FILE.pdf [--json]`: exit 0 only if intact and trusted, 1 otherwise, 2 on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import repair.cli
from repair.cli.seal import seal
from repair.config import load_settings
from repair.letters import render_pdf, sample_context
from repair.seal import ensure_development_pki, seal_pdf

pytestmark = pytest.mark.pdf


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("REPAIR_INSTANCE_PATH", str(tmp_path / "instance"))
    repair.cli._register()
    if "seal" not in repair.cli.cli.commands:  # until repair/cli/commands.py lists the seal group again
        repair.cli.cli.add_command(seal)
    runner = CliRunner()
    return lambda *args: runner.invoke(repair.cli.cli, ["seal", "verify", *map(str, args)])


@pytest.fixture(scope="module")
def letter():
    return render_pdf("repair_decision", sample_context("repair_decision"))


@pytest.fixture
def sealed(tmp_path, letter):
    settings = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "instance")})
    ensure_development_pki(settings.keys_dir, [("YJJ", "上海市某区应急管理局")])
    path = tmp_path / "decision.pdf"
    path.write_bytes(seal_pdf(letter, "YJJ", settings, reason="信用修复决定书签章"))
    return path


def test_genuine_document_exits_0(run, sealed):
    result = run(sealed)
    assert result.exit_code == 0, result.output
    assert "上海市某区应急管理局" in result.output and "YJJ" in result.output
    assert "真实有效" in result.output


def test_json_report(run, sealed):
    result = run(sealed, "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["intact"] is True and report["trusted"] is True and report["department"] == "YJJ"


def test_modified_document_exits_1(run, sealed):
    data = bytearray(sealed.read_bytes())
    start = data.index(b"stream\n") + 7
    data[start + 20] ^= 0x01
    sealed.write_bytes(bytes(data))
    result = run(sealed)
    assert result.exit_code == 1
    assert "modified" in result.output


def test_untrusted_signer_exits_1(run, tmp_path, letter):
    stranger = load_settings({"REPAIR_INSTANCE_PATH": str(tmp_path / "stranger")})
    ensure_development_pki(stranger.keys_dir, [("YJJ", "上海市某区应急管理局")])
    path = tmp_path / "forged.pdf"
    path.write_bytes(seal_pdf(letter, "YJJ", stranger, reason="签章"))
    ensure_development_pki(tmp_path / "instance" / "keys", [("YJJ", "上海市某区应急管理局")])
    result = run(path)
    assert result.exit_code == 1
    assert "untrusted" in result.output and "不受信任" in result.output
    assert "Traceback" not in result.output


def test_unsigned_document_exits_1(run, tmp_path, letter):
    path = tmp_path / "plain.pdf"
    path.write_bytes(letter.pdf)
    result = run(path)
    assert result.exit_code == 1
    assert "not signed" in result.output


@pytest.mark.parametrize("content", [None, b"just text, not a PDF"])
def test_missing_or_non_pdf_file_exits_2(run, tmp_path, content):
    path = tmp_path / "input.pdf"
    if content is not None:
        path.write_bytes(content)
    result = run(path)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("错误 / error:")

"""Letters refuse loudly: missing fields, unknown keys, no CJK font, no HarfBuzz subsetting, foreign URLs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from repair.config import CHECKOUT
from repair.errors import DomainError, LetterError
from repair.letters import prerequisites, render_html, render_pdf, sample_context
from repair.letters.render import LocalFileFetcher

pytestmark = pytest.mark.pdf
LETTERS_DIR = CHECKOUT / "letters"


def test_missing_field_names_letter_and_field():
    context = sample_context("penalty_decision")
    context["party"] = {k: v for k, v in context["party"].items() if k != "uscc"}
    with pytest.raises(LetterError) as caught:
        render_pdf("penalty_decision", context)
    assert "penalty_decision" in str(caught.value) and "uscc" in str(caught.value)
    assert isinstance(caught.value, DomainError)


def test_missing_top_level_field():
    context = sample_context("supplement_notice")
    del context["deadline"]
    with pytest.raises(LetterError, match=r"supplement_notice.*deadline"):
        render_pdf("supplement_notice", context)


def test_unknown_letter_key():
    with pytest.raises(LetterError, match="unknown letter key"):
        render_pdf("love_letter", {})


def test_values_are_escaped():
    context = sample_context("acceptance_notice")
    context["party"] = {**context["party"], "name": "甲&乙<script>公司"}
    html = render_html("acceptance_notice", context, LETTERS_DIR)
    assert "甲&amp;乙&lt;script&gt;公司" in html and "<script>" not in html


def test_refuses_without_cjk_font(monkeypatch):
    monkeypatch.setattr(prerequisites, "cjk_font_available", lambda: False)
    with pytest.raises(LetterError, match="fonts-noto-cjk"):
        render_pdf("penalty_decision", sample_context("penalty_decision"))


def test_refuses_without_harfbuzz_subset(monkeypatch):
    monkeypatch.setattr(prerequisites, "harfbuzz_subset_available", lambda: False)
    with pytest.raises(LetterError, match="libharfbuzz-subset0"):
        render_pdf("penalty_decision", sample_context("penalty_decision"))


def test_probes_see_this_machine():
    assert prerequisites.cjk_font_available() is True
    assert prerequisites.harfbuzz_subset_available() is True


def test_refuses_with_an_isolated_fontconfig_without_cjk(tmp_path):
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{dejavu}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    code = (
        "from repair.letters import render_pdf, sample_context\n"
        "render_pdf('penalty_decision', sample_context('penalty_decision'))\n"
    )
    env = {"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=CHECKOUT
    )
    assert result.returncode != 0
    assert "LetterError" in result.stderr and "fonts-noto-cjk" in result.stderr


def test_fetcher_allows_only_files_under_letters_dir():
    fetcher = LocalFileFetcher(LETTERS_DIR)
    response = fetcher.fetch((LETTERS_DIR / "letter.css").as_uri())
    assert b"@page" in response.read()
    response.close()
    outside = (LETTERS_DIR / ".." / "setup.cfg").as_uri()
    for url in ("file:///etc/passwd", outside, "https://example.com/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_letter_referencing_a_foreign_file_fails(tmp_path):
    for name in ("_base.html", "commitment_letter.html"):
        (tmp_path / name).write_bytes((LETTERS_DIR / name).read_bytes())
    (tmp_path / "letter.css").write_text("@import url('file:///etc/ssl/openssl.cnf');", encoding="utf-8")
    with pytest.raises(LetterError, match="commitment_letter"):
        render_pdf("commitment_letter", sample_context("commitment_letter"), letters_dir=tmp_path)

"""Rendering every letter: real, extractable text; embedded subset fonts; page footer; seal anchor."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from repair.letters import LETTER_KEYS, render_pdf, sample_context, zh_date
from repair.letters.render import font_configuration
from repair.seal.sign import SEAL_SIZE_PT, anchor_from_pdf

pytestmark = pytest.mark.pdf

APPLICANT_LETTERS = {"application_form", "commitment_letter"}


@pytest.fixture(scope="module")
def rendered():
    return {key: render_pdf(key, sample_context(key)) for key in LETTER_KEYS}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _expected_strings(key: str, context: dict) -> list[str]:
    party = context.get("party") or context["applicant"]
    strings = [party["name"], party["uscc"]]
    if key in APPLICANT_LETTERS:
        strings += ["沪浦应急罚〔2026〕37号", "2026年9月28日", "2026年5月12日"]
    else:
        # GB/T 9704-2012: the date of an official document in Arabic numerals, no zero padding.
        day = context["issued_on"]
        strings += [context["doc_number"], f"{day.year}年{day.month}月{day.day}日"]
    return strings


@pytest.mark.parametrize("key", LETTER_KEYS)
def test_letter_text_is_real_text(rendered, key):
    text = _text(rendered[key].pdf)
    for expected in _expected_strings(key, sample_context(key)):
        assert re.sub(r"\s+", "", expected) in text, f"{key}: {expected!r} not found"


@pytest.mark.parametrize("key", LETTER_KEYS)
def test_fonts_are_embedded_and_subset(rendered, key):
    reader = PdfReader(io.BytesIO(rendered[key].pdf))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    assert fonts
    for base_font, descriptor in fonts.items():
        assert re.match(r"^/[A-Z]{6}\+", base_font), base_font
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, base_font
    assert any("CJK" in name for name in fonts), fonts.keys()


@pytest.mark.parametrize("key", LETTER_KEYS)
def test_page_count_and_footer(rendered, key):
    letter = rendered[key]
    reader = PdfReader(io.BytesIO(letter.pdf))
    assert letter.page_count == len(reader.pages)
    last = re.sub(r"\s+", "", reader.pages[-1].extract_text())
    assert f"—{letter.page_count}—" in last  # 公文 page number (GB/T 9704-2012 §7.5)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


@pytest.mark.parametrize("key", sorted(set(LETTER_KEYS) - APPLICANT_LETTERS))
def test_seal_anchor_sits_on_the_signature(rendered, key):
    letter = rendered[key]
    anchor = letter.seal_anchor
    assert anchor is not None
    reader = PdfReader(io.BytesIO(letter.pdf))
    signed_page = re.sub(r"\s+", "", reader.pages[anchor.page_index].extract_text())
    day = sample_context(key)["issued_on"]
    assert f"{day.year}年{day.month}月{day.day}日" in signed_page  # on the page of the signature and date
    # Only the rights notice's receipt slip (送达回执) may follow the signature, on a page of its own.
    assert anchor.page_index == letter.page_count - 1 or (
        key == "rights_notice" and "送达回执" in reader.pages[-1].extract_text())
    x1, y1, x2, y2 = anchor.box
    assert 0 < x1 < x2 < 595 and 0 < y1 < y2 < 842
    assert x2 - x1 == pytest.approx(SEAL_SIZE_PT, abs=0.1) and y2 - y1 == pytest.approx(SEAL_SIZE_PT, abs=0.1)
    assert x1 > 595 / 2 - SEAL_SIZE_PT  # right half, over the authority's name and date
    recovered = anchor_from_pdf(letter.pdf)
    assert recovered.page_index == anchor.page_index
    assert recovered.box == pytest.approx(anchor.box, abs=0.05)


@pytest.mark.parametrize("key", sorted(APPLICANT_LETTERS))
def test_applicant_documents_have_no_authority_seal(rendered, key):
    assert rendered[key].seal_anchor is None
    assert anchor_from_pdf(rendered[key].pdf) is None


def test_prefilled_fields_show_their_source(rendered):
    text = _text(rendered["application_form"].pdf)
    assert "来源：市场主体登记信息" in text
    assert "来源：部门间履罚信息共享（非税收入系统）" in text


def test_rights_notice_states_windows_and_earliest_date(rendered):
    text = _text(rendered["rights_notice"].pdf)
    for fragment in ("至2027年2月26日", "至2027年11月26日", "最早可于2027年2月26日", "不收取任何费用", "送达回执", "一般"):
        assert fragment in text


def test_penalty_decision_has_remedies_with_statutory_limits(rendered):
    text = _text(rendered["penalty_decision"].pdf)
    assert "六十日内向上海市浦东新区人民政府申请行政复议" in text
    assert "六个月内依法向上海市浦东新区人民法院提起行政诉讼" in text
    assert "自收到本决定书之日起十五日内" in text and "前履行完毕" not in text


def test_repair_decision_denied_variant_lists_remedies():
    context = {**sample_context("repair_decision"), "granted": False, "resubmission": "可在整改完成后重新申请。"}
    text = _text(render_pdf("repair_decision", context).pdf)
    assert "不予信用修复" in text and "准予信用修复" not in text
    assert "申请行政复议" in text and "可在整改完成后重新申请。" in text
    granted = _text(render_pdf("repair_decision", sample_context("repair_decision")).pdf)
    assert "准予信用修复" in granted and "申请行政复议" not in granted


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), "二〇二六年十一月二十六日"),
        (date(2027, 1, 10), "二〇二七年一月十日"),
        (date(2026, 10, 20), "二〇二六年十月二十日"),
        (date(2030, 12, 31), "二〇三〇年十二月三十一日"),
    ],
)
def test_chinese_date(day, expected):
    assert zh_date(day) == expected


def test_one_font_configuration_per_process():
    assert font_configuration() is font_configuration()

"""Display names: one place turns every stored code into Chinese or English words for pages and exports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from repair.domain import display
from repair.domain.regimes import TIERS
from repair.domain.roles import ROLES
from repair.domain.workflow_load import load_workflows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workflows():
    return load_workflows(ROOT / "workflows", ROOT / "letters")


def test_every_workflow_code_has_the_yaml_title_in_chinese_and_an_english_name(workflows):
    for wf in workflows.values():
        assert display.name("workflow", wf.name) == wf.title
        assert display.name("workflow", wf.name, "en") != wf.title
        for code, state in wf.states.items():
            assert display.name("state", code, workflow=wf.name) == state.title, (wf.name, code)
            assert display.name("state", code, "en", workflow=wf.name).isascii(), (wf.name, code)
        for t in wf.transitions:
            assert display.name("trigger", t.trigger, workflow=wf.name) == t.title, (wf.name, t.trigger)
            assert display.name("trigger", t.trigger, "en", workflow=wf.name).isascii(), (wf.name, t.trigger)
        for clock in wf.clocks:
            assert display.name("stage", clock.stage, workflow=wf.name) == clock.title, (wf.name, clock.stage)
            assert display.name("stage", clock.stage, "en", workflow=wf.name).isascii()


def test_tiers_roles_and_kinds_are_named_in_both_languages():
    for tier in TIERS:
        assert display.name("tier", tier) in ("轻微", "一般", "严重")
        assert display.name("tier", tier, "en").isascii()
    for role, title in ROLES.items():
        assert display.name("role", role) == title
    for kind in ("administrative_penalty", "business_anomaly_list", "inspection_negative", "commitment_breach"):
        assert display.name("record_kind", kind, "en").isascii() and display.name("record_kind", kind) != kind


def test_unknown_codes_come_back_unchanged_and_none_is_empty():
    assert display.name("state", "brand_new") == "brand_new"
    assert display.name("no_such_kind", "x", "en") == "x"
    assert display.name("state", None) == ""


def test_deadline_status_met_after_due_reads_met_late():
    assert display.deadline_status("met", date(2026, 5, 8), date(2026, 5, 7)) == "按时完成"
    assert display.deadline_status("met", date(2026, 5, 8), date(2026, 5, 11)) == "超期完成"
    assert display.deadline_status("met_late") == "超期完成"
    assert display.deadline_status("met_late", lang="en") == "Met late"
    assert display.deadline_status("running", lang="en") == "Running"


def test_record_status_stops_when_the_longest_publicity_ended():
    assert display.record_status("published", max_publicity_end=date(2026, 1, 1), as_of=date(2025, 12, 31)) == "公示中"
    assert display.record_status("published", max_publicity_end=date(2026, 1, 1), as_of=date(2026, 1, 1)) == "已停止公示"
    assert display.record_status("published", published=False) == "依规不予公示"
    assert display.record_status("repaired", lang="en") == "Repaired"


def test_departments_show_their_names_never_a_bare_code_when_named():
    assert display.department("FGW") == "区发展改革委"
    assert display.department("FGW", "en") == "District Development and Reform Commission"
    assert display.department("NEW", "zh", "区新部门") == "区新部门"
    assert display.department("NEW", "en", "区新部门") == "区新部门"


def test_penalty_types_are_listed_in_the_language():
    assert display.penalty_types("罚款;责令改正") == "罚款、责令改正"
    assert display.penalty_types("罚款;没收违法所得", "en") == "Fine, Confiscation of illegal gains"
    assert display.penalty_types(None) == ""


@pytest.mark.parametrize("message,zh,en", [
    ("用户名或密码错误 / wrong username or password", "用户名或密码错误", "wrong username or password"),
    ("请更正最新版本（第 2 版）/ correct the latest version", "请更正最新版本（第 2 版）", "correct the latest version"),
    ("文件「a.exe」不是 PDF、JPEG 或 PNG 文件（按文件内容判断）/ 'a.exe' is not PDF/JPEG/PNG",
     "文件「a.exe」不是 PDF、JPEG 或 PNG 文件（按文件内容判断）", "'a.exe' is not PDF/JPEG/PNG"),
    ("只有中文", "只有中文", "只有中文"),
    ("PDF/JPEG only", "PDF/JPEG only", "PDF/JPEG only"),
])
def test_one_half_of_a_bilingual_message(message, zh, en):
    assert display.in_language(message, "zh") == zh
    assert display.in_language(message, "en") == en


def test_money_on_pages_has_yuan_sign_and_thousands_separators():
    assert display.money(Decimal("102000")) == "¥102,000.00"
    assert display.money("18000.5") == "¥18,000.50"
    assert display.money(None) == "—"


@pytest.mark.parametrize("amount,words", [
    (Decimal("18000"), "壹万捌仟元整"), (Decimal("102000.00"), "壹拾万贰仟元整"), (Decimal("5000.5"), "伍仟元伍角"),
    (Decimal("1001.01"), "壹仟零壹元零壹分"), (Decimal("100000000"), "壹亿元整"), (Decimal("0.3"), "叁角"),
    (Decimal("10050"), "壹万零伍拾元整"),
])
def test_money_in_words_as_letters_write_it(amount, words):
    assert display.money_in_words(amount) == words


def test_one_format_for_days_and_one_for_times():
    assert display.day(date(2026, 5, 10)) == "2026-05-10" == display.day(datetime(2026, 5, 10, 9, 3))
    assert display.moment(datetime(2026, 5, 10, 9, 3)) == "2026-05-10 09:03"
    assert display.moment("2026-05-10T09:03:44") == "2026-05-10 09:03"
    assert display.day(None) == "—"
    assert display.duration(3, "workdays") == "3个工作日"
    assert display.duration(3, "workdays", "en") == "3 working days"


def test_letters_name_record_kinds_as_the_pages_do():
    from repair.letters.wording import RECORD_KINDS

    for kind, text in RECORD_KINDS.items():
        assert text.info == display.name("record_kind", kind), kind

"""Letters that hold up in law: penalty type × channel × tier × record kind, required and forbidden phrases.

Most cells render HTML through the services' context builder (fast); a representative subset goes through
`deliveries.prepare` / `repair letters paired`, and the text is read back from the sealed PDFs with pypdf.
"""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from repair.cli import main
from repair.config import CHECKOUT
from repair.domain.departments import demo_departments_yaml
from repair.letters import render_html
from repair.services.documents import deliveries
from repair.services.documents.issuing import document_pdf
from repair.services.documents.letter_context import LetterFacts, build_context
from repair.store.models import Case, Record
from tests.conftest import actor, at

LETTERS = CHECKOUT / "letters"
GOVERNMENT, COURT = "上海市浦东新区人民政府", "上海市浦东新区人民法院"
FULL_NAMES = {"FGW": "上海市浦东新区发展和改革委员会", "SCJG": "上海市浦东新区市场监督管理局"}
CHANNELS = {"ndrc": "FGW", "samr": "SCJG"}
# Each penalty type with the details a decision must state (APL Art. 59): its text must appear verbatim.
PENALTIES = {
    "警告": ("警告", None, {}),
    "通报批评": ("通报批评", None, {}),
    "罚款": ("罚款", Decimal("20000.00"), {}),
    "没收违法所得": ("没收违法所得", None, {"没收违法所得": "人民币12,000.00元"}),
    "没收非法财物": ("没收非法财物", None, {"没收非法财物": "假冒注册商标的洗发水360瓶"}),
    "暂扣许可证件": ("暂扣许可证件", None, {"暂扣许可证件": "食品经营许可证（JY13101150012345），暂扣期限3个月"}),
    "降低资质等级": ("降低资质等级", None, {"降低资质等级": "建筑业企业资质由二级降为三级"}),
    "吊销许可证件": ("吊销许可证件", None, {"吊销许可证件": "危险化学品经营许可证（沪浦危化经字〔2024〕0031号）"}),
    "限制开展生产经营活动": ("限制开展生产经营活动", None, {"限制开展生产经营活动": "限制开展直播营销活动6个月"}),
    "责令停产停业": ("责令停产停业", None, {"责令停产停业": "冲压车间停产整顿30日"}),
    "责令关闭": ("责令关闭", None, {"责令关闭": "关闭位于川沙路18号的小作坊"}),
    "限制从业": ("限制从业", None, {"限制从业": "法定代表人王某5年内不得从事食品生产经营管理工作"}),
}
SAMR_NEVER_EARLY = {"降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "限制从业"}
DECIDED = date(2026, 6, 1)
ISSUED = date(2026, 6, 1)
PUBLISHED = date(2026, 6, 10)


def text_of_html(markup: str) -> str:
    body = re.sub(r"<(style|head)[^>]*>.*?</\1>", "", markup, flags=re.S)
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", body)))


def text_of_pdf(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def departments_file(settings):
    path = settings.departments_file
    path.write_text(demo_departments_yaml(), encoding="utf-8")
    return path


@pytest.fixture
def letters_world(world, departments_file, make_record):
    return world


def render(runtime, record_id: int, kind: str, *, case_no: str | None = None, issued_on: date = ISSUED,
           **params) -> str:
    with runtime.uow(read_only=True) as uow:
        record = uow.session.get(Record, record_id)
        case = uow.session.query(Case).filter_by(case_no=case_no).one() if case_no else None
        context = build_context(LetterFacts(runtime, uow, record, case), kind, doc_number="X信〔2026〕1号",
                                issued_on=issued_on, **params)
    return text_of_html(render_html(kind, context, LETTERS))


def penalty_record(make_record, name: str, channel: str, tier: str, **extra) -> int:
    types, fine, content = PENALTIES[name]
    return make_record(
        decision_no=f"沪浦罚〔2026〕{abs(hash((name, channel, tier))) % 100000}号", authority_code=CHANNELS[channel],
        channel=channel, tier=tier, penalty_types=types, fine_amount=fine, penalty_content=content or None,
        decided_on=DECIDED, published_on=PUBLISHED, legal_basis="《中华人民共和国某某法》第五十条",
        violated_provision="《中华人民共和国某某法》第二十条", evidence=["现场检查笔录", "询问笔录"],
        procedure={"notified_on": "2026-05-10", "hearing": "waived"}, paid=False, **extra)


CELLS = [(channel, tier) for channel in CHANNELS for tier in ("minor", "general", "serious")]


@pytest.mark.parametrize("name", PENALTIES)
def test_both_letters_for_every_channel_and_tier(letters_world, make_record, name):
    # One database per penalty type keeps the matrix fast; each cell is checked on its own record.
    for channel, tier in CELLS:
        record_id = penalty_record(make_record, name, channel, tier)
        check_decision(render(letters_world, record_id, "penalty_decision"), name, channel, tier)
        check_notice(render(letters_world, record_id, "rights_notice"), name, channel, tier)


def check_decision(text: str, name: str, channel: str, tier: str) -> None:
    types, fine, content = PENALTIES[name]
    required = [FULL_NAMES[CHANNELS[channel]], "违反了《中华人民共和国某某法》第二十条的规定",
                "依据《中华人民共和国某某法》第五十条的规定", "现场检查笔录", "2026年5月10日", "明确放弃要求听证",
                f"六十日内向{GOVERNMENT}申请行政复议", f"六个月内依法向{COURT}提起行政诉讼", *content.values()]
    forbidden = ["按本决定书要求执行", "上海市某区", "信用修复专用章", "违反了《中华人民共和国某某法》第五十条"]
    if fine:
        required += ["罚款人民币20,000.00元（大写：贰万元整）", "自收到本决定书之日起十五日内", "每日按罚款数额的百分之三加处罚款"]
    else:
        forbidden += ["缴纳", "百分之三", "十五日内", "缴款"]
    if name in ("警告", "通报批评"):
        forbidden += ["送达之日起执行"]
    else:
        required += [re.sub(r"\s+", "", f"本决定所列{name}自本决定书送达之日起执行") if not fine else "罚款"]
    if name in ("降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业"):
        required += ["要求听证的权利"]
    if channel == "samr" and name == "警告":
        required += ["本决定所涉行政处罚信息不予公示"]
    elif channel == "ndrc" and tier == "minor":
        required += ["原则上不予公示；确需公示的，在“信用中国”网站公示，公示期最长不超过3个月"]
    else:
        required += ["本决定所涉行政处罚信息将依法在" + ("“信用中国”网站" if channel == "ndrc" else "国家企业信用信息公示系统")]
    for phrase in required:
        assert re.sub(r"\s+", "", phrase) in text, (name, channel, tier, phrase)
    for phrase in forbidden:
        assert phrase not in text, (name, channel, tier, phrase)


def check_notice(text: str, name: str, channel: str, tier: str) -> None:
    required = ["不收取任何费用", "异议申诉", "送达回执", "《行政处罚决定书》"]
    forbidden = ["上海市某区"]
    if channel == "ndrc":
        required += ["“信用中国”网站"]
        forbidden += ["国家企业信用信息公示系统"]
    else:
        forbidden += ["“信用中国”网站"]
        if name != "警告":
            required += ["国家企业信用信息公示系统", "公示之日（2026年6月10日）"]
    never_early = channel == "samr" and name in SAMR_NEVER_EARLY and tier != "minor"
    if channel == "samr" and name == "警告":  # SAMR Order 45 Art. 2: a warning alone is not published
        required += ["依规不予公示，无需申请信用修复"]
        forbidden += ["最早可于", "公示期间"]
    elif channel == "ndrc" and tier == "minor":
        required += ["原则上不予公示", "履行法定义务后即可申请信用修复", "2026年9月1日"]
    elif channel == "samr" and tier == "minor":
        required += ["自动停止公示", "无需申请信用修复", "2026年9月10日"]
        forbidden += ["最早可于"]
    elif never_early:
        required += ["不得提前停止公示", "不能申请信用修复"]
        forbidden += ["最早可于"]
    else:
        start = PUBLISHED if channel == "samr" else DECIDED
        earliest = date(start.year + (1 if tier == "serious" else 0), start.month + (0 if tier == "serious" else 3),
                        start.day)
        required += [f"最早可于{earliest.year}年{earliest.month}月{earliest.day}日提出信用修复申请",
                     "终止公示，停止共享和使用"]
        if channel == "samr":
            required += ["未在经营异常名录和严重违法失信名单中", "已经主动消除危害后果和不良社会影响"]
    for phrase in required:
        assert phrase in text, (name, channel, tier, phrase)
    for phrase in forbidden:
        assert phrase not in text, (name, channel, tier, phrase)


def test_order_to_correct_is_stated_apart_from_the_penalties(letters_world, make_record):
    record_id = make_record(penalty_types="罚款;责令改正", fine_amount=Decimal("5000.00"),
                            penalty_content={"责令改正": "于2026年7月1日前拆除违法设置的广告牌"})
    text = render(letters_world, record_id, "penalty_decision")
    assert "依据《中华人民共和国行政处罚法》第二十八条第一款的规定，本机关责令你单位改正上述违法行为：于2026年7月1日前拆除" in text
    assert "责令改正：" not in text and "责令改正。" not in text.split("如下行政处罚：")[1].split("依据《中华人民共和国行政处罚法》")[0]


def test_late_copy_is_marked_and_never_shows_a_past_deadline(letters_world, make_record):
    record_id = make_record(decided_on=date(2025, 3, 3), published_on=date(2025, 3, 10), served_on=date(2025, 3, 5))
    text = render(letters_world, record_id, "penalty_decision", issued_on=date(2026, 11, 26))
    assert "本决定书于2025年3月3日作出，原决定书已于2025年3月5日送达；本件于2026年11月26日补发。" in text
    assert "自收到本决定书之日起十五日内" in text and "前履行完毕" not in text


def rules_window(capsys, *args: str) -> dict:
    assert main(["rules", "window", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_2025_ndrc_decision_applies_the_more_favourable_regime_in_both_notice_and_rules(
        letters_world, make_record, capsys):
    record_id = make_record(decided_on=date(2025, 6, 2), published_on=date(2025, 6, 9))
    text = render(letters_world, record_id, "rights_notice", issued_on=date(2026, 11, 26))
    assert "公示期自处罚决定之日（2025年6月2日）起算，已于2026年6月2日届满" in text
    assert "ndrc-2023" in text and "ndrc-2026" in text and "从旧兼从轻" in text and "最早可于" not in text
    answer = rules_window(capsys, "--channel", "ndrc", "--tier", "general", "--decided-on", "2025-06-02",
                          "--as-of", "2026-11-26")
    assert answer["regime"] == "ndrc-2026" and answer["considered"] == ["ndrc-2023", "ndrc-2026"]
    assert answer["max_publicity_end"] == "2026-06-02"
    assert "ndrc-2023" in answer["derivation"] and "从旧兼从轻" in answer["derivation"]
    before = rules_window(capsys, "--channel", "ndrc", "--tier", "general", "--decided-on", "2025-06-02",
                          "--as-of", "2026-03-31")
    assert before["regime"] == "ndrc-2023" and before["max_publicity_end"] == "2028-06-02"


KINDS = {  # kind: (department, channel, its own document, its information)
    "serious_dishonesty_list": ("FGW", "ndrc", "《列入严重失信主体名单决定书》", "严重失信主体名单信息"),
    "business_anomaly_list": ("SCJG", "samr", "《列入经营异常名录决定书》", "经营异常名录信息"),
    "inspection_negative": ("FGW", "ndrc", "《行政检查结果告知书》", "行政检查负面信息"),
    "commitment_breach": ("SCJG", "samr", "《违反信用承诺认定书》", "违反信用承诺信息"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_non_penalty_records_keep_their_own_names_in_every_letter(letters_world, make_case, kind):
    department, channel, document, info = KINDS[kind]
    case_no = make_case(kind=kind, authority_code=department, channel=channel, penalty_types="", fine_amount=None,
                        facts="未按期公示年度报告", legal_basis="")
    with letters_world.uow(read_only=True) as uow:
        record_id = uow.session.query(Case).filter_by(case_no=case_no).one().record_id
    letters = {"acceptance_notice": {}, "refusal_notice": {"reason": "不属于本机关受理范围"},
               "repair_decision": {"granted": True}, "commitment_letter": {}, "application_form": {}}
    for letter, params in letters.items():
        text = render(letters_world, record_id, letter, case_no=case_no, issued_on=date(2026, 11, 27), **params)
        assert document in text and info in text, (kind, letter)
        for wrong in ("《行政处罚决定书》", "处罚内容", "行政处罚信息", "本机关信用修复工作规程"):
            assert wrong not in text, (kind, letter, wrong)
    denied = render(letters_world, record_id, "repair_decision", case_no=case_no, issued_on=date(2026, 11, 27),
                    granted=False, reason="经核查整改尚未完成")
    findings = denied.split("情况如下：")[1].split("经核查，你单位不符合")[0]
    assert "已于" not in findings, findings


def test_refusals_and_denials_say_only_what_is_true(letters_world, make_case):
    case_no = make_case(paid=False)  # the fine of 5,000 yuan is not paid
    with letters_world.uow(read_only=True) as uow:
        record_id = uow.session.query(Case).filter_by(case_no=case_no).one().record_id
    denied = render(letters_world, record_id, "repair_decision", case_no=case_no, issued_on=date(2026, 11, 27),
                    granted=False, reason="经核查整改尚未完成")
    # The failed condition is the reason; the officer's free text does not add a second, different one.
    assert "法定责任和义务尚未履行完毕：尚未履行" in denied and "经核查整改尚未完成" not in denied
    assert "依据国办发〔2025〕22号；国家发展改革委令第36号（2025）的规定，本机关决定不予信用修复" in denied
    assert "已于" not in denied.split("情况如下：")[1].split("经核查")[0]
    # Obligations are checked after acceptance: a refusal to accept names the officer's ground instead.
    refused = render(letters_world, record_id, "refusal_notice", case_no=case_no, issued_on=date(2026, 11, 27),
                     reason="申请事项不属于本机关职责范围")
    assert "申请事项不属于本机关职责范围" in refused and "尚未履行" not in refused
    for text in (denied, refused):
        assert "本机关信用修复工作规程" not in text and "本地规则" not in text


def test_acceptance_notice_states_the_real_due_date(letters_world, make_case, fire, now):
    case_no = make_case()
    fire(case_no, "accept", "fgw_officer", at("2026-11-27"))
    with letters_world.uow(read_only=True) as uow:
        case = uow.session.query(Case).filter_by(case_no=case_no).one()
        due = next(d.due for d in case.deadlines if d.stage == "decision")
    text = render(letters_world, case.record_id, "acceptance_notice", case_no=case_no, issued_on=date(2026, 11, 27))
    assert due > date(2026, 11, 27)
    assert f"并于{due.year}年{due.month}月{due.day}日前" in text


GOLDEN = CHECKOUT / "tests" / "golden" / "letters"
GOLDEN_CASES = {  # name: (department, officer, record fields) — reviewed texts under tests/golden/letters/
    "ndrc-general-fine-order": ("FGW", "fgw_officer", dict(
        penalty_types="罚款;责令改正", fine_amount=Decimal("20000.00"), tier="general",
        penalty_content={"责令改正": "于本决定书送达之日起15日内改正违法行为"},
        legal_basis="《中华人民共和国价格法》第四十二条", violated_provision="《中华人民共和国价格法》第十三条第一款",
        facts="2026年4月8日，本机关执法人员检查发现，你单位经营场所内12种商品未按规定明码标价。",
        evidence=["现场检查笔录", "现场照片12张", "询问笔录"], party_address="上海市浦东新区张江路100号",
        legal_representative="张伟", procedure={"notified_on": "2026-05-12", "hearing": "not_requested"})),
    "samr-serious-suspension": ("SCJG", "scjg_officer", dict(
        penalty_types="责令停产停业;罚款", fine_amount=Decimal("150000.00"), tier="serious", sector="food",
        penalty_content={"责令停产停业": "自本决定书送达之日起停产停业整顿30日"},
        legal_basis="《中华人民共和国食品安全法》第一百二十四条第一款",
        violated_provision="《中华人民共和国食品安全法》第三十四条", facts="你单位生产经营超过保质期的食品。",
        evidence=["抽样检验报告", "现场检查笔录"], procedure={"notified_on": "2026-05-06", "hearing": "held",
                                                       "hearing_on": "2026-05-18"})),
    "ndrc-minor-warning": ("FGW", "fgw_officer", dict(
        penalty_types="警告", fine_amount=None, tier="minor", legal_basis="《中华人民共和国价格法》第四十二条",
        violated_provision="《中华人民共和国价格法》第十三条第一款", facts="你单位1种商品未按规定明码标价。",
        evidence=["现场检查笔录"], procedure={"notified_on": "2026-05-20", "hearing": "not_applicable"})),
}


def golden_lines(data: bytes) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.pdf
def test_sealed_paired_letters_match_the_reviewed_golden_texts(sealing, departments_file, make_record):
    import os

    for name, (department, officer, fields) in GOLDEN_CASES.items():
        number = f"沪浦{department}罚〔2026〕{len(name)}号"
        channel = "samr" if department == "SCJG" else "ndrc"
        make_record(decision_no=number, authority_code=department, channel=channel, decided_on=date(2026, 6, 1),
                    published_on=date(2026, 6, 10), paid=False, **fields)
        delivery = deliveries.prepare(sealing, decision_no=number, actor=actor(officer), now=at("2026-06-01"))
        for kind in ("penalty_decision", "rights_notice"):
            _document, data = document_pdf(sealing, delivery.documents[kind]["id"])
            lines, path = golden_lines(data), GOLDEN / f"{name}.{kind}.txt"
            if os.environ.get("REPAIR_UPDATE_GOLDEN") == "1":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            expected = path.read_text(encoding="utf-8").splitlines()
            assert re.sub(r"\s+", "", "".join(lines)) == re.sub(r"\s+", "", "".join(expected)), (name, kind)

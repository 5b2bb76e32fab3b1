"""Realistic demo contexts for every letter (tests, samples, benchmark, demo)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from repair.domain.departments import DepartmentProfile, demo_departments_yaml, parse_departments
from repair.domain.rules import applicable_window
from repair.errors import LetterError
from repair.letters.content import (
    RecordData,
    party_of,
    penalty_decision_content,
    record_reference,
    rights_notice_content,
)
from repair.letters.environment import LETTER_KEYS

SAMPLE_DEPARTMENT = "YJJ"
PARTY = {
    "name": "上海某某精密机械有限公司",
    "uscc": "91310115MA1K4QWE8M",
    "address": "上海市浦东新区金桥路1288号3幢",
    "legal_representative": "王建国",
}
CONTACT = {
    "office": "区应急管理局政策法规科",
    "name": "李明",
    "phone": "021-5888 6120",
    "address": "上海市浦东新区世纪大道2001号5楼",
}
PENALTY_NUMBER = "沪浦应急罚〔2026〕112号"
PENALTY_DATE = date(2026, 11, 26)
# The decision of the sample 两书: a fine with an order to correct, the full APL Art. 59 details.
PENALTY = RecordData(
    kind="administrative_penalty", decision_no=PENALTY_NUMBER, decided_on=PENALTY_DATE,
    party_name=PARTY["name"], uscc=PARTY["uscc"], channel="ndrc", tier="general",
    penalty_types="罚款;责令限期改正", fine_amount=Decimal("20000.00"),
    legal_basis="《中华人民共和国安全生产法》第九十七条第三项",
    violated_provision="《中华人民共和国安全生产法》第二十八条第一款",
    facts="2026年9月15日，本机关执法人员对你单位进行安全生产执法检查时发现，你单位新招录的冲压车间操作工张某等6名从业人员"
          "未经安全生产教育和培训即上岗作业，你单位亦未建立安全生产教育和培训档案。",
    evidence=("现场检查记录（编号：YJJ-JC-2026-0915-03）及现场照片8张", "对你单位安全负责人赵某的询问笔录",
              "你单位冲压车间排班表、考勤记录复印件", "你单位营业执照复印件及法定代表人身份证明"),
    penalty_content={"责令限期改正": "于2026年12月11日前完成对上述从业人员的安全生产教育和培训并建立培训档案"},
    procedure={"notified_on": date(2026, 10, 30), "hearing": "not_requested"},
    party_address=PARTY["address"], legal_representative=PARTY["legal_representative"],
)
OLD_PENALTY_NUMBER = "沪浦应急罚〔2026〕37号"
OLD_PENALTY_DATE = date(2026, 5, 12)
OLD_PENALTY_CONTENT = "罚款人民币20,000.00元"
APPLICATION = {"number": "XYXF-2026-000318", "received_on": date(2026, 9, 28)}


def sample_department() -> DepartmentProfile:
    """The sample authority, as in the demo department file."""
    return parse_departments(demo_departments_yaml()).get(SAMPLE_DEPARTMENT)


def _authority() -> dict:
    dept = sample_department()
    return {"name": dept.full_name, "code": dept.code}


def _record_ref() -> dict:
    old = RecordData(kind="administrative_penalty", decision_no=OLD_PENALTY_NUMBER, decided_on=OLD_PENALTY_DATE,
                     party_name=PARTY["name"], uscc=PARTY["uscc"], channel="ndrc", tier="general")
    return record_reference(old, sample_department().full_name)


def _choice():
    return applicable_window("ndrc", as_of=PENALTY_DATE, tier=PENALTY.tier, decided_on=PENALTY.decided_on)


def _penalty_decision() -> dict:
    body = penalty_decision_content(PENALTY, sample_department(), _choice(), issued_on=PENALTY_DATE)
    return {"doc_number": PENALTY_NUMBER, "issued_on": PENALTY_DATE, "party": party_of(PENALTY), **body}


def _rights_notice() -> dict:
    body = rights_notice_content(PENALTY, _choice(), authority=sample_department().full_name,
                                 penalties_text="罚款人民币20,000.00元；责令限期改正",
                                 tracking_contact="“信用中国”网站“信用修复”栏目或本机关信用修复窗口",
                                 as_of=PENALTY_DATE)
    return {"doc_number": "沪浦应急信告〔2026〕112号", "issued_on": PENALTY_DATE, **body}


def _application_form() -> dict:
    return {
        "applicant": {**PARTY, "kind": "有限责任公司（企业法人）", "phone": "021-6888 0101"},
        "handler": {"name": "陈晓燕", "id_number": "310115********2046", "phone": "139****5678"},
        "record": {"decision_number": OLD_PENALTY_NUMBER, "authority": _authority()["name"],
                   "decision_date": OLD_PENALTY_DATE, "content": OLD_PENALTY_CONTENT, "content_label": "处罚内容",
                   "document": _record_ref()["document"], "kind_label": "行政处罚信息"},
        "fulfilment": [
            {
                "item": "罚款缴纳",
                "evidence": "2026年5月20日缴纳罚款20,000.00元，票据号0031520",
                "source": "部门间履罚信息共享（非税收入系统）",
            },
            {"item": "责令改正", "evidence": "2026年6月3日经复查整改到位", "source": "区应急管理局复查意见书"},
        ],
        "reason": "本单位已全面履行行政处罚决定，完成全员安全生产培训并建立培训档案，且已满最短公示期，特申请信用修复。",
        "attachments": ["信用修复承诺书", "法定代表人身份证明书", "培训档案及考核记录"],
        "submitted_on": date(2026, 9, 28),
        "sources": {
            "applicant.name": "市场主体登记信息",
            "applicant.uscc": "市场主体登记信息",
            "applicant.kind": "市场主体登记信息",
            "applicant.address": "市场主体登记信息",
            "applicant.legal_representative": "市场主体登记信息",
            "record.kind_label": "“信用中国”行政处罚信息",
            "record.decision_number": "“信用中国”行政处罚信息",
            "record.authority": "“信用中国”行政处罚信息",
            "record.decision_date": "“信用中国”行政处罚信息",
            "record.content": "“信用中国”行政处罚信息",
        },
    }


def _commitment_letter() -> dict:
    return {"applicant": PARTY, "record_ref": _record_ref(), "platform": "“信用中国”网站",
            "signed_on": date(2026, 9, 28)}


def _acceptance_notice() -> dict:
    return {
        "doc_number": "沪浦应急信受〔2026〕45号",
        "issued_on": date(2026, 9, 29),
        "application": APPLICATION,
        "record_ref": _record_ref(),
        "decision_sentence": "本机关将依法对你单位的申请进行核查，并于2026年10月20日前（受理之日起7个工作日，"
                             "2026年10月1日至7日国庆节假日不计）作出是否准予信用修复的决定。",
        "tracking_channel": "“信用中国”网站“信用修复”栏目或本机关信用修复窗口",
    }


def _refusal_notice() -> dict:
    return {
        "doc_number": "沪浦应急信不受〔2026〕3号",
        "issued_on": date(2026, 9, 29),
        "application": APPLICATION,
        "record_ref": _record_ref(),
        "reasons": ["最短公示期尚未届满：最短公示期至2026年10月12日届满"],
        "basis": "国办发〔2025〕22号；国家发展改革委令第36号（2025）",
        "resubmission": "你单位可以在最短公示期届满后重新提出申请。",
    }


def _supplement_notice() -> dict:
    return {
        "doc_number": "沪浦应急信补〔2026〕8号",
        "issued_on": date(2026, 10, 9),
        "application": APPLICATION,
        "missing": [
            {"item": "培训档案", "requirement": "提供冲压车间6名从业人员的安全生产教育和培训记录及考核结果（加盖公章）"},
            {"item": "法定代表人身份证明书", "requirement": "原件扫描件，须与营业执照登记信息一致"},
        ],
        "deadline": date(2026, 10, 16),
        "submit_channel": "“信用中国”网站“信用修复”栏目上传或送至区行政服务中心信用修复窗口",
    }


def _repair_decision() -> dict:
    return {
        "doc_number": "沪浦应急信修〔2026〕12号",
        "issued_on": date(2026, 10, 20),
        "granted": True,
        "application": APPLICATION,
        "record_ref": _record_ref(),
        "record": {"content": OLD_PENALTY_CONTENT},
        "findings": [
            "最短公示期已届满：最短公示期已于2026年8月12日届满",
            "已履行法定责任和义务：罚款人民币20,000.00元已于2026年5月20日缴纳（区财政非税收入系统）",
            "已签署信用修复承诺书：已签署并同意公开信用承诺",
        ],
        "basis": "国办发〔2025〕22号；国家发展改革委令第36号（2025）",
        "effects": "自2026年10月20日起，该信息在“信用中国”网站停止公示，终止共享和使用，相应失信惩戒措施同步解除；"
                   "本机关于3个工作日内将修复结果推送至相关信用平台。",
        "resubmission": None,
    }


_BUILDERS = {
    "penalty_decision": _penalty_decision,
    "rights_notice": _rights_notice,
    "application_form": _application_form,
    "commitment_letter": _commitment_letter,
    "acceptance_notice": _acceptance_notice,
    "refusal_notice": _refusal_notice,
    "supplement_notice": _supplement_notice,
    "repair_decision": _repair_decision,
}
def _remedies() -> dict:
    dept = sample_department()
    return {"reconsideration_body": dept.reconsideration_body, "litigation_court": dept.court}


def sample_context(key: str) -> dict:
    """A fresh, realistic context for letter `key` (plain data only)."""
    if key not in LETTER_KEYS:
        raise LetterError(f"未知文书类型 / unknown letter key: {key!r}")
    context = {"authority": _authority(), **_BUILDERS[key]()}
    if key not in ("application_form", "commitment_letter"):
        context = {"remedies": _remedies(), "contact": dict(CONTACT), "party": dict(PARTY), **context}
    return context

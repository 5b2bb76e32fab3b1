"""Realistic demo contexts for every letter (tests, samples, benchmark, demo)."""

from __future__ import annotations

from datetime import date

from repair.domain.errors import LetterError
from repair.letters.environment import LETTER_KEYS

AUTHORITY = {"name": "上海市某区应急管理局", "code": "YJJ"}
PARTY = {
    "name": "上海某某精密机械有限公司",
    "uscc": "91310115MA1K4QWE8M",
    "address": "上海市某区金桥路1288号3幢",
    "legal_representative": "王建国",
}
REMEDIES = {"reconsideration_body": "上海市某区人民政府", "litigation_court": "上海市某区人民法院"}
CONTACT = {
    "office": "区应急管理局政策法规科",
    "name": "李明",
    "phone": "021-5888 6120",
    "address": "上海市某区世纪大道2001号5楼",
}
PENALTY_NUMBER = "沪X应急罚〔2026〕112号"
PENALTY_DATE = date(2026, 11, 26)
OLD_PENALTY = {
    "decision_number": "沪X应急罚〔2026〕37号",
    "authority": AUTHORITY["name"],
    "decision_date": date(2026, 5, 12),
    "content": "未按规定对从业人员进行安全生产教育和培训，罚款人民币20,000.00元",
}
APPLICATION = {
    "number": "XYXF-2026-000318",
    "received_on": date(2026, 9, 28),
    "record_decision_number": OLD_PENALTY["decision_number"],
    "record_authority": AUTHORITY["name"],
}


def _penalty_decision() -> dict:
    return {
        "doc_number": PENALTY_NUMBER,
        "issued_on": PENALTY_DATE,
        "facts": [
            "2026年9月15日，本机关执法人员对你单位进行安全生产执法检查时发现，你单位新招录的冲压车间操作工张某等6名从业人员"
            "未经安全生产教育和培训即上岗作业，你单位亦未建立安全生产教育和培训档案。",
        ],
        "evidence": [
            "现场检查记录（编号：YJJ-JC-2026-0915-03）及现场照片8张",
            "对你单位安全负责人赵某的询问笔录",
            "你单位冲压车间排班表、考勤记录复印件",
            "你单位营业执照复印件及法定代表人身份证明",
        ],
        "procedure": "本机关于2026年10月30日向你单位送达了沪X应急罚告〔2026〕98号《行政处罚告知书》，告知你单位拟作出行政处罚的内容及事实、"
        "理由、依据，以及依法享有的陈述、申辩权利。你单位在法定期限内未提出陈述、申辩。",
        "violated_provisions": "《中华人民共和国安全生产法》第二十八条第一款",
        "penalty_basis": "《中华人民共和国安全生产法》第九十七条第（三）项",
        "penalties": [
            {"type": "责令限期改正", "detail": "于2026年12月11日前完成对上述从业人员的安全生产教育和培训并建立培训档案"},
            {"type": "罚款", "detail": "人民币贰万元整（20,000.00元）"},
        ],
        "performance": {
            "manner": "罚款请持本决定书通过“上海一网通办”非税收入缴款平台或指定代收银行缴纳",
            "deadline": date(2026, 12, 11),
            "account": "缴款识别码：3101152026112600147。",
        },
    }


def _rights_notice() -> dict:
    return {
        "doc_number": "沪X应急信告〔2026〕112号",
        "issued_on": PENALTY_DATE,
        "decision": {"number": PENALTY_NUMBER, "date": PENALTY_DATE, "summary": "罚款人民币20,000.00元并责令限期改正"},
        "publication": {
            "basis": "《失信行为纠正后的信用信息修复管理办法》（国家发展改革委令2025年第36号）",
            "platforms": ["“信用中国”网站", "“信用中国（上海）”网站"],
            "tier": "一般",
            "min_period": "3个月",
            "min_end": date(2027, 2, 26),
            "max_period": "1年",
            "max_end": date(2027, 11, 26),
        },
        "repair": {
            "conditions": [
                "已全面履行行政处罚决定规定的义务，违法行为已纠正到位",
                "自行政处罚决定作出之日起已满最短公示期",
                "作出公开信用承诺",
            ],
            "earliest_application_date": date(2027, 2, 26),
            "channels": [
                "登录“信用中国”网站“信用服务—信用修复”栏目在线申请",
                "到区行政服务中心信用修复窗口现场申请",
            ],
            "materials": [
                "信用修复申请书",
                "信用修复承诺书",
                "履行义务的证明材料（本机关已共享的缴款信息无需重复提供）",
            ],
        },
    }


def _application_form() -> dict:
    return {
        "applicant": {**PARTY, "kind": "有限责任公司（企业法人）", "phone": "021-6888 0101"},
        "handler": {"name": "陈晓燕", "id_number": "310115********2046", "phone": "139****5678"},
        "record": {**OLD_PENALTY, "kind_label": "行政处罚信息"},
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
    return {"applicant": PARTY, "record": OLD_PENALTY, "signed_on": date(2026, 9, 28)}


def _acceptance_notice() -> dict:
    return {
        "doc_number": "沪X应急信受〔2026〕45号",
        "issued_on": date(2026, 9, 29),
        "application": APPLICATION,
        "decision_due": date(2026, 10, 21),
        "decision_limit": "受理之日起7个工作日，国庆节假日不计",
        "tracking_channel": "“信用中国”网站“信用修复”栏目或本机关信用修复窗口",
    }


def _refusal_notice() -> dict:
    return {
        "doc_number": "沪X应急信不受〔2026〕3号",
        "issued_on": date(2026, 9, 29),
        "application": APPLICATION,
        "reasons": ["申请修复的行政处罚信息自决定作出之日起未满最短公示期（3个月）"],
        "basis": "《失信行为纠正后的信用信息修复管理办法》第十一条",
        "resubmission": "你单位可以在最短公示期届满后重新提出申请。",
    }


def _supplement_notice() -> dict:
    return {
        "doc_number": "沪X应急信补〔2026〕8号",
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
        "doc_number": "沪X应急信修〔2026〕12号",
        "issued_on": date(2026, 10, 20),
        "granted": True,
        "application": APPLICATION,
        "record": OLD_PENALTY,
        "findings": [
            "罚款20,000.00元已于2026年5月20日缴纳（部门间履罚信息共享）",
            "责令改正事项经2026年6月3日复查已整改到位",
            "自处罚决定作出之日起已满最短公示期3个月",
            "你单位已作出公开信用承诺",
        ],
        "basis": "《失信行为纠正后的信用信息修复管理办法》第十条、第十五条",
        "effects": {
            "stop_date": date(2026, 10, 20),
            "platforms": ["“信用中国”网站", "“信用中国（上海）”网站"],
            "sync_limit": "3个工作日",
        },
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
_AUTHORITY_LETTERS = {"remedies": REMEDIES, "contact": CONTACT, "party": PARTY}


def sample_context(key: str) -> dict:
    """A fresh, realistic context for letter `key` (plain data only)."""
    if key not in LETTER_KEYS:
        raise LetterError(f"未知文书类型 / unknown letter key: {key!r}")
    context = {"authority": dict(AUTHORITY), **_BUILDERS[key]()}
    if key not in ("application_form", "commitment_letter"):
        context = {**_AUTHORITY_LETTERS, **context}
    return context

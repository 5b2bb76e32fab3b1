"""Deterministic demo data: departments, enterprises and records (plain data, no database)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from repair.domain.uscc import make_uscc

DEPARTMENTS = (
    # code, name, channel, sectors its penalties fall in
    ("FGW", "区发展改革委", "ndrc", (None,)),
    ("SCJG", "区市场监管局", "samr", ("food", "drug", "special_equipment", None)),
    ("YJJ", "区应急局", "ndrc", ("work_safety", "fire_safety")),
    ("SWW", "区商务委", "ndrc", (None,)),
    ("RSJ", "区人社局", "ndrc", (None,)),
)
SHORT = {"FGW": "发改", "SCJG": "市监", "YJJ": "应急", "SWW": "商务", "RSJ": "人社"}
DISTRICT_PREFIX = "沪浦"  # 上海市浦东新区 in document numbers
NAME_PARTS = ("申通", "明达", "华信", "东方", "浦江", "恒泰", "新源", "嘉禾", "瑞丰", "金桥", "宏远", "安达",
              "德润", "众诚", "永盛", "天宇", "博远", "长虹", "锦程", "海纳")
TRADES = ("贸易", "餐饮管理", "物流", "建筑工程", "医药", "科技", "食品", "机电设备", "人力资源", "商业管理")
# Every penalty type of APL Art. 9 (行政拘留 aside) appears; 责令改正 is an order that comes with a penalty.
PENALTIES = {
    "minor": ("警告", "通报批评", "警告;责令改正"),
    "general": ("罚款", "罚款;责令改正", "没收违法所得;罚款", "没收非法财物;罚款", "暂扣许可证件"),
    "serious": ("责令停产停业;罚款", "吊销许可证件", "降低资质等级", "限制开展生产经营活动;罚款", "责令关闭",
                "限制从业;罚款"),
}
# SAMR never repairs some serious penalties early (Order 45 Art. 14): its demo keeps mostly repairable ones.
SAMR_SERIOUS = ("没收违法所得;罚款", "罚款")
# What each penalty and order says on the decision (APL Art. 59: the content of each penalty).
DETAILS = {
    "没收违法所得": "人民币{amount}元", "没收非法财物": "扣押的不合格产品{count}件",
    "暂扣许可证件": "营业执照以外的经营许可证（编号HZ{serial}），暂扣期限3个月",
    "吊销许可证件": "经营许可证（编号HZ{serial}）", "降低资质等级": "资质等级由二级降为三级",
    "限制开展生产经营活动": "自本决定书送达之日起6个月内不得开展新增业务",
    "责令停产停业": "自本决定书送达之日起停产停业整顿30日",
    "责令关闭": "关闭违法设立的经营场所",
    "限制从业": "法定代表人自本决定书送达之日起3年内不得担任同类企业的负责人",
    "责令改正": "于本决定书送达之日起15日内改正违法行为",
}
# Department → (provision violated, penalty basis) by sector; the demo's decisions cite these.
LAWS = {
    ("FGW", None): ("《中华人民共和国价格法》第十三条第一款", "《中华人民共和国价格法》第四十二条"),
    ("SCJG", "food"): ("《中华人民共和国食品安全法》第三十四条", "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("SCJG", "drug"): ("《中华人民共和国药品管理法》第九十八条第一款", "《中华人民共和国药品管理法》第一百一十七条"),
    ("SCJG", "special_equipment"): ("《中华人民共和国特种设备安全法》第三十二条第一款",
                                    "《中华人民共和国特种设备安全法》第八十四条第一项"),
    ("SCJG", None): ("《中华人民共和国反不正当竞争法》第八条第一款", "《中华人民共和国反不正当竞争法》第二十条第一款"),
    ("YJJ", "work_safety"): ("《中华人民共和国安全生产法》第二十八条第一款", "《中华人民共和国安全生产法》第九十七条第三项"),
    ("YJJ", "fire_safety"): ("《中华人民共和国消防法》第十六条第一款", "《中华人民共和国消防法》第六十条第一款"),
    ("SWW", None): ("《中华人民共和国电子商务法》第十七条", "《中华人民共和国电子商务法》第八十五条"),
    ("RSJ", None): ("《劳动保障监察条例》第十一条", "《劳动保障监察条例》第二十五条"),
}
EVIDENCE = ("现场检查笔录", "询问笔录", "现场照片", "营业执照复印件", "相关账册及票据复印件")
FINDINGS = {"business_anomaly_list": ("异", "未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告"),
            "inspection_negative": ("检", "双随机抽查中发现未按规定建立进货查验记录"),
            "commitment_breach": ("诺", "未履行告知承诺制审批中作出的按期补交材料承诺")}
HEARING_TYPES = ("吊销许可证件", "降低资质等级", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业")


@dataclass(frozen=True)
class DemoEnterprise:
    uscc: str
    name: str
    address: str
    legal_representative: str


@dataclass(frozen=True)
class DemoRecord:
    kind: str
    authority: str
    decision_no: str
    uscc: str
    party: str
    channel: str
    tier: str
    sector: str | None
    decided_on: date
    published_on: date
    penalty_types: str
    fine: Decimal | None
    legal_basis: str
    facts: str
    paid: bool  # whether fulfilment data shows the fine paid / correction verified
    party_address: str | None = None
    legal_representative: str | None = None
    violated_provision: str | None = None
    evidence: tuple[str, ...] = ()
    penalty_content: dict | None = None
    procedure: dict | None = None
    served_on: date | None = None


def enterprises(count: int = 60, seed: int = 7) -> list[DemoEnterprise]:
    """Enterprises with valid unified social credit codes."""
    rng = random.Random(seed)
    result = []
    for i in range(count):
        body = f"MA{i:02d}{rng.choice('ABCDEFGHJK')}{rng.randrange(100):02d}{rng.choice('LMNPQR')}"
        name = f"上海{NAME_PARTS[i % len(NAME_PARTS)]}{TRADES[i % len(TRADES)]}有限公司"
        if i >= len(NAME_PARTS):
            name = name.replace("有限公司", f"第{i // len(NAME_PARTS) + 1}分公司")
        result.append(DemoEnterprise(uscc=make_uscc(body), name=name,
                                     address=f"上海市浦东新区{rng.choice(('张江', '陆家嘴', '金桥', '川沙'))}路{rng.randrange(1, 999)}号",
                                     legal_representative=rng.choice(("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"))))
    return result


def records(companies: list[DemoEnterprise], count: int = 400, seed: int = 11) -> list[DemoRecord]:
    """Records across kinds, tiers, sectors and regimes (decision dates 2023-06 … 2026-10)."""
    rng = random.Random(seed)
    start, span = date(2023, 6, 1), (date(2026, 10, 31) - date(2023, 6, 1)).days
    result = []
    for i in range(count):
        code, _name, channel, sectors = DEPARTMENTS[i % len(DEPARTMENTS)]
        company = companies[i % len(companies)]
        kind = "administrative_penalty"
        if code == "SCJG" and i % 3 == 0:
            kind = "business_anomaly_list"
        elif i % 12 == 5:
            kind = "inspection_negative"
        elif i % 12 == 9:
            kind = "commitment_breach"
        tier = ("general", "general", "serious", "minor")[i % 4] if kind == "administrative_penalty" else "general"
        decided = start + timedelta(days=rng.randrange(span))
        choices = SAMR_SERIOUS if channel == "samr" and tier == "serious" else PENALTIES[tier]
        penalty = rng.choice(choices) if kind == "administrative_penalty" else ""
        fine = Decimal(rng.randrange(5, 200) * 1000) if "罚款" in penalty else None
        number = i + 1
        sector = rng.choice(sectors) if kind == "administrative_penalty" else None
        published = decided + timedelta(days=rng.randrange(3, 20))
        paid = rng.random() < 0.85
        if kind == "administrative_penalty":
            details = _penalty_details(random.Random(seed * 1000 + number), code, sector, penalty, company, decided)
            series, facts = "罚", f"经查，{company.name}存在违法行为（演示数据第 {number} 条）。"
        else:
            details = {"party_address": company.address, "legal_representative": company.legal_representative}
            series, finding = FINDINGS[kind]
            facts = f"{company.name}{finding}（演示数据第 {number} 条）。"
        result.append(DemoRecord(
            kind=kind, authority=code, decision_no=f"沪浦{SHORT[code]}{series}〔{decided.year}〕{number}号",
            uscc=company.uscc, party=company.name, channel=channel, tier=tier, sector=sector, decided_on=decided,
            published_on=published, penalty_types=penalty, fine=fine,
            legal_basis=details.pop("legal_basis", ""), facts=facts, paid=paid, **details,
        ))
    return result


def _penalty_details(rng: random.Random, code: str, sector: str | None, penalty: str, company: DemoEnterprise,
                     decided: date) -> dict:
    """The APL Art. 59 details of a demo decision: provisions, evidence, each penalty's content, procedure."""
    violated, basis = LAWS.get((code, sector)) or LAWS.get((code, None)) or LAWS[("SCJG", None)]
    types = [t for t in penalty.split(";") if t]
    content = {t: DETAILS[t].format(amount=f"{rng.randrange(2, 50) * 1000:,}.00", count=rng.randrange(20, 400),
                                    serial=rng.randrange(100000, 999999)) for t in types if t in DETAILS}
    hearing = "held" if any(t in HEARING_TYPES for t in types) else rng.choice(("not_requested", "waived"))
    notified = decided - timedelta(days=rng.randrange(15, 40))
    procedure = {"notified_on": notified.isoformat(), "hearing": hearing,
                 "hearing_on": (notified + timedelta(days=12)).isoformat() if hearing == "held" else None}
    return {"legal_basis": basis, "violated_provision": violated, "party_address": company.address,
            "legal_representative": company.legal_representative,
            "evidence": tuple(rng.sample(EVIDENCE, 3)), "penalty_content": content or None, "procedure": procedure,
            "served_on": decided + timedelta(days=rng.randrange(0, 5))}

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
PENALTIES = {
    "minor": ("警告",),
    "general": ("罚款", "罚款;责令改正"),
    "serious": ("罚款;没收违法所得", "责令停产停业;罚款"),
}


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
        penalty = rng.choice(PENALTIES[tier]) if kind == "administrative_penalty" else ""
        fine = Decimal(rng.randrange(5, 200) * 1000) if "罚款" in penalty else None
        number = i + 1
        result.append(DemoRecord(
            kind=kind, authority=code, decision_no=f"沪浦{SHORT[code]}罚〔{decided.year}〕{number:04d}号",
            uscc=company.uscc, party=company.name, channel=channel, tier=tier,
            sector=rng.choice(sectors) if kind == "administrative_penalty" else None,
            decided_on=decided, published_on=decided + timedelta(days=rng.randrange(3, 20)),
            penalty_types=penalty, fine=fine,
            legal_basis="《中华人民共和国行政处罚法》第二十八条" if kind == "administrative_penalty" else "",
            facts=f"{company.name}存在违法行为（演示数据第 {number} 条）", paid=rng.random() < 0.85,
        ))
    return result

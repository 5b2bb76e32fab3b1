"""Penalty types of the Administrative Penalty Law (Art. 9), the orders that are not penalties, and the
default tier of a decision for feeds that carry no tier (Order 36 examples).

Names are the legal Chinese names because that is what files and letters use; aliases found in
双公示 exports and older data map onto them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# APL Art. 9, in the order of the article; 行政拘留 is a penalty on natural persons only (out of scope here).
PENALTY_TYPES = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
                 "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业")
OUT_OF_SCOPE = ("行政拘留",)
# Orders to correct a violation (APL Art. 28): stated in a decision apart from its penalties.
ORDERS = ("责令改正", "责令限期改正")
ALIASES = {
    "吊销许可证": "吊销许可证件", "吊销执照": "吊销许可证件", "吊销营业执照": "吊销营业执照",
    "暂扣许可证": "暂扣许可证件", "暂扣执照": "暂扣许可证件", "暂扣营业执照": "暂扣许可证件",
    "限制开展生产经营": "限制开展生产经营活动", "停产停业": "责令停产停业", "没收违法财物": "没收非法财物",
    "责令限期整改": "责令限期改正",
}
# 吊销营业执照 is a 吊销许可证件 by law, but SAMR rules name it separately: keep the name, treat it alike.
LICENCE_REVOCATIONS = ("吊销许可证件", "吊销营业执照")
SEPARATORS = re.compile(r"[;；、,，/]+")

# Order 36 examples (regulations.md §1.3): minor = warning, 通报批评; general = fine, confiscation;
# serious = licence revocation, lowered qualification, 限制从业, suspension, closure. A row takes the
# most serious tier among its penalty types. Configurable per deployment; see `tier_for`.
DEFAULT_TIER_MAP: Mapping[str, str] = {
    "警告": "minor", "通报批评": "minor",
    "罚款": "general", "没收违法所得": "general", "没收非法财物": "general", "暂扣许可证件": "general",
    "吊销许可证件": "serious", "吊销营业执照": "serious", "降低资质等级": "serious", "限制从业": "serious",
    "限制开展生产经营活动": "serious", "责令停产停业": "serious", "责令关闭": "serious",
}
TIER_MAP_BASIS = "国家发展改革委令第36号（2025）关于轻微、一般、严重失信行为的示例"
_TIER_ORDER = {"minor": 0, "general": 1, "serious": 2}


@dataclass(frozen=True)
class PenaltyList:
    """A decision's measures split the way a decision states them."""

    penalties: tuple[str, ...]  # APL Art. 9 types (and 吊销营业执照), in article order
    orders: tuple[str, ...]  # 责令改正 and the like
    out_of_scope: tuple[str, ...]  # 行政拘留
    unknown: tuple[str, ...]  # anything else (其他, typos)


def canonical(name: str) -> str:
    """The legal name of a penalty type or order (aliases resolved, spaces dropped)."""
    name = re.sub(r"\s+", "", name or "")
    return ALIASES.get(name, name)


def split_penalties(names: Iterable[str] | str) -> PenaltyList:
    """Split penalty names (a list, or text separated by ; ； 、 ,) into penalties, orders and the rest."""
    if isinstance(names, str):
        names = SEPARATORS.split(names)
    seen = list(dict.fromkeys(canonical(n) for n in names if n and n.strip()))
    order = {name: i for i, name in enumerate(PENALTY_TYPES + ("吊销营业执照",))}
    penalties = tuple(sorted((n for n in seen if n in order), key=order.__getitem__))
    return PenaltyList(
        penalties=penalties,
        orders=tuple(n for n in seen if n in ORDERS),
        out_of_scope=tuple(n for n in seen if n in OUT_OF_SCOPE),
        unknown=tuple(n for n in seen if n not in order and n not in ORDERS and n not in OUT_OF_SCOPE),
    )


def tier_for(penalties: Iterable[str], tier_map: Mapping[str, str] | None = None) -> str | None:
    """The most serious tier among `penalties` under `tier_map` (default: Order 36 examples); None when
    no penalty has a tier (the caller rejects the row: the tier cannot be decided)."""
    table = DEFAULT_TIER_MAP if tier_map is None else tier_map
    tiers = [table[p] for p in penalties if p in table]
    return max(tiers, key=_TIER_ORDER.__getitem__) if tiers else None


def parse_tier_map(text: str) -> dict[str, str]:
    """`罚款=general,警告=minor` (REPAIR_TIER_MAP) on top of the default; ValueError names a bad item."""
    table = dict(DEFAULT_TIER_MAP)
    for item in filter(None, (part.strip() for part in re.split(r"[,，;；]", text or ""))):
        name, _, tier = item.partition("=")
        if tier.strip() not in _TIER_ORDER or not name.strip():
            raise ValueError(f"失信程度映射无效 / invalid tier mapping item: {item!r} (expected 名称=minor|general|serious)")
        table[canonical(name)] = tier.strip()
    return table

"""The national 双公示 administrative-penalty column set (信用中国 feeds), read into our record values.

Detected by its header (full-width or half-width brackets, spaces, `-` for `_` all accepted); other
行政相对人代码_N and unknown columns are ignored. Amounts in 万元 become exact yuan, 处罚类别 names map to
penalty types, 处罚机关 maps to a configured department by USCC or name, and the tier comes from the
configurable mapping (default: Order 36 examples; the most serious type of a row wins).
Source of the column set: ../shared/research/data-standards.md (from the repository root).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from repair.domain.penalties import TIER_MAP_BASIS, split_penalties, tier_for
from repair.exchange.formats import ColumnSet

PARTY = "行政相对人名称"
PARTY_KIND = "行政相对人类别"
USCC = "行政相对人代码_1(统一社会信用代码)"
LEGAL_REP = "法定代表人"
NUMBER = "行政处罚决定书文号"
VIOLATION_TYPE = "违法行为类型"
FACTS = "违法事实"
BASIS = "处罚依据"
TYPES = "处罚类别"
CONTENT = "处罚内容"
FINE = "罚款金额(万元)"
CONFISCATED = "没收违法所得、没收非法财物的金额(万元)"
LICENCE = "暂扣或吊销证照名称及编号"
DECIDED = "处罚决定日期"
VALID_UNTIL = "处罚有效期"
PUBLICITY_END = "公示截止期"
AUTHORITY = "处罚机关"
AUTHORITY_USCC = "处罚机关统一社会信用代码"
SOURCE = "数据来源单位"
SOURCE_USCC = "数据来源单位统一社会信用代码"
REMARK = "备注"
# Not in the national set, but accepted when present: SAMR publicity runs from the publication date.
PUBLISHED = "公示日期"

REQUIRED = (PARTY, USCC, NUMBER, TYPES, DECIDED, AUTHORITY)
OPTIONAL = (PARTY_KIND, LEGAL_REP, VIOLATION_TYPE, FACTS, BASIS, CONTENT, FINE, CONFISCATED, LICENCE,
            VALID_UNTIL, PUBLICITY_END, AUTHORITY_USCC, SOURCE, SOURCE_USCC, REMARK, PUBLISHED)
_TEN_THOUSAND = Decimal(10000)
_CENT = Decimal("0.01")
# Penalty basis → sector (regimes.yaml sectors): the statute a penalty rests on names its field.
SECTOR_BY_LAW = (("食品安全法", "food"), ("药品管理法", "drug"), ("疫苗管理法", "drug"),
                 ("特种设备安全法", "special_equipment"), ("安全生产法", "work_safety"), ("消防法", "fire_safety"))


def normalise_header(cell: str) -> str:
    """The canonical name of a 双公示 header cell: half-width brackets, no spaces, `_` before the code number."""
    text = re.sub(r"\s+", "", cell or "").replace("（", "(").replace("）", ")")
    return re.sub(r"^(行政相对人代码)[-－—_＿](\d)", r"\1_\2", text)


NATIONAL_COLUMNS = ColumnSet("双公示", REQUIRED, OPTIONAL, ignore_extra=True, normalise=normalise_header)
NATIONAL_KEY = NUMBER  # a row with this key comes from the national column set


def parse_day(text: str) -> date | None:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日, optionally followed by a time; None if not a date."""
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?",
                         text.strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def wan_to_yuan(text: str) -> Decimal | None:
    """万元 text → exact yuan (1.5 → 15000.00); ValueError for non-numbers, negatives or fractions of a fen."""
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation as error:
        raise ValueError("金额格式错误（万元，应为数字） / invalid amount in 万元") from error
    if not amount.is_finite() or amount < 0:
        raise ValueError("金额不得为负 / amount must not be negative")
    yuan = amount * _TEN_THOUSAND
    if yuan != yuan.quantize(_CENT):
        raise ValueError("金额换算为元后超过两位小数 / amount has fractions of a fen once converted to yuan")
    return yuan.quantize(_CENT)


def national_values(raw: Mapping[str, str], *, find_authority: Callable[[str, str], str | None],
                    channels: Mapping[str, str], today: date, tier_map: Mapping[str, str] | None,
                    needs_publication: set[str]) -> tuple[dict, list[tuple[str, str]]]:
    """Our record values from one 双公示 row, and its problems as (column, reason) pairs."""
    problems: list[tuple[str, str]] = []
    text = {key: (raw.get(key) or "").strip() for key in (*REQUIRED, *OPTIONAL)}
    for column in REQUIRED:
        if not text[column]:
            problems.append((column, "必填项为空 / required field is empty"))
    if "自然人" in text[PARTY_KIND]:
        problems.append((PARTY_KIND, "本系统只处理法人、非法人组织和个体工商户 / natural persons are out of scope"))
    authority = find_authority(text[AUTHORITY_USCC], text[AUTHORITY]) if text[AUTHORITY] else None
    if text[AUTHORITY] and authority is None:
        problems.append((AUTHORITY, "处罚机关无法对应到已配置的认定单位（按统一社会信用代码或名称） / "
                                    "the authority matches no configured department by USCC or name"))
    channel = channels.get(authority) if authority else None
    decided = _day(text, DECIDED, today, problems)
    published = _day(text, PUBLISHED, today, problems)
    if channel in needs_publication and decided and published is None and not any(
            c == PUBLISHED for c, _ in problems):
        problems.append((PUBLISHED, "该部门的公示期自公示之日起算，须有“公示日期”列 / this channel needs a "
                                    "publication date: add a 公示日期 column"))
    penalties = split_penalties(text[TYPES])
    if penalties.out_of_scope:
        problems.append((TYPES, f"{'、'.join(penalties.out_of_scope)}不属于本系统处理范围 / out of scope"))
    tier = tier_for((*penalties.penalties, *penalties.unknown), tier_map)
    if text[TYPES] and not penalties.out_of_scope and tier is None:
        problems.append((TYPES, f"无法确定失信程度：处罚类别“{text[TYPES]}”不在失信程度映射中（{TIER_MAP_BASIS}，"
                                "可用 REPAIR_TIER_MAP 配置） / cannot decide the tier from these penalty types"))
    fine = _amount(text, FINE, problems)
    confiscated = _amount(text, CONFISCATED, problems)
    if "罚款" in penalties.penalties and not fine and not any(c == FINE for c, _ in problems):
        problems.append((FINE, "处罚类别含罚款，但罚款金额为空 / a fine without an amount"))
    if fine and "罚款" not in penalties.penalties:
        problems.append((FINE, "有罚款金额，但处罚类别不含罚款 / an amount but no 罚款 among the penalty types"))
    content = _content(penalties.penalties, text, confiscated)
    sector = next((code for law, code in SECTOR_BY_LAW if law in text[BASIS]), None)
    values = {
        "kind": "administrative_penalty", "authority_code": authority or "", "decision_no": text[NUMBER],
        "uscc": text[USCC].upper(), "channel": channel, "party_name": text[PARTY], "decided_on": decided,
        "published_on": published, "penalty_types": ";".join((*penalties.penalties, *penalties.unknown, *penalties.orders)),
        "fine_amount": fine, "tier": tier, "sector": sector, "legal_basis": text[BASIS],
        "facts": text[FACTS] or text[VIOLATION_TYPE], "legal_representative": text[LEGAL_REP] or None,
        "penalty_content": content,
    }
    return values, problems


def _day(text: dict, column: str, today: date, problems: list) -> date | None:
    if not text[column]:
        return None
    day = parse_day(text[column])
    if day is None:
        problems.append((column, "日期格式错误（YYYY-MM-DD、YYYY/MM/DD 或 YYYY年M月D日） / invalid date"))
    elif day > today:
        problems.append((column, f"日期晚于今天 {today.isoformat()} / date is in the future"))
        return None
    return day


def _amount(text: dict, column: str, problems: list) -> Decimal | None:
    if not text[column]:
        return None
    try:
        amount = wan_to_yuan(text[column])
    except ValueError as error:
        problems.append((column, str(error)))
        return None
    return amount or None


def _content(penalties: tuple[str, ...], text: dict, confiscated: Decimal | None) -> dict | None:
    content: dict[str, str] = {}
    if confiscated:
        amount = f"人民币{confiscated:,.2f}元"
        kinds = [p for p in penalties if p in ("没收违法所得", "没收非法财物")]
        if len(kinds) == 1:
            content[kinds[0]] = amount if kinds[0] == "没收违法所得" else f"价值{amount}"
        else:
            content["*"] = f"没收违法所得、没收非法财物的金额合计{amount}"
    if text[LICENCE]:
        kinds = [p for p in penalties if p in ("暂扣许可证件", "吊销许可证件", "吊销营业执照")]
        for kind in kinds or ["*"]:
            content[kind] = "；".join(filter(None, (content.get(kind), text[LICENCE])))
    if text[CONTENT]:
        content["*"] = "；".join(filter(None, (content.get("*"), text[CONTENT])))
    return content or None


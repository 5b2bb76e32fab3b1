"""The legal wording of letters: one sentence per legal situation, built from plain data.

Nothing here guesses: a sentence is produced only from values the record holds, and a missing value
drops the sentence (or its clause) instead of inventing one. Names of record kinds and their documents
are the legal names used in letters, not display names (those live with the UI).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from repair.domain.display import money_in_words
from repair.domain.penalties import LICENCE_REVOCATIONS, split_penalties

APL = "《中华人民共和国行政处罚法》"


@dataclass(frozen=True)
class RecordKindText:
    """How letters name one kind of record: the information, the document that made the finding, its basis."""

    info: str  # 行政处罚信息
    document: str  # 行政处罚决定书 (without 《》)
    finding: str  # what the authority did: 作出行政处罚 / 列入经营异常名录
    basis: str  # the rule that defines the kind ('' = the channel's repair regime says it all)


RECORD_KINDS = {
    "administrative_penalty": RecordKindText("行政处罚信息", "行政处罚决定书", "作出行政处罚", ""),
    "serious_dishonesty_list": RecordKindText("严重失信主体名单信息", "列入严重失信主体名单决定书",
                                              "列入严重失信主体名单", ""),
    # 企业信息公示暂行条例 Art. 17 (confirmed, regulations.md §2.4); removal per the SAMR repair measures.
    "business_anomaly_list": RecordKindText("经营异常名录信息", "列入经营异常名录决定书", "列入经营异常名录",
                                            "《企业信息公示暂行条例》第十七条"),
    "inspection_negative": RecordKindText("行政检查负面信息", "行政检查结果告知书", "作出行政检查负面结论", ""),
    "commitment_breach": RecordKindText("违反信用承诺信息", "违反信用承诺认定书", "认定违反信用承诺", ""),
}

# Where each channel publishes and takes repair applications (regulations.md §1.6, §1.8, §2.1).
PLATFORMS = {"ndrc": "“信用中国”网站", "samr": "国家企业信用信息公示系统"}
APPLY_ONLINE = {"ndrc": "登录“信用中国”网站“信用修复”栏目在线申请",
                "samr": "登录国家企业信用信息公示系统“信用修复”栏目在线申请"}
OFFLINE = "到区行政服务中心信用修复窗口现场申请"
# SAMR Order 45 Art. 14 (confirmed) as carried into the SAMR repair measures: the four conditions of an
# early stop, besides the minimum period and the public commitment.
SAMR_CONDITIONS = ("已经自觉履行行政处罚决定中规定的义务",
                   "已经主动消除危害后果和不良社会影响",
                   "未因同一类违法行为再次受到市场监督管理部门行政处罚",
                   "未在经营异常名录和严重违法失信名单中")
# Order 36 Art. 3 (confirmed-secondary): what repair does under the 2025 scheme; earlier: stop publishing.
REPAIR_EFFECTS_2026 = "该信息在各信用平台终止公示，停止共享和使用，相关信用评价同步更新，相应失信惩戒措施同步解除"
REPAIR_EFFECTS_EARLIER = "该信息在各信用平台停止公示"


def ymd(value: dt.date) -> str:
    """2026年12月2日 (GB/T 9704: Arabic numerals, no zero padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def ymd_text(text: str) -> str:
    """ISO dates inside a sentence (from rule explanations) written as in letters: 2026-08-12 → 2026年8月12日."""
    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b",
                  lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text)


def money(amount: Decimal) -> str:
    """人民币20,000.00元."""
    return f"人民币{Decimal(amount):,.2f}元"


@dataclass(frozen=True)
class PenaltyItem:
    """One line of the decision's 处罚 list."""

    type: str
    text: str


def penalty_items(types: str | list[str], fine: Decimal | None, content: dict | None) -> list[PenaltyItem]:
    """Each penalty with its own wording (APL Art. 9 order); orders such as 责令改正 are not penalties."""
    content = content or {}
    items = []
    found = split_penalties(types)
    for name in (*found.penalties, *found.unknown):
        detail = (content.get(name) or "").strip().rstrip("。；;")
        if name in ("警告", "通报批评"):
            text = name
        elif name == "罚款":
            text = f"罚款{money(fine)}（大写：{money_in_words(fine)}）" if fine else "罚款"
        elif name in LICENCE_REVOCATIONS or name in ("暂扣许可证件", "降低资质等级", "没收非法财物"):
            text = f"{name}：{detail}" if detail else name
        elif name == "没收违法所得":
            text = f"没收违法所得{detail}" if detail else name
        else:  # 限制开展生产经营活动, 责令停产停业, 责令关闭, 限制从业: scope and duration
            text = f"{name}：{detail}" if detail else name
        items.append(PenaltyItem(name, text))
    return items


def orders_text(types: str | list[str], content: dict | None) -> str | None:
    """The order to correct (APL Art. 28), stated apart from the penalties; None when there is none."""
    orders = split_penalties(types).orders
    if not orders:
        return None
    details = "；".join((content or {}).get(o, "").strip().rstrip("。") for o in orders if (content or {}).get(o))
    what = "限期改正" if "责令限期改正" in orders else "改正"
    return (f"依据{APL}第二十八条第一款的规定，本机关责令你单位{what}上述违法行为"
            + (f"：{details}。" if details else "。"))


def missing_details(types: str | list[str], fine: Decimal | None, content: dict | None) -> list[str]:
    """Penalties whose content the record does not hold (amount, licence, scope and duration)."""
    content = content or {}
    missing = []
    for name in split_penalties(types).penalties:
        if name == "罚款" and not fine:
            missing.append("罚款金额")
        elif name not in ("警告", "通报批评", "罚款") and not (content.get(name) or "").strip():
            missing.append(f"{name}的具体内容")
    return missing


HEARING_TYPES = ("降低资质等级", "吊销许可证件", "吊销营业执照", "责令停产停业", "责令关闭", "限制从业",
                 "限制开展生产经营活动")


def procedure_text(procedure: dict | None, types: str | list[str]) -> str:
    """The statement/hearing recital (APL Art. 44–45, 63–64) from the recorded procedure.

    Without a record of the procedure, only what every lawful decision went through is said (Art. 62: no
    decision without the prior notice), naming the hearing right where Art. 63 grants it by type.
    """
    penalties = split_penalties(types).penalties
    hearing_right = any(p in HEARING_TYPES for p in penalties)
    rights = "陈述、申辩" + ("和要求听证" if hearing_right or (procedure or {}).get("hearing") in (
        "held", "waived", "not_requested") else "")
    procedure = procedure or {}
    notified = procedure.get("notified_on")
    if notified:
        text = (f"本机关于{ymd(notified)}向你单位告知了拟作出行政处罚的内容及事实、理由、依据，"
                f"并告知你单位依法享有{rights}的权利。")
    else:
        text = f"本机关在作出本决定前，已依法告知你单位拟作出行政处罚的内容及事实、理由、依据和依法享有的{rights}的权利。"
    hearing = procedure.get("hearing")
    if hearing == "held":
        on = procedure.get("hearing_on")
        text += f"应你单位要求，本机关{'于' + ymd(on) if on else '依法'}举行了听证。"
    elif hearing == "waived":
        text += "你单位明确放弃要求听证的权利。"
    elif hearing == "not_requested":
        text += "你单位在法定期限内未要求听证。"
    return text


def fine_payment_text(fine: Decimal, payment: dict | None, confiscated: str | None = None) -> str:
    """How and by when a fine is paid (APL Art. 67) and the surcharge warning (Art. 72)."""
    manner = (payment or {}).get("manner") or "到指定银行或者通过电子支付系统缴纳"
    account = "；".join(f"{label}：{(payment or {}).get(key)}" for key, label in
                       (("account_name", "户名"), ("bank", "开户银行"), ("account", "账号"))
                       if (payment or {}).get(key))
    text = (f"你单位应当自收到本决定书之日起十五日内，将罚款{money(fine)}{manner}"
            + (f"（{account}）" if account else "") + "。")
    text += (f"逾期不缴纳罚款的，依据{APL}第七十二条第一款第一项的规定，本机关可以每日按罚款数额的百分之三加处罚款，"
             "加处罚款的数额不超出罚款的数额。")
    return text


def execution_text(types: str | list[str]) -> str | None:
    """When non-monetary penalties (beyond warnings) take effect; None when there are none."""
    others = [p for p in split_penalties(types).penalties
              if p not in ("警告", "通报批评", "罚款")]
    if not others:
        return None
    return f"本决定所列{'、'.join(others)}自本决定书送达之日起执行。"


def remedies_text(reconsideration_body: str, court: str, subject: str = "本决定") -> str:
    """Reconsideration (60 days) and litigation (6 months) with the named bodies."""
    return (f"如不服{subject}，可以在收到{subject}之日起六十日内向{reconsideration_body}申请行政复议，"
            f"也可以在收到{subject}之日起六个月内依法向{court}提起行政诉讼。")

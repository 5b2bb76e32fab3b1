"""What the penalty decision and the rights notice say, built from plain record data (no database).

The services' context builder turns a stored record into `RecordData` and a department into a
`DepartmentProfile`, then calls these functions; templates only lay the result out, so the HTML and OFD
renderings print the same sentences. Every sentence comes from a value of the record or from rules data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from repair.domain.departments import DepartmentProfile
from repair.domain.penalties import split_penalties
from repair.domain.rules import RegimeChoice, format_months, get_regime
from repair.letters.wording import (APPLY_ONLINE, OFFLINE, PLATFORMS, RECORD_KINDS, REPAIR_EFFECTS_2026,
                                    REPAIR_EFFECTS_EARLIER, SAMR_CONDITIONS, execution_text, fine_payment_text,
                                    missing_details, orders_text, penalty_items, procedure_text, remedies_text,
                                    ymd)

TIER_WORDS = {"minor": "轻微", "general": "一般", "serious": "严重"}
_START = {"decided_on": "处罚决定之日", "published_on": "公示之日"}
# Regimes of the 2025 scheme (国办发〔2025〕22号, Order 36, SAMR Order 107): repair ends sharing and measures too.
SCHEME_2025 = ("ndrc-2026", "samr-2025")


@dataclass(frozen=True)
class RecordData:
    """A record as letters read it (dates as `date`, amounts as `Decimal`, details possibly None)."""

    kind: str
    decision_no: str
    decided_on: dt.date
    party_name: str
    uscc: str
    channel: str
    tier: str
    penalty_types: str = ""
    fine_amount: Decimal | None = None
    legal_basis: str = ""
    facts: str = ""
    published_on: dt.date | None = None
    party_address: str | None = None
    legal_representative: str | None = None
    violated_provision: str | None = None
    evidence: tuple[str, ...] = ()
    penalty_content: dict = field(default_factory=dict)
    procedure: dict = field(default_factory=dict)
    served_on: dt.date | None = None


def record_reference(record: RecordData, authority: str) -> dict:
    """How later letters cite the record: its document name, the information, one citing phrase."""
    kind = RECORD_KINDS.get(record.kind, RECORD_KINDS["administrative_penalty"])
    return {"document": f"《{kind.document}》", "info": kind.info, "finding": kind.finding,
            "citation": f"{authority}于{ymd(record.decided_on)}作出的{record.decision_no}《{kind.document}》"}


def party_of(record: RecordData, registry: dict | None = None) -> dict:
    """当事人: the decision's own address and representative first, else the registry's; None when unknown."""
    registry = registry or {}
    return {"name": record.party_name, "uscc": record.uscc,
            "address": record.party_address or registry.get("address") or None,
            "legal_representative": record.legal_representative or registry.get("legal_representative") or None}


def penalty_decision_content(record: RecordData, dept: DepartmentProfile, choice: RegimeChoice | None, *,
                             issued_on: dt.date) -> dict:
    """The body of a 行政处罚决定书 (APL Art. 59): facts, evidence, provisions, each penalty, performance,
    procedure, remedies, publication and, for a late copy, when it was made and issued."""
    types, content = record.penalty_types, record.penalty_content or {}
    items = penalty_items(types, record.fine_amount, content)
    facts = [p.strip() for p in (record.facts or "").splitlines() if p.strip()]
    violated = (record.violated_provision or "").strip()
    basis = (record.legal_basis or "").strip()
    finding = f"本机关认为，你单位的上述行为违反了{violated}的规定" if violated else "本机关认为，你单位的上述行为构成违法"
    decision = (f"依据{basis}的规定，本机关决定对你单位作出如下行政处罚：" if basis
                else "本机关依法决定对你单位作出如下行政处罚：")
    performance = []
    if "罚款" in split_penalties(types).penalties and record.fine_amount:
        payment = dept.payment.__dict__ if dept.payment else None
        performance.append(fine_payment_text(record.fine_amount, payment))
    execution = execution_text(types)
    if execution:
        performance.append(execution)
    general = (content.get("*") or "").strip()
    notes = []
    if issued_on > record.decided_on:
        served = f"原决定书已于{ymd(record.served_on)}送达；" if record.served_on else ""
        notes.append(f"本决定书于{ymd(record.decided_on)}作出，{served}本件于{ymd(issued_on)}补发。")
    return {
        "facts": facts or [f"你单位存在{record.decision_no}所认定的违法行为。"],
        "evidence": list(record.evidence),
        "finding": finding + "。",
        "decision": decision,
        "penalties": [{"type": i.type, "text": i.text} for i in items],
        "general_content": general if general and missing_details(types, record.fine_amount, content) else None,
        "order": orders_text(types, content),
        "performance": performance,
        "procedure": procedure_text(_dated(record.procedure), types),
        "remedies": remedies_text(dept.reconsideration_body, dept.court) +
        "申请行政复议或者提起行政诉讼期间，本决定不停止执行，法律另有规定的除外。",
        "publication": _publication_sentence(record, choice),
        "notes": notes,
    }


def _publication_sentence(record: RecordData, choice: RegimeChoice | None) -> str:
    platform = PLATFORMS.get(record.channel, PLATFORMS["ndrc"])
    paired = "本机关随本决定书一并送达《信用修复权益告知书》，请一并阅知。"
    window = choice.applied if choice is not None else None
    if window is not None and not window.published:
        return f"依照{window.basis}，本决定所涉行政处罚信息不予公示。{paired}"
    if window is not None and window.repairable and window.min_publicity_end == window.period_from:
        return (f"依照{window.basis}，本决定所涉行政处罚信息原则上不予公示；确需公示的，在{platform}公示，"
                f"公示期最长不超过{_months(window.period_from, window.max_publicity_end)}。{paired}")
    return f"本决定所涉行政处罚信息将依法在{platform}公示。{paired}"


def _dated(procedure: dict | None) -> dict:
    """Procedure dates stored as ISO text become dates."""
    out = dict(procedure or {})
    for key in ("notified_on", "hearing_on"):
        if isinstance(out.get(key), str):
            out[key] = dt.date.fromisoformat(out[key])
    return out


def rights_notice_content(record: RecordData, choice: RegimeChoice, *, authority: str, penalties_text: str,
                          tracking_contact: str, as_of: dt.date) -> dict:
    """The 信用修复权益告知书 by channel and tier: publication and its window, conditions, earliest date,
    channels and materials, effects of publication and of repair, objection route, free of charge."""
    window = choice.applied
    kind = RECORD_KINDS.get(record.kind, RECORD_KINDS["administrative_penalty"])
    platform = PLATFORMS.get(record.channel, PLATFORMS["ndrc"])
    tier = TIER_WORDS.get(record.tier, record.tier)
    start = f"{_START.get('published_on' if record.channel == 'samr' else 'decided_on')}（{ymd(window.period_from)}）"
    sections = []
    publication = []
    blocked = sorted(set(split_penalties(record.penalty_types).penalties) & _non_repairable(window))
    ended = window.published and window.max_publicity_end is not None and window.max_publicity_end <= as_of
    if not window.published:
        publication.append(f"按照{window.basis}，该信息属于{tier}失信行为信息，依规不予公示，无需申请信用修复。")
    elif ended:
        publication.append(f"按照{window.basis}，该信息属于{tier}失信行为信息，公示期自{start}起算，已于"
                           f"{ymd(window.max_publicity_end)}届满，该信息不再公示，无需申请信用修复。")
    elif window.auto_stop:
        publication.append(f"该{kind.info}将在{platform}公示。按照{window.basis}，该信息属于{tier}失信行为信息，"
                           f"公示期自{start}起算，满{_months(window.period_from, window.max_publicity_end)}"
                           f"（{ymd(window.max_publicity_end)}）自动停止公示，无需申请信用修复。")
    elif not window.repairable:
        what = "、".join(blocked) or "该处罚"
        publication.append(f"该{kind.info}将在{platform}公示，公示期自{start}起算，至{ymd(window.max_publicity_end)}"
                           f"期满自动停止公示。按照{window.basis}，{what}的处罚信息不得提前停止公示，不能申请信用修复。")
    elif window.min_publicity_end == window.period_from:
        publication.append(f"按照{window.basis}，该信息属于{tier}失信行为信息，原则上不予公示；确需公示的，在{platform}"
                           f"公示，公示期最长不超过{_months(window.period_from, window.max_publicity_end)}"
                           f"（至{ymd(window.max_publicity_end)}），你单位履行法定义务后即可申请信用修复。")
    else:
        publication.append(
            f"该{kind.info}将在{platform}公示。按照{window.basis}，该信息属于{tier}失信行为信息，公示期自{start}起算，"
            f"最短公示期为{_months(window.period_from, window.min_publicity_end)}（至{ymd(window.min_publicity_end)}），"
            f"最长公示期为{_months(window.period_from, window.max_publicity_end)}（至{ymd(window.max_publicity_end)}，"
            "期满自动停止公示）。")
    if len(choice.considered) > 1:
        publication.append(_choice_sentence(choice))
    in_principle_unpublished = window.repairable and window.min_publicity_end == window.period_from
    if window.published and not ended and not in_principle_unpublished:
        publication.append("公示期间，该信息可供社会公众查询，并可能在政府采购、招标投标、行政审批、融资信贷、评优评先等"
                           "方面被依法作为参考。")
    sections.append({"heading": "一、信息公示", "paragraphs": publication, "items": []})
    n = 2
    if window.published and window.repairable and not ended:
        conditions = _conditions(record.channel, window)
        earliest = window.earliest_application
        when = (f"据此，你单位最早可于{ymd(earliest)}提出信用修复申请。" if earliest > as_of else
                f"最短公示期已于{ymd(earliest)}届满，你单位符合其他条件的，即可提出信用修复申请。"
                if earliest > window.period_from else "你单位履行法定义务后即可提出信用修复申请。")
        sections.append({"heading": f"{_ZH[n]}、修复条件", "paragraphs": ["同时符合下列条件的，你单位可以申请信用修复："],
                         "items": conditions, "after": [when]})
        n += 1
        materials = ["信用修复申请书", "信用修复承诺书",
                     "履行行政处罚决定规定义务的证明材料（本机关可以通过部门间共享获取的，无需提供）"]
        sections.append({"heading": f"{_ZH[n]}、申请渠道与材料",
                         "paragraphs": [f"申请渠道：{APPLY_ONLINE.get(record.channel, APPLY_ONLINE['ndrc'])}；"
                                        f"或者{OFFLINE}。"],
                         "items": [], "after": ["申请材料：" + "；".join(f"{i}. {m}" for i, m in
                                                                    enumerate(materials, 1)) + "。"]})
        n += 1
        effects = REPAIR_EFFECTS_2026 if window.regime in SCHEME_2025 else REPAIR_EFFECTS_EARLIER
        sections.append({"heading": f"{_ZH[n]}、修复的效果",
                         "paragraphs": [f"准予信用修复的，{effects}。"], "items": []})
        n += 1
    sections.append({"heading": f"{_ZH[n]}、异议申诉",
                     "paragraphs": [f"你单位对公示的内容、公示期限或者信用修复结果有异议的，可以通过{platform}"
                                    f"或者向{authority}提出异议申诉。"], "items": []})
    n += 1
    sections.append({"heading": f"{_ZH[n]}、温馨提示",
                     "paragraphs": ["信用修复不收取任何费用，无需委托任何中介机构代为办理。" +
                                    (f"办理进度可以通过{tracking_contact}查询。" if tracking_contact else "")],
                     "items": []})
    return {"decision": {"number": record.decision_no, "date": record.decided_on, "summary": penalties_text,
                         "document": f"《{kind.document}》"},
            "sections": sections, "regime": window.regime}


_ZH = "〇一二三四五六七八九十"


def _months(start: dt.date, end: dt.date) -> str:
    return format_months((end.year - start.year) * 12 + end.month - start.month)


def _non_repairable(window) -> set[str]:
    return set(get_regime(window.regime).non_repairable_penalty_types) if window.regime else set()


def _choice_sentence(choice: RegimeChoice) -> str:
    old, new = choice.considered
    applied = choice.applied
    other = new if applied is old else old
    return (f"该处罚决定作出时施行的规则为{old.regime}（{old.basis}），现行规则为{new.regime}（{new.basis}）。"
            f"依照《中华人民共和国立法法》第一百零四条从旧兼从轻，本告知书整体适用对你单位更有利的{applied.regime}"
            f"（按{other.regime}计算，" + (f"公示至{ymd(other.max_publicity_end)}" if other.published and
                                          other.max_publicity_end else "不予公示") + "）。")


def _conditions(channel: str, window) -> list[str]:
    first = ("已满最短公示期" if window.min_publicity_end != window.period_from else None)
    if channel == "samr":
        items = [first, *SAMR_CONDITIONS, "作出公开信用承诺"]
    else:
        items = [first, "已全面履行行政处罚决定规定的义务，纠正失信行为", "作出公开信用承诺"]
    return [i for i in items if i]

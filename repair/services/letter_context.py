"""Plain-data contexts for every letter, built from the stored record, enterprise, department and case."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from repair.domain.errors import ValidationError
from repair.domain.rules import format_months
from repair.letters import zh_date
from repair.services.facts import penalty_types, window_for
from repair.store.models import Case, Deadline, Department, Enterprise, Fulfilment, Record, User
from repair.store.uow import UnitOfWork

TIER_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}
KIND_LABELS = {"administrative_penalty": "行政处罚信息", "serious_dishonesty_list": "严重失信主体名单信息",
               "business_anomaly_list": "经营异常名录信息", "inspection_negative": "行政检查负面信息",
               "commitment_breach": "违反信用承诺信息"}
PLATFORMS = ["“信用中国”网站", "国家企业信用信息公示系统", "上海市公共信用信息服务平台"]
CHANNELS = ["登录“信用中国”网站“信用服务—信用修复”栏目在线申请", "到区行政服务中心信用修复窗口现场申请"]
TRACKING = "“信用中国”网站“信用修复”栏目或本机关信用修复窗口"
# Administrative Penalty Law Art. 67: a fine is paid within 15 days of receiving the decision.
FINE_PAYMENT_DAYS = 15
SUPPLEMENT_WORKDAYS = 5
SERIES = {"rights_notice": "信告", "acceptance_notice": "信受", "refusal_notice": "信不受",
          "supplement_notice": "信补", "repair_decision": "信修"}


def money(amount: Decimal | None) -> str:
    """An amount of yuan as printed on a decision: 人民币20,000.00元."""
    return f"人民币{Decimal(amount or 0):,.2f}元"


def penalty_summary(record: Record) -> str:
    """One line describing the penalty, e.g. "罚款人民币5,000.00元；责令改正"."""
    parts = [f"罚款{money(record.fine_amount)}" if t == "罚款" and record.fine_amount else t
             for t in penalty_types(record)]
    return "；".join(parts) or KIND_LABELS.get(record.kind, record.kind)


class LetterFacts:
    """Loads what letters about one record (and possibly one case) need, once."""

    def __init__(self, runtime, uow: UnitOfWork, record: Record, case: Case | None = None):
        self.runtime, self.uow, self.record, self.case = runtime, uow, record, case
        self.department = uow.session.get(Department, record.authority_code)
        self.enterprise = uow.session.get(Enterprise, record.uscc)

    def common(self) -> dict:
        dept, ent, settings = self.department, self.enterprise, self.runtime.settings
        return {
            "authority": {"name": dept.name, "code": dept.code},
            "party": {"name": self.record.party_name, "uscc": self.record.uscc,
                      "address": ent.address if ent else "（登记信息未共享）",
                      "legal_representative": ent.legal_representative if ent else "（登记信息未共享）"},
            "remedies": {"reconsideration_body": settings.district_government,
                         "litigation_court": settings.district_court},
            "contact": {"office": f"{dept.name}信用修复窗口", "name": self._officer_name(),
                        "phone": dept.phone or "12345", "address": dept.address or settings.district_government},
        }

    def application(self) -> dict:
        return {"number": self.case.case_no, "received_on": self.case.submitted_on,
                "record_decision_number": self.record.decision_no, "record_authority": self.department.name}

    def record_block(self) -> dict:
        return {"decision_number": self.record.decision_no, "authority": self.department.name,
                "decision_date": self.record.decided_on, "content": penalty_summary(self.record),
                "kind_label": KIND_LABELS.get(self.record.kind, self.record.kind)}

    def fulfilment_rows(self) -> list[Fulfilment]:
        return list(self.uow.session.scalars(
            select(Fulfilment).where(Fulfilment.record_id == self.record.id).order_by(Fulfilment.occurred_on)))

    def deadline(self, stage: str) -> Deadline | None:
        if self.case is None:
            return None
        return self.uow.session.scalars(select(Deadline).where(Deadline.case_id == self.case.id,
                                                               Deadline.stage == stage)
                                        .order_by(Deadline.id.desc())).first()

    def _officer_name(self) -> str:
        username = self.case.assigned_to if self.case is not None else None
        user = self.uow.session.scalar(select(User).where(User.username == username)) if username else None
        return user.display_name if user and user.display_name else "信用修复窗口工作人员"


def build_context(facts: LetterFacts, kind: str, *, doc_number: str | None, issued_on: date,
                  reason: str | None = None, granted: bool | None = None, calendar=None) -> dict:
    """The plain-data context of letter `kind` (the template's StrictUndefined catches anything missing)."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValidationError(f"未知文书类型 / unknown letter kind {kind!r}", "kind")
    context = {**facts.common(), "doc_number": doc_number, "issued_on": issued_on}
    context.update(builder(facts, issued_on=issued_on, reason=reason, granted=granted, calendar=calendar))
    return context


def _penalty_decision(facts: LetterFacts, issued_on, **_):
    record = facts.record
    penalties = [{"type": t, "detail": money(record.fine_amount) if t == "罚款" else "按本决定书要求执行"}
                 for t in penalty_types(record)] or [{"type": "处罚", "detail": record.facts}]
    return {
        "doc_number": record.decision_no, "issued_on": record.decided_on,
        "facts": [p for p in record.facts.splitlines() if p.strip()] or ["（见案卷）"],
        "evidence": ["现场检查记录及相关证据材料（详见案卷）"],
        "procedure": "本机关已依法告知你单位拟作出行政处罚的事实、理由、依据，以及依法享有的陈述、申辩权利。",
        "violated_provisions": record.legal_basis or "相关法律法规",
        "penalty_basis": record.legal_basis or "相关法律法规",
        "penalties": penalties,
        "performance": {"manner": "罚款请持本决定书通过“上海一网通办”非税收入缴款平台或指定代收银行缴纳",
                        "deadline": record.decided_on + timedelta(days=FINE_PAYMENT_DAYS),
                        "account": f"缴款识别码：{record.authority_code}{record.id:010d}。"},
    }


def _rights_notice(facts: LetterFacts, issued_on, **_):
    record = facts.record
    window = window_for(record, as_of=record.decided_on)
    if not (window.published and window.repairable and window.max_publicity_end):
        raise ValidationError("该信息不公示或不可提前修复，无需送达信用修复权益告知书 / "
                              "no rights notice: the record is not published or cannot be repaired early", "tier")
    rule_min = (window.min_publicity_end.year - window.period_from.year) * 12 + (
        window.min_publicity_end.month - window.period_from.month)
    rule_max = (window.max_publicity_end.year - window.period_from.year) * 12 + (
        window.max_publicity_end.month - window.period_from.month)
    return {
        "decision": {"number": record.decision_no, "date": record.decided_on, "summary": penalty_summary(record)},
        "publication": {"basis": window.basis, "platforms": PLATFORMS, "tier": TIER_LABELS[record.tier],
                        "min_period": format_months(rule_min), "min_end": window.min_publicity_end,
                        "max_period": format_months(rule_max), "max_end": window.max_publicity_end},
        "repair": {"conditions": ["已全面履行行政处罚决定规定的义务，违法行为已纠正到位",
                                  "已满最短公示期", "作出公开信用承诺"],
                   "earliest_application_date": window.earliest_application, "channels": CHANNELS,
                   "materials": ["信用修复申请书", "信用修复承诺书",
                                 "履行义务的证明材料（本机关已共享的缴款信息无需重复提供）"]},
    }


def _acceptance_notice(facts: LetterFacts, issued_on, **_):
    decision = facts.deadline("decision")
    due = decision.due if decision is not None else issued_on
    limit = f"受理之日起{decision.limit_days}个工作日，法定节假日不计" if decision is not None else "依法定时限"
    return {"application": facts.application(), "decision_due": due, "decision_limit": limit,
            "tracking_channel": TRACKING}


def _refusal_notice(facts: LetterFacts, issued_on, reason=None, **_):
    basis = window_for(facts.record, facts.case.regime).basis if facts.case.regime else "本机关信用修复工作规程"
    return {"application": facts.application(), "reasons": [reason or "申请不符合受理条件"],
            "basis": basis, "resubmission": "你单位可以在符合条件后重新提出申请。"}


def _supplement_notice(facts: LetterFacts, issued_on, reason=None, calendar=None, **_):
    deadline = calendar.add_workdays(issued_on, SUPPLEMENT_WORKDAYS) if calendar else issued_on
    return {"application": facts.application(),
            "missing": [{"item": "补正材料", "requirement": reason or "请按要求补充材料"}],
            "deadline": deadline, "submit_channel": TRACKING}


def _repair_decision(facts: LetterFacts, issued_on, reason=None, granted=None, **_):
    findings = [f"{'罚款' if f.kind == 'fine_payment' else '整改'}："
                f"{money(f.amount) + '已于' if f.amount else '经核查已于'}{zh_date(f.occurred_on)}"
                f"{'缴纳' if f.amount else '整改到位'}（{f.source}）" for f in facts.fulfilment_rows()]
    if granted:
        findings.append("已满最短公示期，且已作出公开信用承诺")
    else:
        findings.append(reason or "不符合信用修复条件")
    basis = window_for(facts.record, facts.case.regime).basis if facts.case.regime else "本机关信用修复工作规程"
    return {"granted": bool(granted), "application": facts.application(), "record": facts.record_block(),
            "findings": findings, "basis": basis,
            "effects": {"stop_date": issued_on, "platforms": PLATFORMS, "sync_limit": "3个工作日"},
            "resubmission": None if granted else "你单位可以在相关问题整改到位后重新提出申请。"}


def _application_form(facts: LetterFacts, issued_on, reason=None, **_):
    ent, record = facts.enterprise, facts.record
    registry = "市场主体登记信息" if ent else "申请人填报"
    fulfilment = [{"item": "罚款缴纳" if f.kind == "fine_payment" else "整改核查",
                   "evidence": f"{zh_date(f.occurred_on)}{'缴纳' + money(f.amount) if f.amount else '整改到位'}"
                               f"{'，票据号 ' + f.reference if f.reference else ''}",
                   "source": f"部门间履罚信息共享（{f.source}）"} for f in facts.fulfilment_rows()]
    applicant = {"name": record.party_name, "uscc": record.uscc, "kind": "企业法人",
                 "address": ent.address if ent else "", "legal_representative": ent.legal_representative if ent else "",
                 "phone": ent.phone if ent else ""}
    sources = {f"applicant.{k}": registry for k in ("name", "uscc", "kind", "address", "legal_representative")}
    sources.update({f"record.{k}": "失信信息记录" for k in ("kind_label", "decision_number", "authority",
                                                        "decision_date", "content")})
    return {"applicant": applicant,
            "handler": {"name": facts.case.applicant or "", "id_number": "（申请人填写）", "phone": applicant["phone"]},
            "record": facts.record_block(), "fulfilment": fulfilment,
            "reason": reason or "本单位已全面履行相关义务并满足信用修复条件，特申请信用修复。",
            "attachments": ["信用修复承诺书"], "submitted_on": facts.case.submitted_on, "sources": sources}


def _commitment_letter(facts: LetterFacts, issued_on, **_):
    ent, record = facts.enterprise, facts.record
    return {"applicant": {"name": record.party_name, "uscc": record.uscc,
                          "address": ent.address if ent else "",
                          "legal_representative": ent.legal_representative if ent else ""},
            "record": facts.record_block(), "signed_on": facts.case.submitted_on}


_BUILDERS = {"penalty_decision": _penalty_decision, "rights_notice": _rights_notice,
             "acceptance_notice": _acceptance_notice, "refusal_notice": _refusal_notice,
             "supplement_notice": _supplement_notice, "repair_decision": _repair_decision,
             "application_form": _application_form, "commitment_letter": _commitment_letter}

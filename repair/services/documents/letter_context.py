"""Plain-data contexts for every letter, built from the stored record, enterprise, department and case.

All wording lives in repair.letters.content / repair.letters.wording (pure functions over plain data);
this module only loads what they need. Dates of publicity come from the one regime rule
(repair.domain.rules.applicable_window), the authority from the department file (repair.domain.departments).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from repair.domain.departments import DepartmentProfile, load_departments
from repair.domain.rules import regime_in_force
from repair.errors import ValidationError
from repair.letters.content import (
    RecordData,
    party_of,
    penalty_decision_content,
    record_reference,
    rights_notice_content,
)
from repair.letters.wording import PLATFORMS, RECORD_KINDS, money, ymd, ymd_text
from repair.services.cases.facts import eligibility, penalty_types, regime_choice
from repair.store.models import Case, Deadline, Department, Enterprise, Fulfilment, Record, User
from repair.store.uow import UnitOfWork

# Display labels used by the portal and the prefill (kept here until the shared display-name registry lands).
TRACKING = {"ndrc": "“信用中国”网站“信用修复”栏目或本机关信用修复窗口",
            "samr": "国家企业信用信息公示系统“信用修复”栏目或本机关信用修复窗口"}
SUPPLEMENT_WORKDAYS = 5
SERIES = {"rights_notice": "信告", "acceptance_notice": "信受", "refusal_notice": "信不受",
          "supplement_notice": "信补", "repair_decision": "信修"}
# Clocks that end in the repair decision (penalty workflows: decision; anomaly list: removal).
DECISION_STAGES = ("decision", "removal")
SYNC_WORKDAYS = 3  # domain.md §4: results shared within 3 working days (Shanghai Credit Regulation Art. 38)


def penalty_summary(record: Record) -> str:
    """One line describing the measures, e.g. "罚款人民币5,000.00元；责令改正"."""
    parts = [f"罚款{money(record.fine_amount)}" if t == "罚款" and record.fine_amount else t
             for t in penalty_types(record)]
    return "；".join(parts) or RECORD_KINDS.get(record.kind, RECORD_KINDS["administrative_penalty"]).info


def department_profile(settings, department: Department) -> DepartmentProfile:
    """The department as configured in the department file, else as stored (district settings for remedies)."""
    found = load_departments(settings.departments_file).get(department.code)
    if found is not None:
        return found
    return DepartmentProfile(
        code=department.code, name=department.name, full_name=department.name, uscc="", channel=department.channel,
        district="", reconsideration_body=settings.district_government, court=settings.district_court,
        address=department.address, phone=department.phone, doc_prefix=department.doc_prefix)


def record_data(record: Record) -> RecordData:
    """The stored record as letters read it."""
    return RecordData(
        kind=record.kind, decision_no=record.decision_no, decided_on=record.decided_on,
        party_name=record.party_name, uscc=record.uscc, channel=record.channel, tier=record.tier,
        penalty_types=record.penalty_types or "", fine_amount=record.fine_amount,
        legal_basis=record.legal_basis or "", facts=record.facts or "", published_on=record.published_on,
        party_address=record.party_address, legal_representative=record.legal_representative,
        violated_provision=record.violated_provision, evidence=tuple(record.evidence or ()),
        penalty_content=dict(record.penalty_content or {}), procedure=dict(record.procedure or {}),
        served_on=record.served_on)


class LetterFacts:
    """Loads what letters about one record (and possibly one case) need, once."""

    def __init__(self, runtime, uow: UnitOfWork, record: Record, case: Case | None = None):
        self.runtime, self.uow, self.record, self.case = runtime, uow, record, case
        self.department = uow.session.get(Department, record.authority_code)
        self.profile = department_profile(runtime.settings, self.department)
        self.enterprise = uow.session.get(Enterprise, record.uscc)
        self.data = record_data(record)

    def registry(self) -> dict:
        ent = self.enterprise
        return {"address": ent.address, "legal_representative": ent.legal_representative} if ent else {}

    def common(self) -> dict:
        dept, profile, settings = self.department, self.profile, self.runtime.settings
        return {
            "authority": {"name": profile.full_name, "code": dept.code},
            "party": party_of(self.data, self.registry()),
            "remedies": {"reconsideration_body": profile.reconsideration_body, "litigation_court": profile.court},
            "contact": {"office": f"{dept.name}信用修复窗口", "name": self._officer_name(),
                        "phone": profile.phone or dept.phone or "12345",
                        "address": profile.address or dept.address or settings.district_government},
            "record_ref": record_reference(self.data, profile.full_name),
        }

    def application(self) -> dict:
        return {"number": self.case.case_no, "received_on": self.case.submitted_on}

    def record_block(self) -> dict:
        kind = RECORD_KINDS.get(self.record.kind, RECORD_KINDS["administrative_penalty"])
        penalty = self.record.kind == "administrative_penalty"
        return {"decision_number": self.record.decision_no, "authority": self.profile.full_name,
                "decision_date": self.record.decided_on, "document": f"《{kind.document}》",
                "content": penalty_summary(self.record) if penalty else (self.record.facts or kind.info),
                "content_label": "处罚内容" if penalty else "认定内容", "kind_label": kind.info}

    def fulfilment_rows(self) -> list[Fulfilment]:
        return list(self.uow.session.scalars(
            select(Fulfilment).where(Fulfilment.record_id == self.record.id).order_by(Fulfilment.occurred_on)))

    def deadline(self, stages: tuple[str, ...]) -> Deadline | None:
        if self.case is None:
            return None
        return self.uow.session.scalars(select(Deadline).where(Deadline.case_id == self.case.id,
                                                               Deadline.stage.in_(stages))
                                        .order_by(Deadline.id.desc())).first()

    def basis(self, as_of: date) -> str:
        """The legal basis of a repair decision: the regime applied (rules data) and the kind's own rule."""
        kind = RECORD_KINDS.get(self.record.kind, RECORD_KINDS["administrative_penalty"])
        choice = regime_choice(self.record, self.case.regime if self.case else None, as_of=as_of)
        regime = choice.applied.basis if choice else regime_in_force(self.record.channel, as_of).basis
        return "；".join(filter(None, (kind.basis, regime)))

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
    choice = regime_choice(record, as_of=issued_on)
    body = penalty_decision_content(facts.data, facts.profile, choice, issued_on=issued_on)
    # The decision is dated and numbered as decided; a late copy says when it was issued (see notes).
    return {"doc_number": record.decision_no, "issued_on": record.decided_on, **body}


def _rights_notice(facts: LetterFacts, issued_on, **_):
    choice = regime_choice(facts.record, as_of=issued_on)
    if choice is None:
        raise ValidationError("该类信息不适用两书同达 / no rights notice for this kind of record", "kind")
    return rights_notice_content(facts.data, choice, authority=facts.profile.full_name,
                                 penalties_text=penalty_summary(facts.record),
                                 tracking_contact=TRACKING.get(facts.record.channel, TRACKING["ndrc"]),
                                 as_of=issued_on)


def _acceptance_notice(facts: LetterFacts, issued_on, **_):
    return {"application": facts.application(), "decision_sentence": _decision_sentence(facts),
            "tracking_channel": TRACKING.get(facts.record.channel, TRACKING["ndrc"])}


def _decision_sentence(facts: LetterFacts) -> str:
    """When the decision is due: the running clock's real due date, else the rule that will start it."""
    what = "是否准予移出经营异常名录" if facts.record.kind == "business_anomaly_list" else "是否准予信用修复"
    deadline = facts.deadline(DECISION_STAGES)
    if deadline is not None and deadline.status in ("running", "paused"):
        unit = "个工作日" if deadline.unit == "workdays" else "日"
        mark = "（该日期依据的节假日安排尚未公布，届时可能调整）" if deadline.provisional else ""
        return (f"本机关将依法对你单位的申请进行核查，并于{ymd(deadline.due)}前（自{ymd(deadline.started_on)}起"
                f"{deadline.limit_days}{unit}，法定节假日不计）{mark}作出{what}的决定。")
    wf = facts.runtime.workflows.get(facts.uow, facts.case.workflow, facts.case.workflow_version)
    clock = next((c for c in wf.clocks if c.stage in DECISION_STAGES), None)
    if clock is None:
        return f"本机关将依法对你单位的申请进行核查，并作出{what}的决定。"
    unit = "个工作日" if clock.unit == "workdays" else "日"
    return (f"本机关将依法核实你单位履行相关义务的情况，并自核实完毕之日起{clock.limit}{unit}内"
            f"（法定节假日不计）作出{what}的决定。")


# How a failed eligibility condition reads in a letter (the detail that follows says why, with dates).
FAILED = {"min_publicity_reached": "最短公示期尚未届满", "not_expired": "该信息已不在公示期内",
          "kind_repairable": "该信息不能申请信用修复", "obligations_fulfilled": "法定责任和义务尚未履行完毕",
          "commitment_signed": "尚未签署信用修复承诺书", "no_false_materials": "申请材料不实",
          "no_recent_repair": "近期已获准信用修复"}
# Conditions settled only after acceptance (fulfilment is checked then): not grounds to refuse acceptance.
AFTER_ACCEPTANCE = ("obligations_fulfilled", "no_false_materials")


def _failed_reasons(facts: LetterFacts, issued_on: date, reason: str | None, *, accepting: bool) -> list[str]:
    """Why an application fails: the failed eligibility conditions; the officer's reason only when none failed."""
    verdict = eligibility(facts.uow, facts.record, as_of=issued_on, regime_id=facts.case.regime,
                          commitment_signed=facts.case.commitment_signed_at is not None,
                          repeat_window_months=facts.runtime.settings.repeat_repair_window_months,
                          repeat_basis=facts.runtime.settings.repeat_repair_basis)
    failed = [f"{FAILED.get(c.code, c.title)}：{ymd_text(c.detail)}" for c in verdict.failed
              if not (accepting and c.code in AFTER_ACCEPTANCE)]
    return failed or ([reason.strip()] if reason and reason.strip() else ["申请不符合受理条件"])


def _refusal_notice(facts: LetterFacts, issued_on, reason=None, **_):
    return {"application": facts.application(), "reasons": _failed_reasons(facts, issued_on, reason, accepting=True),
            "basis": facts.basis(issued_on), "resubmission": "你单位可以在符合条件后重新提出申请。"}


def _supplement_notice(facts: LetterFacts, issued_on, reason=None, calendar=None, **_):
    deadline = calendar.add_workdays(issued_on, SUPPLEMENT_WORKDAYS) if calendar else issued_on
    return {"application": facts.application(),
            "missing": [{"item": "补正材料", "requirement": reason or "请按要求补充材料"}],
            "deadline": deadline, "submit_channel": TRACKING.get(facts.record.channel, TRACKING["ndrc"])}


def _repair_decision(facts: LetterFacts, issued_on, reason=None, granted=None, **_):
    record = facts.record
    if granted:
        verdict = eligibility(facts.uow, record, as_of=issued_on, regime_id=facts.case.regime,
                              commitment_signed=facts.case.commitment_signed_at is not None,
                              repeat_window_months=facts.runtime.settings.repeat_repair_window_months,
                              repeat_basis=facts.runtime.settings.repeat_repair_basis)
        findings = [f"{c.title}：{ymd_text(c.detail)}" for c in verdict.conditions
                    if c.passed and c.code in ("min_publicity_reached", "obligations_fulfilled", "commitment_signed")]
        findings += [_fulfilment_line(f) for f in facts.fulfilment_rows()]
    else:
        findings = _failed_reasons(facts, issued_on, reason, accepting=False)
    platform = PLATFORMS.get(record.channel, PLATFORMS["ndrc"])
    kind = RECORD_KINDS.get(record.kind, RECORD_KINDS["administrative_penalty"])
    stop = "移出经营异常名录" if record.kind == "business_anomaly_list" else f"在{platform}停止公示"
    effects = (f"自{ymd(issued_on)}起，该{kind.info}{stop}，本机关于{SYNC_WORKDAYS}个工作日内将修复结果推送至相关信用平台，"
               "相应失信惩戒措施依法解除。")
    return {"granted": bool(granted), "application": facts.application(), "record": facts.record_block(),
            "findings": findings, "basis": facts.basis(issued_on), "effects": effects,
            "resubmission": None if granted else "你单位可以在符合条件后重新提出申请。"}


def _fulfilment_line(f: Fulfilment) -> str:
    if f.kind == "fine_payment" and f.amount:
        return f"罚款{money(f.amount)}已于{ymd(f.occurred_on)}缴纳（{f.source or '缴款信息'}）"
    return f"整改经核查已于{ymd(f.occurred_on)}到位（{f.source or '核查记录'}）"


def _application_form(facts: LetterFacts, issued_on, reason=None, **_):
    ent, record = facts.enterprise, facts.record
    registry = "市场主体登记信息" if ent else "申请人填报"
    fulfilment = [{"item": "罚款缴纳" if f.kind == "fine_payment" else "整改核查",
                   "evidence": f"{ymd(f.occurred_on)}{'缴纳' + money(f.amount) if f.amount else '整改到位'}"
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
            "platform": PLATFORMS.get(record.channel, PLATFORMS["ndrc"]), "signed_on": facts.case.submitted_on}


_BUILDERS = {"penalty_decision": _penalty_decision, "rights_notice": _rights_notice,
             "acceptance_notice": _acceptance_notice, "refusal_notice": _refusal_notice,
             "supplement_notice": _supplement_notice, "repair_decision": _repair_decision,
             "application_form": _application_form, "commitment_letter": _commitment_letter}

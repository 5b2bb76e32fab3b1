"""Case verbs: submit an application and fire a workflow trigger. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from repair.domain.actors import Actor
from repair.domain.casefile import CaseState
from repair.domain.clocks import ClockRun
from repair.domain.history import GENESIS
from repair.domain.workflow import Workflow
from repair.errors import ConcurrencyConflict, NotEligible, NotFound, TransitionRefused
from repair.services.calendar.overrides import calendar_for
from repair.services.cases.evidence import current_evidence, pin_evidence
from repair.services.cases.facts import case_facts, eligibility, regime_choice
from repair.services.cases.history import append_event, utc_naive
from repair.services.documents.issuing import APPLICANT_DOCUMENTS, reserve_document
from repair.services.exchange.sync import enqueue_conclusion
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.case_repo import insert_case, load_case, save_case, save_deadlines, set_record_status
from repair.store.counters import next_value
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork

# Conditions checked later, in the fulfilment-check stage, rather than at submission.
CHECKED_IN_STAGE = {"obligations_fulfilled"}
# What reaching an outcome does to the record's publication.
RECORD_STATUS_ON = {"granted": "repaired", "revoked": "published"}


def local_date(now: datetime) -> date:
    """The district's calendar date of an instant."""
    return now.astimezone(LOCAL_TZ).date() if now.tzinfo else now.date()


@dataclass(frozen=True)
class FireResult:
    """What a successful firing did."""

    case_no: str
    trigger: str
    from_state: str
    to_state: str
    version: int
    seq: int
    letter: str | None
    deadline_changes: list[dict]
    documents: tuple[int, ...] = ()


def submit_application(runtime, uow: UnitOfWork, *, record_id: int, actor: Actor, now: datetime,
                       commitment_signed: bool, reason: str | None = None) -> CaseState:
    """Open a repair case for a record, pinning the regime in force today and starting its clocks."""
    record = uow.session.get(Record, record_id)
    if record is None:
        raise NotFound(f"记录不存在 / no record {record_id}")
    if actor.role not in ("enterprise", "officer", "admin", "system") or not actor.in_scope(
            record.authority_code, record.uscc):
        raise TransitionRefused("无权为该企业提交申请 / not allowed to apply for this enterprise", ["scope"])
    if record.status != "published":
        raise NotEligible(f"该记录当前状态为 {record.status}，无需修复 / record is {record.status}", ["status"])
    pending = uow.session.scalar(select(Case.case_no).where(Case.record_id == record.id, Case.is_open.is_(True),
                                                            Case.workflow != "paired_delivery"))
    if pending:
        raise NotEligible(f"该记录已有办理中的案件 {pending} / record already has open case {pending}",
                          ["open_case"])
    today = local_date(now)
    wf = runtime.workflows.for_record(record.kind, record.channel)
    verdict = eligibility(uow, record, as_of=today, commitment_signed=commitment_signed,
                          repeat_window_months=runtime.settings.repeat_repair_window_months,
                          repeat_basis=runtime.settings.repeat_repair_basis,
                          repairable_kinds=runtime.workflows.repairable_kinds())
    blocking = [c for c in verdict.failed if c.code not in CHECKED_IN_STAGE]
    if blocking:
        raise NotEligible("不符合申请条件 / not eligible: " + "；".join(f"{c.title}（{c.detail}）" for c in blocking),
                          [c.code for c in blocking])
    # The regime applied on the day of submission (从旧兼从轻 between the decision's and today's), pinned.
    choice = regime_choice(record, as_of=today)
    regime = choice.regime if choice is not None else None
    case = open_case(runtime, uow, record=record, wf=wf, actor=actor, now=now, trigger="submit", regime=regime,
                     commitment_signed=commitment_signed, reason=reason,
                     payload={"regime": regime, "record": record.decision_no,
                              "eligibility": [c.code for c in verdict.failed]})
    case.documents = tuple(
        reserve_document(uow, kind=kind, record_id=record.id, department_code=record.authority_code,
                         decision_no=record.decision_no, case_id=case.id, actor=actor.username, now=now,
                         issued_on=today, reason=reason)
        for kind in APPLICANT_DOCUMENTS)
    uow.commit()
    return case


def open_case(runtime, uow: UnitOfWork, *, record: Record, wf: Workflow, actor: Actor, now: datetime,
              trigger: str, regime: str | None = None, commitment_signed: bool = False, reason: str | None = None,
              payload: dict | None = None) -> CaseState:
    """Create a case in the workflow's initial state, start its clocks and write its first event."""
    today = local_date(now)
    case = CaseState(
        case_no=_case_no(uow, record.authority_code, today), record_id=record.id, workflow=wf.name,
        workflow_version=wf.version, state=wf.initial, version=1, department_code=record.authority_code,
        uscc=record.uscc, regime=regime, submitted_on=today, applicant=actor.username,
        commitment_signed_at=utc_naive(now) if commitment_signed else None, is_open=True, due=None,
        head_hash=GENESIS, event_count=0,
    )
    clocks = ClockRun(lambda: calendar_for(runtime, uow))
    clocks.apply(wf, case, from_state=None, to_state=wf.initial, trigger=trigger, extends=None, today=today,
                 actor=actor.username, reason=reason, now=now)
    insert_case(uow, case, created_at=utc_naive(now))
    save_deadlines(uow, case, clocks.effects)
    append_event(uow, case, trigger=trigger, from_state=None, to_state=wf.initial, actor=actor.username, at=now,
                 reason=reason, payload={**(payload or {}), "deadlines": clocks.changes})
    save_case(uow, case, expected_version=1, updated_at=utc_naive(now))
    return case


def _decision_no(uow: UnitOfWork, case: CaseState) -> str:
    return uow.session.scalar(select(Record.decision_no).where(Record.id == case.record_id))


def _case_no(uow: UnitOfWork, department: str, today: date) -> str:
    number = next_value(uow, f"case:{department}:{today.year}")
    return f"{department}-{today.year}-{number:06d}"


def fire(runtime, uow: UnitOfWork, case_no: str, trigger: str, *, actor: Actor, now: datetime,
         reason: str | None = None, expected_version: int | None = None) -> FireResult:
    """Fire `trigger` on a case: check it through the workflow, move clocks, append the event, commit."""
    reason = reason.strip() if reason else None
    case = load_case(uow, case_no)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrencyConflict(
            f"案件版本已变为 {case.version}（请求基于 {expected_version}）/ stale version: case is at {case.version}")
    wf: Workflow = runtime.workflows.get(uow, case.workflow, case.workflow_version)
    today = local_date(now)
    facts = case_facts(uow, wf, case, actor, reason=reason, guards=wf.guard_names(trigger), today=today,
                       repeat_window_months=runtime.settings.repeat_repair_window_months,
                       repeat_basis=runtime.settings.repeat_repair_basis)
    firing = wf.fire(case.state, trigger, facts)
    clocks = ClockRun(lambda: calendar_for(runtime, uow))
    clocks.apply(wf, case, from_state=firing.source, to_state=firing.dest, trigger=trigger,
                 extends=firing.transition.extends, today=today, actor=actor.username, reason=reason, now=now)
    loaded_version = case.version
    case.state, case.version, case.is_open = firing.dest, case.version + 1, wf.is_open(firing.dest)
    # A step that relies on the penalty being fulfilled pins the evidence it saw (re-checked before grant).
    evidence = current_evidence(uow, case.record_id) if "penalty_fulfilled" in firing.transition.guards else None
    pinned = {"evidence": evidence.payload()} if evidence else {}
    seq = append_event(uow, case, trigger=trigger, from_state=firing.source, to_state=firing.dest,
                       actor=actor.username, at=now, reason=reason, payload={"deadlines": clocks.changes, **pinned})
    if evidence is not None:
        pin_evidence(uow, case, seq, evidence, actor.username, now)
    save_case(uow, case, expected_version=loaded_version, updated_at=utc_naive(now))
    save_deadlines(uow, case, clocks.effects)
    outcome = wf.states[firing.dest].outcome
    if outcome in RECORD_STATUS_ON and firing.dest != firing.source:
        set_record_status(uow, case.record_id, RECORD_STATUS_ON[outcome], utc_naive(now))
    documents: tuple[int, ...] = ()
    letter = firing.transition.letter
    if letter is not None:
        granted = (outcome == "granted") if letter == "repair_decision" else None
        documents = (reserve_document(uow, kind=letter, record_id=case.record_id,
                                      department_code=case.department_code,
                                      decision_no=_decision_no(uow, case) if letter == "penalty_decision" else None,
                                      case_id=case.id, actor=actor.username, now=now, issued_on=today,
                                      reason=reason, granted=granted),)
    enqueue_conclusion(runtime, uow, case, outcome, firing, now)
    uow.commit()
    return FireResult(case_no=case.case_no, trigger=trigger, from_state=firing.source, to_state=firing.dest,
                      version=case.version, seq=seq, letter=letter, deadline_changes=clocks.changes,
                      documents=documents)

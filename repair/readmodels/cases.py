"""Read-only views of cases and records as plain data (for the CLI, the web and the API)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from repair.domain.clocks import shown_status
from repair.domain.rules import favourable_regime
from repair.errors import NotFound, ValidationError
from repair.services.cases.facts import penalty_types
from repair.store.models import Case, CaseEvent, Record
from repair.store.uow import UnitOfWork

MAX_PAGE = 500


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def list_cases(uow: UnitOfWork, *, state: str | None = None, workflow: str | None = None,
               department: str | None = None, uscc: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[dict]:
    """Cases ordered by due date (open first), filtered."""
    query = select(Case.case_no, Case.state, Case.version, Case.workflow, Case.department_code, Case.uscc,
                   Case.due, Case.is_open, Case.submitted_on)
    for column, value in ((Case.state, state), (Case.workflow, workflow), (Case.department_code, department),
                          (Case.uscc, uscc)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Case.is_open.desc(), Case.due.is_(None), Case.due, Case.id).offset(offset)
    if limit is not None:
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"每页条数须在 1–{MAX_PAGE} 之间 / limit must be 1..{MAX_PAGE}", "limit")
        query = query.limit(limit)
    return [{"case_no": r.case_no, "state": r.state, "version": r.version, "workflow": r.workflow,
             "department": r.department_code, "uscc": r.uscc, "due": _iso(r.due), "open": r.is_open,
             "submitted_on": _iso(r.submitted_on)} for r in uow.session.execute(query)]


def case_detail(runtime, uow: UnitOfWork, case_no: str, *, today: date) -> dict:
    """Everything about one case: state, regime, events, deadlines and allowed triggers."""
    case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).first()
    if case is None:
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    record = case.record
    events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
    favourable = None
    if case.regime and record.kind == "administrative_penalty" and case.is_open:
        found = favourable_regime(record.channel, pinned=case.regime, as_of=today, tier=record.tier,
                                  decided_on=record.decided_on, published_on=record.published_on,
                                  sector=record.sector, penalty_types=penalty_types(record))
        if found:
            favourable = {"regime": found[0].id, **found[1].as_json()}
    return {
        "case_no": case.case_no, "state": case.state, "state_title": wf.states[case.state].title,
        "version": case.version, "workflow": case.workflow, "workflow_version": case.workflow_version,
        "workflow_title": wf.title, "department": case.department_code, "uscc": case.uscc, "regime": case.regime,
        "favourable_regime": favourable, "open": case.is_open, "submitted_on": _iso(case.submitted_on),
        "due": _iso(case.due), "applicant": case.applicant, "assigned_to": case.assigned_to,
        "commitment_signed": case.commitment_signed_at is not None,
        "record": record_view(record),
        "triggers": wf.triggers_from(case.state),
        "events": [{"seq": e.seq, "trigger": e.trigger, "from": e.from_state, "to": e.to_state, "actor": e.actor,
                    "at": e.at.isoformat(timespec="seconds") + "Z", "reason": e.reason, "hash": e.hash}
                   for e in events],
        "deadlines": [{"stage": d.stage, "title": d.title, "started_on": _iso(d.started_on), "due": _iso(d.due),
                       "met_on": _iso(d.met_on), "status": shown_status(d.status, d.due, d.met_on), "provisional": d.provisional,
                       "paused_days": d.paused_days, "extended_days": d.extended_days, "limit": d.limit_days,
                       "unit": d.unit, "basis": d.basis, "confirmed": d.confirmed, "derivation": d.derivation}
                      for d in case.deadlines],
    }


def record_view(record: Record) -> dict:
    """A record as plain data (the CLI's and API's shape)."""
    return {"id": record.id, "kind": record.kind, "authority": record.authority_code,
            "decision_no": record.decision_no, "uscc": record.uscc, "party": record.party_name,
            "channel": record.channel, "tier": record.tier, "sector": record.sector,
            "decided_on": _iso(record.decided_on), "published_on": _iso(record.published_on),
            "penalty_types": list(penalty_types(record)),
            "fine_amount": str(record.fine_amount) if record.fine_amount is not None else None,
            "status": record.status, "legal_basis": record.legal_basis or None,
            "violated_provision": record.violated_provision, "party_address": record.party_address,
            "legal_representative": record.legal_representative, "evidence": list(record.evidence or []),
            "penalty_content": record.penalty_content, "procedure": record.procedure,
            "served_on": _iso(record.served_on)}


def list_records(uow: UnitOfWork, *, kind: str | None = None, uscc: str | None = None,
                 authority: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
    """Records filtered by kind, enterprise or authority."""
    query = select(Record)
    for column, value in ((Record.kind, kind), (Record.uscc, uscc), (Record.authority_code, authority)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Record.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [record_view(r) for r in uow.session.scalars(query)]

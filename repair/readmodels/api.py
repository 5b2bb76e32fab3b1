"""API-shaped reads and writes for the JSON API: every query scoped to what the actor may see.

Visibility: an enterprise sees its own USCC, officers and reviewers their department, auditors and
admins everything. What an actor may not see does not exist for them (NotFound, HTTP 404), for reads
and writes alike, so probing never reveals another party's cases. Lists page in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from repair.domain.actors import Actor
from repair.domain.clocks import shown_status
from repair.domain.errors import (IneligibleApplication, NotEligible, NotFound, NotReady, StaleVersion,
                                  TransitionRefused)
from repair.services.cases.verbs import fire, local_date, submit_application
from repair.readmodels.documents import document_view
from repair.services.documents.issuing import document_for
from repair.services.cases.facts import eligibility
from repair.services.jobs.steps import check_after_step, produce_documents
from repair.readmodels.cases import case_detail, list_cases, list_records, record_view
from repair.store.document_models import Document
from repair.store.models import Case, Deadline, Record
from repair.store.uow import UnitOfWork

log = logging.getLogger(__name__)
SEE_ALL = ("auditor", "admin")
# Driven from their own pages and services (两书同达 records how and when it was served), never by a bare trigger.
DEDICATED_WORKFLOWS = frozenset({"paired_delivery"})
# Conditions an applicant fixes in the request body; every other failed condition is about the record.
CONDITION_FIELDS = {"commitment_signed": "commitment_signed"}


def may_see(actor: Actor, department: str, uscc: str) -> bool:
    """True if `actor` may see things of `department` concerning enterprise `uscc`."""
    return actor.role in SEE_ALL or actor.in_scope(department, uscc)


def _scope(actor: Actor) -> dict:
    """Filters that restrict a list to the actor's scope."""
    if actor.role in SEE_ALL:
        return {}
    if actor.role == "enterprise":
        return {"uscc": actor.uscc or ""}
    if actor.role in ("officer", "reviewer"):
        return {"department": actor.department or ""}
    return {"uscc": "", "department": ""}  # an unknown role sees nothing


def _where(query, columns: dict, values: dict):
    for name, value in values.items():
        if value is not None:
            query = query.where(columns[name] == value)
    return query


def record_page(uow: UnitOfWork, actor: Actor, *, kind: str | None, page: int, per_page: int) -> tuple[list, int]:
    """One page of the records the actor may see, and how many there are."""
    scope = _scope(actor)
    filters = {"kind": kind, "uscc": scope.get("uscc"), "authority": scope.get("department")}
    columns = {"kind": Record.kind, "uscc": Record.uscc, "authority": Record.authority_code}
    total = uow.session.scalar(_where(select(func.count()).select_from(Record), columns, filters))
    items = list_records(uow, **filters, limit=per_page, offset=(page - 1) * per_page)
    return items, total


def record_for(uow: UnitOfWork, actor: Actor, record_id: int) -> dict:
    """One record, if the actor may see it."""
    record = uow.session.get(Record, record_id)
    if record is None or not may_see(actor, record.authority_code, record.uscc):
        raise NotFound(f"记录不存在 / no record {record_id}")
    return record_view(record)


def case_page(uow: UnitOfWork, actor: Actor, *, state: str | None, workflow: str | None, page: int,
              per_page: int) -> tuple[list, int]:
    """One page of the cases the actor may see (open first, by due date), and how many there are."""
    filters = {"state": state, "workflow": workflow, **_scope(actor)}
    columns = {"state": Case.state, "workflow": Case.workflow, "department": Case.department_code,
               "uscc": Case.uscc}
    total = uow.session.scalar(_where(select(func.count()).select_from(Case), columns, filters))
    items = list_cases(uow, **filters, limit=per_page, offset=(page - 1) * per_page)
    return items, total


def _visible_case(uow: UnitOfWork, actor: Actor, case_no: str):
    row = uow.session.execute(select(Case.id, Case.version, Case.workflow, Case.department_code, Case.uscc)
                              .where(Case.case_no == case_no)).first()
    if row is None or not may_see(actor, row.department_code, row.uscc):
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    return row


def case_for(runtime, uow: UnitOfWork, actor: Actor, case_no: str, *, now: datetime) -> dict:
    """The case detail (version, events, deadlines, allowed triggers), if the actor may see it."""
    _visible_case(uow, actor, case_no)
    return case_detail(runtime, uow, case_no, today=local_date(now))


def _produce_all(runtime, ids: tuple[int, ...], now: datetime) -> list[dict]:
    """Render (and seal) freshly reserved documents, or queue them for the workers (PostgreSQL); one that
    fails stays reserved for `produce_pending`."""
    for problem in produce_documents(runtime, ids, now=now):
        log.error("a document could not be produced now: %s", problem)
    if not ids:
        return []
    with runtime.uow(read_only=True) as uow:
        rows = uow.session.scalars(select(Document).where(Document.id.in_(ids)).order_by(Document.id)).all()
        return [document_view(d) for d in rows]


def create_case(runtime, actor: Actor, *, record_id: int, commitment_signed: bool, reason: str | None,
                now: datetime) -> dict:
    """Submit an application for a visible record; returns the new case's detail and its documents."""
    with runtime.uow() as uow:
        record = uow.session.get(Record, record_id)
        if record is None or not may_see(actor, record.authority_code, record.uscc):
            raise NotFound(f"记录不存在 / no record {record_id}")
        try:
            case = submit_application(runtime, uow, record_id=record_id, actor=actor, now=now,
                                      commitment_signed=commitment_signed, reason=reason)
        except NotEligible as error:
            raise _explained(runtime, uow, record, error, commitment_signed, now) from error
    documents = _produce_all(runtime, case.documents, now)
    with runtime.uow(read_only=True) as uow:
        return {**case_detail(runtime, uow, case.case_no, today=local_date(now)), "documents": documents}


def _explained(runtime, uow: UnitOfWork, record: Record, error: NotEligible, commitment_signed: bool,
               now: datetime) -> IneligibleApplication:
    uow.session.rollback()
    verdict = eligibility(uow, record, as_of=local_date(now), commitment_signed=commitment_signed,
                          repeat_window_months=runtime.settings.repeat_repair_window_months,
                          repairable_kinds=runtime.workflows.repairable_kinds())
    conditions = {c.code: c for c in verdict.failed}
    details = []
    for code in error.failed:
        found = conditions.get(code)
        message = f"{found.title}：{found.detail}" if found else str(error)
        details.append({"field": CONDITION_FIELDS.get(code, "record_id"), "code": code, "message": message})
    return IneligibleApplication(str(error), error.failed, details)


def fire_event(runtime, actor: Actor, case_no: str, *, trigger: str, reason: str | None,
               matches: Callable[[int], bool], now: datetime) -> dict:
    """Fire `trigger` if the client's version still `matches` (else StaleVersion), then produce its documents.

    A version that changes between this check and the commit surfaces as ConcurrencyConflict (a lost race).
    """
    with runtime.uow() as uow:
        case = _visible_case(uow, actor, case_no)
        if not matches(case.version):
            raise StaleVersion(f"案件当前版本为 {case.version}，与 If-Match 不符，请重新读取后再试 / "
                               f"the case is at version {case.version}; reload and retry")
        if case.workflow in DEDICATED_WORKFLOWS:
            raise TransitionRefused("两书同达案件请通过送达功能办理 / paired deliveries are served on their own pages",
                                    ["workflow"])
        result = fire(runtime, uow, case_no, trigger, actor=actor, now=now, reason=reason,
                      expected_version=case.version)
    check_after_step(runtime, result, now)  # the automatic fulfilment check, after the step committed
    return {"case_no": result.case_no, "seq": result.seq, "trigger": result.trigger, "from": result.from_state,
            "to": result.to_state, "version": result.version, "letter": result.letter,
            "deadline_changes": result.deadline_changes,
            "documents": _produce_all(runtime, result.documents, now)}


def case_documents(uow: UnitOfWork, actor: Actor, case_no: str, *, page: int, per_page: int) -> tuple[list, int]:
    """One page of a visible case's documents (every version, oldest first), and how many there are."""
    case = _visible_case(uow, actor, case_no)
    total = uow.session.scalar(select(func.count()).select_from(Document).where(Document.case_id == case.id))
    rows = uow.session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)
                               .limit(per_page).offset((page - 1) * per_page))
    return [document_view(d) for d in rows], total


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _deadline_view(d: Deadline) -> dict:
    return {"stage": d.stage, "title": d.title, "started_on": _iso(d.started_on), "due": _iso(d.due),
            "met_on": _iso(d.met_on), "status": shown_status(d.status, d.due, d.met_on), "provisional": d.provisional,
            "paused_days": d.paused_days, "extended_days": d.extended_days, "limit": d.limit_days,
            "unit": d.unit, "basis": d.basis, "confirmed": d.confirmed, "derivation": d.derivation}


def case_deadlines(uow: UnitOfWork, actor: Actor, case_no: str, *, page: int, per_page: int) -> tuple[list, int]:
    """One page of a visible case's deadlines (in the order they started), and how many there are."""
    case = _visible_case(uow, actor, case_no)
    total = uow.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.case_id == case.id))
    rows = uow.session.scalars(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)
                               .limit(per_page).offset((page - 1) * per_page))
    return [_deadline_view(d) for d in rows], total


def _visible_document(uow: UnitOfWork, actor: Actor, document_id: int) -> Document:
    document = uow.session.get(Document, document_id)
    uscc = uow.session.scalar(select(Record.uscc).where(Record.id == document.record_id)) if document else None
    if document is None or not may_see(actor, document.department_code, uscc or ""):
        raise NotFound(f"文书不存在 / no document {document_id}")
    return document


def document_meta(uow: UnitOfWork, actor: Actor, document_id: int) -> dict:
    """A visible document's metadata, with the number of the case it belongs to."""
    document = _visible_document(uow, actor, document_id)
    case_no = uow.session.scalar(select(Case.case_no).where(Case.id == document.case_id)) if document.case_id else None
    return {**document_view(document), "case_no": case_no, "size": document.size}


def document_file(runtime, actor: Actor, document_id: int) -> tuple[dict, bytes]:
    """A visible document's metadata and PDF bytes; NotReady while its PDF is still being produced."""
    with runtime.uow(read_only=True) as uow:
        meta = document_meta(uow, actor, document_id)
    if meta["sha256"] is None:
        raise NotReady(f"文书 {document_id} 尚未制作完成，请稍后再试 / document not produced yet")
    _, data = document_for(runtime, document_id, actor)
    return meta, data

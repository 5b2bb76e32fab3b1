"""API-shaped reads for the JSON API: every query scoped to what the actor may see.

Visibility: an enterprise sees its own USCC, officers and reviewers their department, auditors and
admins everything. What an actor may not see does not exist for them (NotFound, HTTP 404), for reads
and writes alike (writes: `repair.services.cases.api_actions`), so probing never reveals another party's
cases. Lists page in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from repair.domain.actors import SEE_ALL, Actor
from repair.domain.clocks import shown_status
from repair.errors import NotFound, NotReady
from repair.readmodels.cases import case_detail, list_cases, list_records, record_view
from repair.readmodels.documents import document_view
from repair.services.cases.api_actions import visible_case
from repair.services.cases.verbs import FireResult, local_date
from repair.services.documents.issuing import document_for
from repair.store.document_models import Document
from repair.store.models import Case, Deadline, Record
from repair.store.uow import UnitOfWork


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
    if record is None or not actor.may_see(record.authority_code, record.uscc):
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



def case_for(runtime, uow: UnitOfWork, actor: Actor, case_no: str, *, now: datetime) -> dict:
    """The case detail (version, events, deadlines, allowed triggers), if the actor may see it."""
    visible_case(uow, actor, case_no)
    return case_detail(runtime, uow, case_no, today=local_date(now))



def case_documents(uow: UnitOfWork, actor: Actor, case_no: str, *, page: int, per_page: int) -> tuple[list, int]:
    """One page of a visible case's documents (every version, oldest first), and how many there are."""
    case = visible_case(uow, actor, case_no)
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
    case = visible_case(uow, actor, case_no)
    total = uow.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.case_id == case.id))
    rows = uow.session.scalars(select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)
                               .limit(per_page).offset((page - 1) * per_page))
    return [_deadline_view(d) for d in rows], total


def _visible_document(uow: UnitOfWork, actor: Actor, document_id: int) -> Document:
    document = uow.session.get(Document, document_id)
    uscc = uow.session.scalar(select(Record.uscc).where(Record.id == document.record_id)) if document else None
    if document is None or not actor.may_see(document.department_code, uscc or ""):
        raise NotFound(f"文书不存在 / no document {document_id}")
    return document


def document_meta(uow: UnitOfWork, actor: Actor, document_id: int) -> dict:
    """A visible document's metadata, with the number of the case it belongs to."""
    document = _visible_document(uow, actor, document_id)
    case_no = uow.session.scalar(select(Case.case_no).where(Case.id == document.case_id)) if document.case_id else None
    return {**document_view(document), "case_no": case_no, "size": document.size, "ofd_size": document.ofd_size}


def document_file(runtime, actor: Actor, document_id: int, fmt: str = "pdf") -> tuple[dict, bytes]:
    """A visible document's metadata and bytes as PDF or OFD; NotReady while it is still being produced,
    NotFound when it was issued without an OFD."""
    with runtime.uow(read_only=True) as uow:
        meta = document_meta(uow, actor, document_id)
    if meta["sha256"] is None:
        raise NotReady(f"文书 {document_id} 尚未制作完成，请稍后再试 / document not produced yet")
    _, data = document_for(runtime, document_id, actor, fmt)
    return meta, data


def documents_by_id(runtime, ids: tuple[int, ...]) -> list[dict]:
    """The views of the given documents, oldest first (those just reserved by a step)."""
    if not ids:
        return []
    with runtime.uow(read_only=True) as uow:
        rows = uow.session.scalars(select(Document).where(Document.id.in_(ids)).order_by(Document.id)).all()
        return [document_view(d) for d in rows]


def created_case(runtime, case_no: str, document_ids: tuple[int, ...], *, now: datetime) -> dict:
    """The answer to a new application: the case's detail and its documents."""
    documents = documents_by_id(runtime, document_ids)
    with runtime.uow(read_only=True) as uow:
        return {**case_detail(runtime, uow, case_no, today=local_date(now)), "documents": documents}


def fired_event(runtime, result: FireResult) -> dict:
    """The answer to a fired trigger: the step, its deadline changes and its documents."""
    return {"case_no": result.case_no, "seq": result.seq, "trigger": result.trigger, "from": result.from_state,
            "to": result.to_state, "version": result.version, "letter": result.letter,
            "deadline_changes": result.deadline_changes,
            "documents": documents_by_id(runtime, result.documents)}

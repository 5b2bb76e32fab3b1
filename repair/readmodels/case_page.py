"""An officer's case page: record, fulfilment, materials, timeline, deadlines, documents and actions."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import and_, or_, select

from repair.domain.actors import Actor
from repair.domain.clocks import STATUS_TITLES, shown_status
from repair.domain.diagram import mermaid
from repair.blobs.base import BlobMissing
from repair.errors import NotFound
from repair.readmodels.cases import record_view
from repair.readmodels.checks import fulfilment_checks, shared_fulfilment
from repair.services.cases.desk_actions import DEDICATED_WORKFLOWS, require_desk
from repair.services.cases.facts import case_facts, fulfilment_of
from repair.services.documents.issuing import read_blob
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.case_repo import load_case
from repair.store.document_models import Document
from repair.store.models import Case, CaseEvent, Department, Extension, Fulfilment, Record, Suspension
from repair.store.uow import UnitOfWork
from repair.store.upload_models import Upload

# History entries written outside workflow transitions.
EVENT_TITLES = {"submit": "提交申请", "open": "立案", "assign": "分派承办人", "recompute_deadline": "重算期限",
                "recognised": "外部平台修复结论互认", "flag": "提示核查"}
FULFILMENT_KINDS = {"fine_payment": "罚款缴纳", "correction": "整改核实"}
DOCUMENT_STATUS = {"reserved": "制作中", "rendered": "已生成", "sealed": "已签章", "void": "已作废"}
TIERS = {"minor": "轻微", "general": "一般", "serious": "严重"}
UPLOAD_PURPOSES = {"application": "申请材料", "supplement": "补正材料"}


def _local(stored: datetime) -> datetime:
    # Times are stored as naive UTC; officers read Beijing time.
    return stored.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ)


def _department_case(uow: UnitOfWork, case_no: str, actor: Actor) -> Case:
    department = require_desk(actor)
    case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).first()
    if case is None or case.department_code != department:
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    return case


def case_page(runtime, uow: UnitOfWork, case_no: str, actor: Actor, *, today: date, lang: str = "zh") -> dict:
    """Everything the desk shows for one case of the actor's department, as plain data."""
    case = _department_case(uow, case_no, actor)
    record = case.record
    wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
    titles = {**EVENT_TITLES, **{t.trigger: t.title for t in wf.transitions}}
    state_titles = {name: s.title for name, s in wf.states.items()}
    status = fulfilment_of(uow, record)
    events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq))
    return {
        "case_no": case.case_no, "version": case.version, "state": case.state,
        "state_title": state_titles.get(case.state, case.state), "workflow": case.workflow,
        "workflow_title": wf.title, "workflow_version": case.workflow_version, "open": case.is_open,
        "due": case.due, "submitted_on": case.submitted_on, "applicant": case.applicant,
        "assigned_to": case.assigned_to, "regime": case.regime,
        "dedicated": case.workflow in DEDICATED_WORKFLOWS,
        "record": {**record_view(record), "tier_title": TIERS.get(record.tier, record.tier),
                   "authority_name": uow.session.scalar(select(Department.name)
                                                        .where(Department.code == record.authority_code))},
        "fulfilment": {
            "complete": status.complete, "missing": list(status.missing),
            "rows": [{"kind": FULFILMENT_KINDS.get(f.kind, f.kind), "kind_code": f.kind, "source": f.source,
                      "amount": f.amount,
                      "occurred_on": f.occurred_on, "reference": f.reference}
                     for f in uow.session.scalars(select(Fulfilment).where(Fulfilment.record_id == record.id)
                                                  .order_by(Fulfilment.occurred_on, Fulfilment.id))]},
        "checks": fulfilment_checks(uow, case.id),
        "shared_fulfilment": shared_fulfilment(uow, record.id),
        "department": case.department_code,
        "uploads": _uploads(uow, case),
        "events": [{"seq": e.seq, "trigger": e.trigger, "title": titles.get(e.trigger, e.trigger),
                    "from": state_titles.get(e.from_state, e.from_state) if e.from_state else None,
                    "to": state_titles.get(e.to_state, e.to_state), "from_state": e.from_state,
                    "to_state": e.to_state, "actor": e.actor, "at": _local(e.at),
                    "reason": e.reason, "payload": e.payload or {}} for e in events],
        "deadlines": _deadlines(uow, case),
        "documents": [{"id": d.id, "title": d.title, "doc_no": d.doc_no, "version": d.version,
                       "status": DOCUMENT_STATUS.get(d.status, d.status), "status_code": d.status,
                       "kind": d.kind, "produced": d.sha256 is not None,
                       "ofd": d.ofd_sha256 is not None, "sealed_at": d.sealed_at}
                      for d in uow.session.scalars(select(Document).where(Document.case_id == case.id)
                                                   .order_by(Document.id))],
        "diagram": mermaid(wf, current=case.state, lang=lang),
        "actions": ([] if case.workflow in DEDICATED_WORKFLOWS
                    else _actions(runtime, uow, wf, case_no, actor, today)),
    }


def _actions(runtime, uow: UnitOfWork, wf, case_no: str, actor: Actor, today: date) -> list[dict]:
    """The transitions this actor may fire now: role, scope and guards (four-eyes too) decide."""
    state = load_case(uow, case_no, for_update=False)
    triggers = wf.triggers_from(state.state)
    guards = frozenset().union(*(wf.guard_names(t) for t in triggers))
    facts = case_facts(uow, wf, state, actor, reason=None, guards=guards, today=today,
                       repeat_window_months=runtime.settings.repeat_repair_window_months,
                       repeat_basis=runtime.settings.repeat_repair_basis)
    return [{"trigger": t.trigger, "title": t.title, "needs_reason": "reason" in t.requires}
            for t in wf.allowed(state.state, facts)]


def _uploads(uow: UnitOfWork, case: Case) -> list[dict]:
    # Materials uploaded with the application may precede the case and carry only the record.
    query = (select(Upload).where(or_(Upload.case_id == case.id,
                                      and_(Upload.case_id.is_(None), Upload.record_id == case.record_id)))
             .order_by(Upload.uploaded_at, Upload.id))
    return [{"id": u.id, "filename": u.filename, "purpose": UPLOAD_PURPOSES.get(u.purpose, u.purpose),
             "purpose_code": u.purpose,
             "size": u.size, "uploaded_by": u.uploaded_by, "uploaded_at": _local(u.uploaded_at),
             "sha256": u.sha256}
            for u in uow.session.scalars(query)]


def _deadlines(uow: UnitOfWork, case: Case) -> list[dict]:
    ids = [d.id for d in case.deadlines]
    suspensions = uow.session.scalars(select(Suspension).where(Suspension.deadline_id.in_(ids))
                                      .order_by(Suspension.id)).all() if ids else []
    extensions = uow.session.scalars(select(Extension).where(Extension.deadline_id.in_(ids))
                                     .order_by(Extension.id)).all() if ids else []
    return [{"title": d.title, "stage": d.stage, "started_on": d.started_on, "due": d.due,
             "limit": d.limit_days, "unit": d.unit, "basis": d.basis, "confirmed": d.confirmed,
             "status": STATUS_TITLES.get(shown_status(d.status, d.due, d.met_on), d.status), "met_on": d.met_on,
             "status_code": shown_status(d.status, d.due, d.met_on),
             "provisional": d.provisional, "derivation": d.derivation, "paused_days": d.paused_days,
             "extended_days": d.extended_days,
             "suspensions": [{"started_on": s.started_on, "ended_on": s.ended_on, "workdays": s.workdays,
                              "reason": s.reason, "actor": s.actor}
                             for s in suspensions if s.deadline_id == d.id],
             "extensions": [{"days": e.days, "reason": e.reason, "actor": e.actor, "at": e.at}
                            for e in extensions if e.deadline_id == d.id]}
            for d in case.deadlines]


def audit_uploads(uow: UnitOfWork, case_no: str) -> list[dict]:
    """The materials of any case, for auditors (read-only, every department)."""
    case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).first()
    if case is None:
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    return _uploads(uow, case)


def audit_upload_file(runtime, uow: UnitOfWork, upload_id: int) -> tuple[dict, bytes]:
    """An uploaded file of any case, for auditors: its metadata and bytes (checked against their hash)."""
    upload = uow.session.get(Upload, upload_id)
    if upload is None:
        raise NotFound(f"材料不存在 / no upload {upload_id}")
    return _upload_bytes(runtime, upload)


def _upload_bytes(runtime, upload: Upload) -> tuple[dict, bytes]:
    try:
        data = read_blob(runtime, upload.sha256, area="uploads")
    except (FileNotFoundError, BlobMissing):
        raise NotFound(f"材料文件缺失 / the file of upload {upload.id} is missing") from None
    return {"filename": upload.filename, "content_type": upload.content_type, "size": upload.size,
            "sha256": upload.sha256}, data


def upload_file(runtime, uow: UnitOfWork, upload_id: int, actor: Actor) -> tuple[dict, bytes]:
    """An uploaded file of the actor's department: its metadata and bytes (checked against their hash)."""
    department = require_desk(actor)
    upload = uow.session.get(Upload, upload_id)
    authority = None if upload is None else uow.session.scalar(
        select(Record.authority_code).where(Record.id == upload.record_id))
    if upload is None or authority != department:
        raise NotFound(f"材料不存在 / no upload {upload_id}")
    try:
        data = read_blob(runtime, upload.sha256, area="uploads")
    except (FileNotFoundError, BlobMissing):
        raise NotFound(f"材料文件缺失 / the file of upload {upload_id} is missing") from None
    return {"filename": upload.filename, "content_type": upload.content_type, "size": upload.size}, data

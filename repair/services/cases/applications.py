"""What an enterprise does online to its applications: apply with uploads and contact, answer a request
for supplements, withdraw.

Every function is scoped to the actor: another enterprise's record or case is `NotFound`, never visible.
The portal's pages are read by `repair.readmodels.portal`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, insert, select, update

from repair.domain.actors import Actor
from repair.errors import NotFound, ValidationError
from repair.services.cases.history import utc_naive
from repair.services.cases.verbs import fire, submit_application
from repair.services.documents.uploads import IncomingFile, add_uploads
from repair.services.exchange.prefill import check_contact
from repair.services.jobs.steps import check_after_step, produce_documents
from repair.store.contact_models import ApplicationContact
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork
from repair.store.upload_models import Upload

COMMITMENT_REQUIRED = "请阅读信用修复承诺书并勾选“本单位已阅读并同意上述信用承诺” / the credit commitment must be accepted"


# Paired delivery (两书同达) also opens a case on the record, but it is not an application.
NOT_APPLICATION = "paired_delivery"


def apply(runtime, record_id: int, actor: Actor, *, now: datetime, commitment_signed: bool,
          contact: dict[str, str], files: list[IncomingFile]) -> dict:
    """Submit an application with its uploads and contact details in one transaction, then produce documents.

    Returns {"case_no", "documents": [ids], "uploads": n, "unfinished": [messages]}; raises ValidationError,
    NotEligible or NotFound. Documents that fail to render stay reserved (`produce_pending` finishes them).
    """
    if not commitment_signed:
        raise ValidationError(COMMITMENT_REQUIRED, "commitment")
    values = check_contact(contact)
    with runtime.uow() as uow:
        record = uow.session.get(Record, record_id)
        if record is None or not actor.in_scope(record.authority_code, record.uscc):
            raise NotFound(f"记录不存在 / no record {record_id}")
        uploads = add_uploads(runtime, uow, files, record_id=record_id, uscc=record.uscc,
                              purpose="application", actor=actor, now=now)
        _link_when_case_commits(uow, record_id=record_id, upload_ids=[u.id for u in uploads], values=values,
                                actor=actor, now=now)
        case = submit_application(runtime, uow, record_id=record_id, actor=actor, now=now,
                                  commitment_signed=True, reason=values["reason"])
    return {"case_no": case.case_no, "documents": list(case.documents), "uploads": len(uploads),
            "unfinished": produce_documents(runtime, case.documents, now=now)}


def _link_when_case_commits(uow: UnitOfWork, *, record_id: int, upload_ids: list[int], values: dict,
                            actor: Actor, now: datetime) -> None:
    # submit_application commits by itself; hooking its commit links the uploads and the contact to the
    # new case inside that same transaction, so no case exists without them (nor they without it).
    def link(session) -> None:
        case_id = session.scalar(select(Case.id).where(Case.record_id == record_id, Case.is_open.is_(True),
                                                       Case.workflow != NOT_APPLICATION,
                                                       Case.applicant == actor.username)
                                 .order_by(Case.id.desc()).limit(1))
        if case_id is None:
            return
        if upload_ids:
            session.execute(update(Upload).where(Upload.id.in_(upload_ids)).values(case_id=case_id))
        session.execute(insert(ApplicationContact).values(
            case_id=case_id, handler_name=values["handler_name"], handler_phone=values["handler_phone"],
            recorded_by=actor.username, recorded_at=utc_naive(now)))

    event.listen(uow.session, "before_commit", link, once=True)


def case_in_scope(uow: UnitOfWork, case_no: str, actor: Actor) -> Case:
    """The enterprise's own application case; another's case, or a paired delivery, is NotFound."""
    case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
    if (case is None or case.workflow == NOT_APPLICATION
            or not actor.in_scope(case.department_code, case.uscc)):
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    return case


def answer_supplement(runtime, case_no: str, actor: Actor, *, now: datetime, files: list[IncomingFile],
                      note: str | None = None, expected_version: int | None = None) -> dict:
    """Store the supplementary materials and fire `supply`, in one transaction."""
    with runtime.uow() as uow:
        case = case_in_scope(uow, case_no, actor)
        record_id, uscc, case_id = case.record_id, case.uscc, case.id
        if not any(f.filename or f.data for f in files):
            raise ValidationError("请上传补正材料 / upload at least one file", "files")
        uploads = add_uploads(runtime, uow, files, record_id=record_id, uscc=uscc, purpose="supplement",
                              actor=actor, now=now, case_id=case_id)
        result = fire(runtime, uow, case_no, "supply", actor=actor, now=now,
                      reason=(note or "").strip() or None, expected_version=expected_version)
    checked = check_after_step(runtime, result, now)  # the automatic fulfilment check, after the step committed
    return {"case_no": case_no, "state": checked.state if checked else result.to_state, "uploads": len(uploads),
            "unfinished": produce_documents(runtime, result.documents, now=now)}


def withdraw(runtime, case_no: str, actor: Actor, *, now: datetime, reason: str,
             expected_version: int | None = None) -> dict:
    """Withdraw the application (撤回申请) with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写撤回理由 / a reason is required to withdraw", "reason")
    if len(reason) > 500:
        raise ValidationError("撤回理由不能超过 500 个字 / reason is longer than 500 characters", "reason")
    with runtime.uow() as uow:
        case_in_scope(uow, case_no, actor)
        result = fire(runtime, uow, case_no, "withdraw", actor=actor, now=now, reason=reason,
                      expected_version=expected_version)
    return {"case_no": case_no, "state": result.to_state,
            "unfinished": produce_documents(runtime, result.documents, now=now)}

"""两书同达: prepare, seal and serve a penalty decision together with its credit-repair rights notice.

Preparing is resumable: each step is its own transaction and a rerun continues where a crash left off,
so a record never gets two deliveries or two rights notices. Both documents are issued in the formats asked
for (default REPAIR_DOCUMENT_FORMATS): always the sealed PDF, and with "ofd" also the SM2-sealed OFD; a rerun
with "ofd" adds the OFD to a delivery prepared earlier as PDF only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from repair.domain.actors import Actor
from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.services.cases.facts import PAIRED_KINDS
from repair.services.cases.history import utc_naive
from repair.services.cases.verbs import fire, local_date, open_case
from repair.services.documents.issuing import FORMATS, document_file, produce_ofd, produce_pending
from repair.services.jobs.queue import mode as jobs_mode
from repair.services.jobs.steps import produce_documents
from repair.store.document_models import Delivery, Document
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork

WORKFLOW = "paired_delivery"
NEXT_STEP = {"drafting": "prepare", "decision_prepared": "attach_notice"}
SERVE_TRIGGERS = {"on_spot": "serve_on_spot", "postal": "serve_by_post", "electronic": "serve_electronic"}


@dataclass(frozen=True)
class DeliveryView:
    """A delivery as plain data."""

    decision_no: str
    case_no: str
    state: str
    documents: dict  # kind -> {"id", "doc_no", "status", "sha256", "ofd_sha256", "version"}
    method: str | None
    served_on: str | None
    acknowledged_at: str | None
    due: str | None


def find_record(uow: UnitOfWork, decision_no: str, authority: str | None = None) -> Record:
    """The penalty record with this decision number (the authority disambiguates)."""
    query = select(Record).where(Record.decision_no == decision_no)
    if authority:
        query = query.where(Record.authority_code == authority)
    records = list(uow.session.scalars(query))
    if not records:
        raise NotFound(f"没有文号为 {decision_no} 的处罚记录 / no record with decision number {decision_no}")
    if len(records) > 1:
        raise ValidationError(f"多个部门有文号 {decision_no}，请用 --authority 指定 / ambiguous: give the authority",
                              "authority")
    if records[0].kind != "administrative_penalty":
        raise ValidationError("两书同达只适用于行政处罚决定 / paired delivery is for penalty decisions", "decision_no")
    return records[0]


def prepare(runtime, *, decision_no: str, actor: Actor, now: datetime, authority: str | None = None,
            formats: tuple[str, ...] | None = None) -> DeliveryView:
    """Create (or resume) the delivery of a penalty decision: both documents numbered, rendered and sealed
    in `formats` (default REPAIR_DOCUMENT_FORMATS; the PDF is always made, it is the documents' record)."""
    formats = runtime.settings.document_formats if formats is None else _checked(formats)
    case_no = _delivery_case(runtime, decision_no, authority, actor, now)
    for _ in range(len(NEXT_STEP)):
        with runtime.uow(read_only=True) as uow:
            state = uow.session.scalar(select(Case.state).where(Case.case_no == case_no))
        if state not in NEXT_STEP:
            break
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, NEXT_STEP[state], actor=actor, now=now)
    with runtime.uow(read_only=True) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
        reserved = list(uow.session.scalars(select(Document.id).where(Document.case_id == case_id,
                                                                       Document.status == "reserved")
                                            .order_by(Document.id)))
    if jobs_mode(runtime) == "queue":  # a web node on PostgreSQL: the workers render and seal the pair
        produce_documents(runtime, reserved, now=now)
        return view(runtime, decision_no, authority)
    produce_pending(runtime, now=now, case_id=case_id, formats=formats)
    if "ofd" in formats:  # documents sealed by an earlier run without OFD get it now
        for info in view(runtime, decision_no, authority).documents.values():
            if info["ofd_sha256"] is None:
                produce_ofd(runtime, info["id"], now=now)
    return view(runtime, decision_no, authority)


def _checked(formats) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValidationError(f"文书格式无效 / formats must be pdf and/or ofd, got {', '.join(formats) or '-'}",
                              "format")
    return tuple(f for f in FORMATS if f in formats)


def _delivery_case(runtime, decision_no, authority, actor, now) -> str:
    with runtime.uow() as uow:
        record = find_record(uow, decision_no, authority)
        existing = uow.session.scalar(select(Case.case_no).join(Delivery, Delivery.case_id == Case.id)
                                      .where(Delivery.record_id == record.id))
        if existing:
            return existing
        wf = runtime.workflows.named(WORKFLOW)
        preparers = next(t.roles for t in wf.transitions if t.trigger == NEXT_STEP[wf.initial])
        if actor.role not in preparers or not actor.in_scope(record.authority_code, record.uscc):
            raise TransitionRefused("只有作出处罚的部门可以制作两书 / only the deciding department prepares them",
                                    ["scope" if actor.role in preparers else "role"])
        case = open_case(runtime, uow, record=record, wf=wf, actor=actor, now=now, trigger="open",
                         payload={"record": record.decision_no})
        uow.session.add(Delivery(record_id=record.id, case_id=case.id, created_at=utc_naive(now)))
        try:
            uow.commit()
        except IntegrityError:  # another process opened it first: use theirs
            uow.session.rollback()
            return _delivery_case(runtime, decision_no, authority, actor, now)
        return case.case_no


def serve(runtime, *, decision_no: str, method: str, actor: Actor, now: datetime, authority: str | None = None,
          party_absent: bool = False, electronic_consent: bool = False) -> DeliveryView:
    """Serve both documents: on the spot, or (the party absent) by post or electronically with consent."""
    if method not in SERVE_TRIGGERS and method != "acknowledge":
        raise ValidationError(f"送达方式无效 / invalid method {method!r} (on_spot, postal, electronic)", "method")
    with runtime.uow() as uow:
        record = find_record(uow, decision_no, authority)
        delivery = uow.session.scalar(select(Delivery).where(Delivery.record_id == record.id))
        if delivery is None:
            raise NotFound(f"{decision_no} 尚未制作两书 / no delivery prepared for {decision_no}")
        if electronic_consent and not delivery.electronic_consent:
            delivery.electronic_consent = True
            uow.commit()
        case_no = uow.session.scalar(select(Case.case_no).where(Case.id == delivery.case_id))
    if party_absent:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "party_absent", actor=actor, now=now)
        if method == "on_spot":
            return view(runtime, decision_no, authority)
    trigger = "acknowledge" if method == "acknowledge" else SERVE_TRIGGERS[method]
    with runtime.uow() as uow:
        fire(runtime, uow, case_no, trigger, actor=actor, now=now)
    with runtime.uow() as uow:
        delivery = uow.session.scalar(select(Delivery).where(Delivery.record_id == record.id))
        today = local_date(now)
        delivery.method = delivery.method or ("on_spot" if method == "on_spot" else method)
        delivery.served_on = today
        if method in ("on_spot", "acknowledge"):
            delivery.acknowledged_at, delivery.acknowledged_by = utc_naive(now), actor.username
        for document in _documents(uow, delivery.case_id).values():
            document.served_on = today
        uow.commit()
    return view(runtime, decision_no, authority)


def view(runtime, decision_no: str, authority: str | None = None) -> DeliveryView:
    """The delivery of a decision as plain data."""
    with runtime.uow(read_only=True) as uow:
        record = find_record(uow, decision_no, authority)
        delivery = uow.session.scalar(select(Delivery).where(Delivery.record_id == record.id))
        if delivery is None:
            raise NotFound(f"{decision_no} 尚未制作两书 / no delivery prepared for {decision_no}")
        case = uow.session.get(Case, delivery.case_id)
        documents = {kind: {"id": d.id, "doc_no": d.doc_no, "status": d.status, "sha256": d.sha256,
                            "ofd_sha256": d.ofd_sha256, "version": d.version}
                     for kind, d in _documents(uow, delivery.case_id).items()}
        return DeliveryView(decision_no=record.decision_no, case_no=case.case_no, state=case.state,
                            documents=documents, method=delivery.method,
                            served_on=delivery.served_on.isoformat() if delivery.served_on else None,
                            acknowledged_at=delivery.acknowledged_at.isoformat() if delivery.acknowledged_at else None,
                            due=case.due.isoformat() if case.due else None)


def write_pdfs(runtime, delivery: DeliveryView, out_dir: Path) -> list[Path]:
    """Copy both sealed PDFs of a delivery into `out_dir`."""
    return write_files(runtime, delivery, out_dir, ("pdf",))


def write_files(runtime, delivery: DeliveryView, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    """Copy both sealed documents of a delivery into `out_dir`, one file per format (`<no>-<kind>.pdf|.ofd`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    safe = "".join(c if c.isalnum() else "_" for c in delivery.decision_no)
    for kind in PAIRED_KINDS:
        info = delivery.documents.get(kind)
        for fmt in formats:
            if info is None or info["ofd_sha256" if fmt == "ofd" else "sha256"] is None:
                continue
            _document, data = document_file(runtime, info["id"], fmt)
            target = out_dir / f"{safe}-{kind}.{fmt}"
            target.write_bytes(data)
            written.append(target)
    return written


def _documents(uow: UnitOfWork, case_id: int) -> dict[str, Document]:
    rows = uow.session.scalars(select(Document).where(Document.case_id == case_id, Document.kind.in_(PAIRED_KINDS))
                               .order_by(Document.kind, Document.version))
    return {d.kind: d for d in rows}


def list_for_department(runtime, department: str, *, limit: int = 50, offset: int = 0) -> list[dict]:
    """The department's deliveries, newest first (one page)."""
    with runtime.uow(read_only=True) as uow:
        rows = uow.session.execute(
            select(Record.decision_no, Record.party_name, Case.case_no, Case.state, Case.due, Delivery.method,
                   Delivery.served_on)
            .join(Delivery, Delivery.record_id == Record.id).join(Case, Case.id == Delivery.case_id)
            .where(Record.authority_code == department).order_by(Delivery.id.desc()).limit(limit).offset(offset)
        ).all()
    return [dict(row._mapping) for row in rows]

"""Official documents: numbers reserved in the case's transaction, PDFs rendered and sealed outside it.

A number is taken from a gapless per-department, per-year counter in the same transaction as the
workflow step that needs the letter, so a number is never lost or given twice. Rendering and sealing
(~0.2 s) happen afterwards without holding the database; a crash in between leaves a `reserved`
document that `produce_pending` finishes later. Stored PDFs are addressed by SHA-256 and never change;
a correction is a new version linked to the old one.

Formats (REPAIR_DOCUMENT_FORMATS, or a caller's `formats`): the PDF is every document's record (number, status,
service, audit); with "ofd" the same layout is also written as OFD (GB/T 33190) and sealed by the department's
SM2 seal (GB/T 38540), stored through the same blob helpers under `ofd_sha256`. `produce_ofd` adds the OFD to a
document produced earlier without one (from its frozen context, so the text is the same).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import bindparam, insert, select

from repair.blobs import FileStore
from repair.errors import NotFound, ValidationError
from repair.services.calendar.overrides import calendar_for
from repair.services.cases.history import utc_naive
from repair.services.documents.letter_context import SERIES, LetterFacts, build_context, department_profile
from repair.store.counters import next_value
from repair.store.document_models import Document
from repair.store.models import Case, Department, Record
from repair.store.uow import UnitOfWork

TITLES = {"penalty_decision": "行政处罚决定书", "rights_notice": "信用修复权益告知书",
          "application_form": "信用修复申请书", "commitment_letter": "信用修复承诺书",
          "acceptance_notice": "受理通知书", "refusal_notice": "不予受理通知书", "supplement_notice": "补正通知书",
          "repair_decision": "信用修复决定书"}
# Documents the applicant signs: rendered for them, never sealed by the authority.
APPLICANT_DOCUMENTS = ("application_form", "commitment_letter")
# A reserved document's context holds only what the step decided (date, reason, outcome) under this key.
PARAMS = "$params"
FORMATS = ("pdf", "ofd")


_PREFIX = select(Department.doc_prefix, Department.code).where(Department.code == bindparam("code"))
_INSERT_DOCUMENT = insert(Document.__table__).returning(Document.__table__.c.id)


def document_number(uow: UnitOfWork, department_code: str, kind: str, year: int) -> str:
    """The next number of the department's series for the year, e.g. 沪浦发改信修〔2026〕12号."""
    prefix, code = uow.connection.execute(_PREFIX, {"code": department_code}).one()
    number = next_value(uow, f"doc:{code}:{year}")
    return f"{prefix or code}{SERIES.get(kind, '信')}〔{year}〕{number}号"


def reserve_document(uow: UnitOfWork, *, kind: str, record_id: int, department_code: str, decision_no: str | None,
                     case_id: int | None, actor: str, now: datetime, issued_on: date, reason: str | None = None,
                     granted: bool | None = None) -> int:
    """Number a document in the caller's transaction; its content is built and rendered by `produce`."""
    if kind in APPLICANT_DOCUMENTS:
        doc_no = None
    elif kind == "penalty_decision":
        doc_no = decision_no
    else:
        doc_no = document_number(uow, department_code, kind, issued_on.year)
    title = TITLES[kind] if granted is None else f"{'准予' if granted else '不予'}{TITLES[kind]}"
    params = {"issued_on": issued_on.isoformat(), "reason": reason, "granted": granted}
    return uow.connection.execute(_INSERT_DOCUMENT, {
        "kind": kind, "title": title, "doc_no": doc_no, "version": 1, "supersedes_id": None,
        "department_code": department_code, "record_id": record_id, "case_id": case_id, "status": "reserved",
        "context": {PARAMS: params}, "note": "", "created_at": utc_naive(now), "created_by": actor,
    }).scalar_one()


def _context_for(runtime, document: Document) -> dict:
    """The document's frozen context, built from today's data for a fresh reservation."""
    if PARAMS not in document.context:
        return _dated(document.context)
    params = document.context[PARAMS]
    with runtime.uow(read_only=True) as uow:
        record = uow.session.get(Record, document.record_id)
        case = uow.session.get(Case, document.case_id) if document.case_id else None
        facts = LetterFacts(runtime, uow, record, case)
        return build_context(facts, document.kind, doc_number=document.doc_no,
                             issued_on=date.fromisoformat(params["issued_on"]), reason=params["reason"],
                             granted=params["granted"], calendar=calendar_for(runtime, uow))


def produce(runtime, document_id: int, *, now: datetime, formats: tuple[str, ...] | None = None) -> Document:
    """Build the context, render (and for authority letters seal) a reserved document, store it by hash.

    `formats` (default REPAIR_DOCUMENT_FORMATS): with "ofd" the OFD is made from the same layout and stored in
    the same transaction; a document produced earlier without one gets it from `produce_ofd`.
    """
    from repair.letters import render_pdf
    from repair.seal import seal_pdf

    wants_ofd = "ofd" in _formats(runtime, formats)
    with runtime.uow(read_only=True) as uow:
        document = _get(uow, document_id)
    if document.status != "reserved":
        return produce_ofd(runtime, document_id, now=now) if wants_ofd else document
    context = _context_for(runtime, document)
    kind, dept = document.kind, document.department_code
    rendered = render_pdf(kind, context, letters_dir=runtime.settings.letters_dir)
    sealed = kind not in APPLICANT_DOCUMENTS
    pdf = seal_pdf(rendered, dept, runtime.settings, reason=f"{TITLES[kind]}签章", at=now,
                   seal_text=_seal_text(runtime, dept, kind)) if sealed else rendered.pdf
    ofd = _render_ofd(runtime, document, rendered, now) if wants_ofd else None
    digest = store_blob(runtime, pdf)
    ofd_digest = store_blob(runtime, ofd) if ofd is not None else None
    with runtime.uow() as uow:
        document = _get(uow, document_id)
        if document.status == "reserved":  # another worker may have finished it meanwhile
            document.status = "sealed" if sealed else "rendered"
            document.context = _jsonable(context)
            document.sha256, document.size, document.pages = digest, len(pdf), rendered.page_count
            if ofd is not None:
                document.ofd_sha256, document.ofd_size = ofd_digest, len(ofd)
            if sealed:
                document.signer, document.sealed_at = dept, utc_naive(now)
            uow.commit()
        return document


def produce_ofd(runtime, document_id: int, *, now: datetime) -> Document:
    """Add the OFD (SM2-sealed for authority letters) to a produced document that has none; idempotent."""
    from repair.letters import render_pdf

    with runtime.uow(read_only=True) as uow:
        document = _get(uow, document_id)
    if document.ofd_sha256 is not None or document.status not in ("sealed", "rendered"):
        return document  # a reserved document gets both formats from `produce`; a void one none
    rendered = render_pdf(document.kind, _context_for(runtime, document), letters_dir=runtime.settings.letters_dir)
    ofd = _render_ofd(runtime, document, rendered, now)
    digest = store_blob(runtime, ofd)
    with runtime.uow() as uow:
        document = _get(uow, document_id)
        if document.ofd_sha256 is None:  # another worker may have added it meanwhile
            document.ofd_sha256, document.ofd_size = digest, len(ofd)
            uow.commit()
        return document


def _render_ofd(runtime, document: Document, rendered, now: datetime) -> bytes:
    from repair.ofd import render_ofd

    sealed = document.kind not in APPLICANT_DOCUMENTS
    with runtime.uow(read_only=True) as uow:
        department = uow.session.get(Department, document.department_code)
        author = department_profile(runtime.settings, department).full_name if department else ""
    return render_ofd(rendered, title=document.title, author=author or document.department_code, at=now,
                      dept_code=document.department_code if sealed else None, settings=runtime.settings)


def _formats(runtime, formats: tuple[str, ...] | None) -> tuple[str, ...]:
    return runtime.settings.document_formats if formats is None else formats


def _seal_text(runtime, department_code: str, kind: str) -> str:
    """The configured seal text of the department for this kind of letter (department file)."""
    with runtime.uow(read_only=True) as uow:
        department = uow.session.get(Department, department_code)
        return department_profile(runtime.settings, department).seal_text(kind)


def produce_pending(runtime, *, now: datetime, case_id: int | None = None,
                    formats: tuple[str, ...] | None = None) -> list[Document]:
    """Finish every reserved document (of one case, or all): resumes work a crash interrupted."""
    with runtime.uow(read_only=True) as uow:
        query = select(Document.id).where(Document.status == "reserved").order_by(Document.id)
        if case_id is not None:
            query = query.where(Document.case_id == case_id)
        ids = list(uow.session.scalars(query))
    return [produce(runtime, i, now=now, formats=formats) for i in ids]


def correct_document(runtime, document_id: int, *, changes: dict, reason: str, actor: str,
                     now: datetime) -> Document:
    """Issue a corrected version (same number, version + 1) linked to the old one; the old one stays."""
    if not reason or not reason.strip():
        raise ValidationError("更正必须说明理由 / a correction needs a reason", "reason")
    with runtime.uow() as uow:
        old = _get(uow, document_id)
        if old.status not in ("sealed", "rendered"):
            raise ValidationError(f"文书 {document_id} 尚未制作完成 / document not produced yet", "document")
        latest = uow.session.scalar(select(Document).where(Document.doc_no == old.doc_no, Document.kind == old.kind,
                                                           Document.record_id == old.record_id)
                                    .order_by(Document.version.desc()).limit(1))
        if latest.id != old.id:
            raise ValidationError(f"请更正最新版本（第 {latest.version} 版）/ correct the latest version", "document")
        unknown = set(changes) - set(old.context)
        if unknown:
            raise ValidationError(f"文书没有这些字段 / unknown fields: {', '.join(sorted(unknown))}", "changes")
        new = Document(kind=old.kind, title=old.title, doc_no=old.doc_no, version=old.version + 1,
                       supersedes_id=old.id, department_code=old.department_code, record_id=old.record_id,
                       case_id=old.case_id, status="reserved", context={**old.context, **_jsonable(changes)},
                       note=f"更正：{reason.strip()}", created_at=utc_naive(now), created_by=actor)
        uow.session.add(new)
        uow.commit()
        new_id = new.id
    return produce(runtime, new_id, now=now)


def blob_target(where, area: str = "documents"):
    """The blob store `where` names: a runtime (its configured store for `area`), a store, or a folder.

    A folder means the file store in that folder (callers from before the store interface); services pass
    the runtime so documents and uploads follow REPAIR_BLOB_STORE (files, or PostgreSQL shared by a cluster).
    """
    if isinstance(where, (str, os.PathLike)):
        return FileStore(Path(where))
    if hasattr(where, "settings") and hasattr(where, "engine"):
        from repair.services.cluster.blobs import blob_store

        return blob_store(where, area)
    return where


def store_blob(where, data: bytes, *, area: str = "documents") -> str:
    """Store `data` under its SHA-256 (atomically; an existing blob is never rewritten); returns the digest.

    `where`: the runtime (configured store for `area`: "documents" or "uploads"), a blob store or a folder.
    """
    return blob_target(where, area).put(data)


def read_blob(where, digest: str, *, area: str = "documents") -> bytes:
    """The stored bytes, checked against their address (BlobCorrupt, a ValidationError, if they differ)."""
    return blob_target(where, area).read(digest)


def blob_chunks(where, digest: str, *, area: str = "documents"):
    """The stored bytes chunk by chunk, checked at the end (for streaming large downloads)."""
    from repair.blobs.base import verified_chunks

    return verified_chunks(blob_target(where, area), digest)


def document_pdf(runtime, document_id: int) -> tuple[Document, bytes]:
    """A produced document and its PDF bytes."""
    return document_file(runtime, document_id, "pdf")


def document_file(runtime, document_id: int, fmt: str = "pdf") -> tuple[Document, bytes]:
    """A produced document and its bytes in `fmt` ("pdf" or "ofd"); NotFound when it has no OFD."""
    if fmt not in FORMATS:
        raise ValidationError(f"文书格式无效 / format must be pdf or ofd, got {fmt!r}", "format")
    with runtime.uow(read_only=True) as uow:
        document = _get(uow, document_id)
    if document.sha256 is None:
        raise ValidationError(f"文书 {document_id} 尚未制作完成 / document not produced yet", "document")
    digest = document.sha256 if fmt == "pdf" else document.ofd_sha256
    if digest is None:
        raise NotFound(f"文书 {document_id} 没有 OFD 版本 / document {document_id} has no OFD "
                       "(REPAIR_DOCUMENT_FORMATS, or `repair letters paired … --format ofd`)")
    return document, read_blob(runtime, digest)


def _get(uow: UnitOfWork, document_id: int) -> Document:
    document = uow.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"文书不存在 / no document {document_id}")
    return document


def _jsonable(value):
    """Dates become ISO strings so the context can be stored as JSON (and `_dated` turns them back)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _dated(value):
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
        return {k: _dated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v) for v in value]
    return value


def document_for(runtime, document_id: int, actor, fmt: str = "pdf") -> tuple[Document, bytes]:
    """A document's bytes (PDF or OFD) if `actor` may see it: its department's staff, the enterprise
    concerned, auditors. The permission is checked before anything about the file is revealed."""
    with runtime.uow(read_only=True) as uow:
        document = _get(uow, document_id)
        uscc = uow.session.scalar(select(Record.uscc).where(Record.id == document.record_id))
    allowed = actor.role in ("auditor", "admin") or actor.in_scope(document.department_code, uscc or "")
    if not allowed:
        raise NotFound(f"文书不存在 / no document {document_id}")  # never reveal another party's documents
    return document_file(runtime, document_id, fmt)

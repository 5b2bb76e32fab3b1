"""Read-only views of stored documents."""

from __future__ import annotations

from sqlalchemy import select

from repair.store.document_models import Document
from repair.store.models import Case
from repair.store.uow import UnitOfWork


def document_view(d: Document) -> dict:
    """A document as plain data."""
    return {"id": d.id, "kind": d.kind, "title": d.title, "doc_no": d.doc_no, "version": d.version,
            "supersedes": d.supersedes_id, "status": d.status, "sha256": d.sha256, "ofd_sha256": d.ofd_sha256,
            "pages": d.pages,
            "sealed_at": d.sealed_at.isoformat() if d.sealed_at else None, "note": d.note,
            "served_on": d.served_on.isoformat() if d.served_on else None}


def list_documents(uow: UnitOfWork, *, case_no: str | None = None) -> list[dict]:
    """Every document version, optionally of one case."""
    query = select(Document).order_by(Document.id)
    if case_no:
        query = query.join(Case, Case.id == Document.case_id).where(Case.case_no == case_no)
    return [document_view(d) for d in uow.session.scalars(query)]

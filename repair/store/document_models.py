"""Stored documents (content-addressed, immutable once sealed) and paired deliveries (两书同达)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class Document(Base):
    """One version of an official document. A number is reserved first; the PDF follows; a sealed PDF never changes."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("doc_no", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    doc_no: Mapped[str | None] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # reserved | rendered | sealed | void
    context: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    # The same letter as OFD (GB/T 33190) sealed with SM2 (GB/T 38540), when produced: stored beside the PDF.
    ofd_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    ofd_size: Mapped[int | None] = mapped_column(Integer)
    signer: Mapped[str | None] = mapped_column(String(200))
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime)
    served_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class Delivery(Base):
    """两书同达: the penalty decision and the rights notice served together, tracked by a paired_delivery case.

    Its documents are the case's latest `penalty_decision` and `rights_notice` versions.
    """

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    method: Mapped[str | None] = mapped_column(String(16))  # on_spot | electronic | postal
    electronic_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    served_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)

"""Bookkeeping of data imports: one row per import run, and the history of rows an import changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base
from repair.store.models import Fulfilment


class ImportRun(Base):
    """One import of one file; `last_row` is the count of data rows already committed (resume point)."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_resume", "kind", "file_sha256", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # records | fulfilment
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # running | finished
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_stored: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)


class ImportReject(Base):
    """A refused row of an import run, stored with its batch so a resumed run reports every reject once."""

    __tablename__ = "import_rejects"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class RecordChange(Base):
    """Old and new values of a record (or one of its fulfilment facts) changed by an import or the API."""

    __tablename__ = "record_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    entity: Mapped[str] = mapped_column(String(16))  # record | fulfilment
    entity_id: Mapped[int] = mapped_column(Integer)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    # {field: [old, new]} with dates and amounts as text.
    changes: Mapped[dict] = mapped_column(JSON)


# A fulfilment fact with a reference is idempotent by (record, kind, reference): a payment sent twice
# is one payment, even when two importers or API calls race.
_REFERENCED = text("reference <> ''")
Index("uq_fulfilments_record_id_kind_reference", Fulfilment.record_id, Fulfilment.kind,
      Fulfilment.reference, unique=True, sqlite_where=_REFERENCED, postgresql_where=_REFERENCED)

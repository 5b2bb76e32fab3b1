"""Fulfilment checks of a case and the fulfilment evidence pinned when fulfilment was confirmed.

Both tables are append-only: a later check or pin is a new row, so the desk, the portal and an auditor
can see every automatic check and every evidence set a confirmation relied on. Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class FulfilmentCheck(Base):
    """One automatic fulfilment check of a case in `fulfilment_check` (履行核查), complete or not."""

    __tablename__ = "fulfilment_checks"
    __table_args__ = (Index("ix_fulfilment_checks_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime)
    cause: Mapped[str] = mapped_column(String(40))  # the step or the data arrival that ran the check
    complete: Mapped[bool] = mapped_column(Boolean)
    missing: Mapped[list] = mapped_column(JSON)  # Chinese descriptions of what is still missing
    digest: Mapped[str] = mapped_column(String(64))  # of the fulfilment rows the check saw
    advanced_seq: Mapped[int | None] = mapped_column(Integer)  # the confirm_fulfilment event it fired


class CaseEvidence(Base):
    """The fulfilment rows a confirmation relied on, with their SHA-256 over a canonical serialisation."""

    __tablename__ = "case_evidence"
    __table_args__ = (Index("ix_case_evidence_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    event_seq: Mapped[int] = mapped_column(Integer)  # the confirming event
    pinned_at: Mapped[datetime] = mapped_column(DateTime)
    pinned_by: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list] = mapped_column(JSON)

"""Outbound sync outbox (互认推送) and inbound recognitions of repairs concluded on other portals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class OutboxMessage(Base):
    """One conclusion to deliver to one portal, written in the conclusion's own transaction.

    `message_id` is the idempotency key the portal sees; a worker owns a row while `lease_until` is in the
    future. Times are naive UTC like the case history.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = (UniqueConstraint("case_id", "event_seq", "portal"),
                      Index("ix_sync_outbox_due", "status", "next_attempt_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    portal: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)  # the case event that reached the outcome
    outcome: Mapped[str] = mapped_column(String(16))  # granted | denied | revoked
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8))  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    receipt_id: Mapped[str | None] = mapped_column(String(200))
    receipt_at: Mapped[str | None] = mapped_column(String(40))  # the portal's own acknowledgement time


class Recognition(Base):
    """A repair concluded on another portal and recognised here; the record's history when it has no case."""

    __tablename__ = "recognitions"
    __table_args__ = (UniqueConstraint("source", "reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(100))
    concluded_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    received_by: Mapped[str] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(default=False)  # a local case was still open: its officer must look

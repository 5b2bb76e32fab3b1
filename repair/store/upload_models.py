"""Materials an enterprise uploads (proof of fulfilment, supplements), stored by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class Upload(Base):
    """One uploaded file; its bytes live under instance/uploads/ addressed by `sha256`."""

    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # application | supplement
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)

"""The applicant's contact details for one case, as corrected on the application form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class ApplicationContact(Base):
    """Who handles the application for the enterprise (经办人) and how to reach them."""

    __tablename__ = "application_contacts"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    handler_name: Mapped[str] = mapped_column(String(50))
    handler_phone: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

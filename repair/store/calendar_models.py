"""Official whole-year calendar schedules loaded by an administrator (years `chinese_calendar` lacks)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class CalendarOfficialYear(Base):
    """A year whose official schedule was loaded: the year is no longer provisional."""

    __tablename__ = "calendar_official_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    days: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    loaded_by: Mapped[str] = mapped_column(String(64))


class CalendarOfficialDay(Base):
    """A holiday or make-up working day of a loaded official schedule (replaced with its year's schedule)."""

    __tablename__ = "calendar_official_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))

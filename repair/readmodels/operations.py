"""Figures for /metrics: open and overdue stage clocks per department, the sync backlog (reads only)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import case as when, func, select

from repair.store.models import Case, Deadline
from repair.store.sync_models import OutboxMessage

OPEN = ("running", "paused")


def clock_counts(runtime, today: date) -> list[dict]:
    """Per department: stage clocks running or paused, and running clocks past their due date."""
    overdue = func.sum(when(((Deadline.status == "running") & (Deadline.due < today), 1), else_=0))
    query = (select(Case.department_code, func.count(Deadline.id), overdue)
             .join(Case, Case.id == Deadline.case_id).where(Deadline.status.in_(OPEN))
             .group_by(Case.department_code).order_by(Case.department_code))
    with runtime.uow(read_only=True) as uow:
        return [{"department": d, "open": n, "overdue": int(late or 0)} for d, n, late in uow.session.execute(query)]


def sync_backlog(runtime) -> list[dict]:
    """Per portal and status (pending, dead): messages not delivered, and the age of the oldest in seconds."""
    query = (select(OutboxMessage.portal, OutboxMessage.status, func.count(OutboxMessage.id),
                    func.min(OutboxMessage.created_at))
             .where(OutboxMessage.status != "sent").group_by(OutboxMessage.portal, OutboxMessage.status)
             .order_by(OutboxMessage.portal, OutboxMessage.status))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with runtime.uow(read_only=True) as uow:
        return [{"portal": p, "status": s, "count": n,
                 "oldest_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0}
                for p, s, n, oldest in uow.session.execute(query)]

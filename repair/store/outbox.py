"""The outbox table's statements: enqueue, find due rows, claim with a lease, record the result.

A claim is one conditional UPDATE checked by its rowcount, so two workers (threads, processes or app
servers; SQLite or PostgreSQL) never hold the same message at once. Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from repair.store.models import Case, Deadline
from repair.store.sync_models import OutboxMessage as M
from repair.store.uow import UnitOfWork

OPEN_DEADLINE = ("running", "paused")


def enqueue(uow: UnitOfWork, rows: list[dict]) -> None:
    """Insert new pending messages (inside the caller's transaction)."""
    if rows:
        uow.connection.execute(insert(M), rows)


def due_ids(uow: UnitOfWork, now: datetime, *, portals: list[str], limit: int) -> list[int]:
    """Pending, unleased messages due by `now`, oldest first, skipping any queued behind an unsent
    earlier message of the same case and portal (a revocation never overtakes its grant)."""
    earlier = aliased(M)
    blocked = exists().where(earlier.case_id == M.case_id, earlier.portal == M.portal, earlier.id < M.id,
                             earlier.status != "sent")
    query = (select(M.id).where(M.status == "pending", M.next_attempt_at <= now, M.portal.in_(portals),
                                or_(M.lease_until.is_(None), M.lease_until < now), ~blocked)
             .order_by(M.id).limit(limit))
    return list(uow.session.scalars(query))


def claim(uow: UnitOfWork, message_id: int, *, worker: str, now: datetime, lease_until: datetime) -> bool:
    """Take the message for `worker` until `lease_until` if nobody holds it; counts the attempt."""
    result = uow.connection.execute(
        update(M).where(M.id == message_id, M.status == "pending", M.next_attempt_at <= now,
                        or_(M.lease_until.is_(None), M.lease_until < now))
        .values(lease_until=lease_until, claimed_by=worker, attempts=M.attempts + 1))
    return result.rowcount == 1


def load(uow: UnitOfWork, message_id: int) -> dict:
    """One outbox row as a dict."""
    row = uow.connection.execute(select(M.__table__).where(M.id == message_id)).one()
    return dict(row._mapping)


def set_error(uow: UnitOfWork, message_id: int, error: str) -> None:
    """Note why the message is where it is (e.g. the previous attempt was interrupted)."""
    uow.connection.execute(update(M).where(M.id == message_id).values(last_error=error[:2000]))


def set_payload(uow: UnitOfWork, message_id: int, payload: dict) -> None:
    """Complete a payload before sending (e.g. the sealed decision's digest once it exists)."""
    uow.connection.execute(update(M).where(M.id == message_id).values(payload=payload))


def mark_sent(uow: UnitOfWork, message_id: int, *, worker: str, now: datetime, receipt_id: str,
              receipt_at: str | None) -> bool:
    """Record the portal's receipt; False if this worker's lease was lost meanwhile."""
    result = uow.connection.execute(
        update(M).where(M.id == message_id, M.claimed_by == worker, M.status == "pending")
        .values(status="sent", sent_at=now, receipt_id=receipt_id, receipt_at=receipt_at, lease_until=None))
    return result.rowcount == 1


def mark_failed(uow: UnitOfWork, message_id: int, *, worker: str, error: str, next_attempt_at: datetime,
                dead: bool) -> bool:
    """Record a failed attempt: back to pending at `next_attempt_at`, or dead."""
    result = uow.connection.execute(
        update(M).where(M.id == message_id, M.claimed_by == worker, M.status == "pending")
        .values(status="dead" if dead else "pending", last_error=error[:2000],
                next_attempt_at=next_attempt_at, lease_until=None))
    return result.rowcount == 1


def requeue(uow: UnitOfWork, message_id: int, *, now: datetime, note: str) -> bool:
    """Put a dead message back in the queue with a fresh attempt budget."""
    result = uow.connection.execute(
        update(M).where(M.id == message_id, M.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None, claimed_by=None,
                last_error=func.coalesce(M.last_error, "") + note))
    return result.rowcount == 1


def messages(uow: UnitOfWork, *, status: str | None = None, case_no: str | None = None,
             portal: str | None = None) -> list[dict]:
    """Outbox rows with their case numbers, oldest first."""
    query = select(M.__table__, Case.case_no).join(Case, Case.id == M.case_id).order_by(M.id)
    for column, value in ((M.status, status), (Case.case_no, case_no), (M.portal, portal)):
        if value is not None:
            query = query.where(column == value)
    return [dict(row._mapping) for row in uow.connection.execute(query)]


def cases_to_confirm(uow: UnitOfWork) -> list[tuple[str, int]]:
    """(case_no, version) of cases whose sharing clock runs while every message has been acknowledged."""
    unsent = exists().where(M.case_id == Case.id, M.status != "sent")
    sharing = exists().where(Deadline.case_id == Case.id, Deadline.stage == "sharing",
                             Deadline.status.in_(OPEN_DEADLINE))
    query = (select(Case.case_no, Case.version).where(exists().where(M.case_id == Case.id), ~unsent, sharing)
             .order_by(Case.id))
    return [(row.case_no, row.version) for row in uow.session.execute(query)]


def latest_per_case(uow: UnitOfWork, portal: str, since: datetime | None) -> list[dict]:
    """Our latest conclusion per case for one portal (what the portal should show)."""
    newest = (select(M.case_id, func.max(M.id).label("id")).where(M.portal == portal)
              .group_by(M.case_id).subquery())
    query = (select(M.message_id, M.outcome, M.status, M.created_at, Case.case_no)
             .join(newest, and_(newest.c.id == M.id)).join(Case, Case.id == M.case_id).order_by(M.id))
    if since is not None:
        query = query.where(M.created_at >= since)
    return [dict(row._mapping) for row in uow.connection.execute(query)]

"""Loading a case for one firing and writing back exactly what changed, with explicit statements.

The firing path is the engine's hot path: a case row (locked), its open deadlines, then a version-checked
UPDATE of the case, the changed deadlines, the chained event and the suspension/extension rows.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import bindparam, insert, select, update

from repair.domain.casefile import (
    CaseState,
    ClockEffect,
    DeadlineState,
    ExtensionGranted,
    SuspensionEnded,
    SuspensionStarted,
)
from repair.domain.history import utc_naive
from repair.errors import ConcurrencyConflict, NotFound
from repair.store.models import Base
from repair.store.uow import UnitOfWork

T = Base.metadata.tables
CASES, DEADLINES, EVENTS = T["cases"], T["deadlines"], T["case_events"]
SUSPENSIONS, EXTENSIONS, RECORDS = T["deadline_suspensions"], T["deadline_extensions"], T["records"]

CASE_COLUMNS = [f.name for f in fields(CaseState) if f.name not in ("deadlines", "documents")]
# days_used is set only when a clock is met (by the UPDATE): open clocks, loaded or inserted, have none.
DEADLINE_COLUMNS = [f.name for f in fields(DeadlineState) if f.name not in ("dirty", "days_used")]
OPEN = ("running", "paused")

_LOAD_CASE = select(*(CASES.c[name] for name in CASE_COLUMNS)).where(CASES.c.case_no == bindparam("case_no"))
_LOAD_CASE_LOCKED = _LOAD_CASE.with_for_update()
_LOAD_OPEN_DEADLINES = (select(*(DEADLINES.c[name] for name in DEADLINE_COLUMNS))
                        .where(DEADLINES.c.case_id == bindparam("case_id"), DEADLINES.c.status.in_(OPEN))
                        .order_by(DEADLINES.c.id))
_MOVE_CASE = (update(CASES).where(CASES.c.id == bindparam("b_id"), CASES.c.version == bindparam("b_version"))
              .values(state=bindparam("state"), version=bindparam("version"), is_open=bindparam("is_open"),
                      due=bindparam("due"), head_hash=bindparam("head_hash"),
                      event_count=bindparam("event_count"), updated_at=bindparam("updated_at")))
_DEADLINE_WRITABLE = ("due", "provisional", "derivation", "status", "paused_days", "extended_days",
                      "paused_since", "met_on", "days_used")
_UPDATE_DEADLINE = (update(DEADLINES).where(DEADLINES.c.id == bindparam("b_id"))
                    .values(**{name: bindparam(name) for name in _DEADLINE_WRITABLE}))
_INSERT_CASE = insert(CASES).returning(CASES.c.id)
_INSERT_DEADLINE = insert(DEADLINES).returning(DEADLINES.c.id)
_INSERT_SUSPENSION = insert(SUSPENSIONS)
_INSERT_EXTENSION = insert(EXTENSIONS)
_INSERT_EVENT = insert(EVENTS)
_END_SUSPENSION = (update(SUSPENSIONS).where(SUSPENSIONS.c.deadline_id == bindparam("b_deadline"),
                                             SUSPENSIONS.c.ended_on.is_(None))
                   .values(ended_on=bindparam("ended_on"), workdays=bindparam("workdays")))


def load_case(uow: UnitOfWork, case_no: str, *, for_update: bool = True) -> CaseState:
    """The case (row-locked on PostgreSQL) with its open deadlines, or NotFound."""
    statement = _LOAD_CASE_LOCKED if for_update and uow.dialect == "postgresql" else _LOAD_CASE
    connection = uow.connection
    row = connection.execute(statement, {"case_no": case_no}).first()
    if row is None:
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    case = CaseState(**row._mapping)
    case.deadlines = [DeadlineState(**r._mapping)
                      for r in connection.execute(_LOAD_OPEN_DEADLINES, {"case_id": case.id})]
    return case


def insert_case(uow: UnitOfWork, case: CaseState, *, created_at) -> None:
    """Insert a new case row and set its id."""
    values = {name: getattr(case, name) for name in CASE_COLUMNS if name != "id"}
    case.id = uow.connection.execute(
        _INSERT_CASE, {**values, "created_at": created_at, "updated_at": created_at}).scalar_one()


def save_case(uow: UnitOfWork, case: CaseState, *, expected_version: int, updated_at) -> None:
    """Write the case's moving parts if nobody changed it since it was loaded (else ConcurrencyConflict)."""
    result = uow.connection.execute(_MOVE_CASE, {
        "b_id": case.id, "b_version": expected_version, "state": case.state, "version": case.version,
        "is_open": case.is_open, "due": case.due, "head_hash": case.head_hash, "event_count": case.event_count,
        "updated_at": updated_at,
    })
    if result.rowcount != 1:
        raise ConcurrencyConflict("案件已被他人同时修改，请刷新后重试 / the case was changed concurrently; reload and retry")


def save_deadlines(uow: UnitOfWork, case: CaseState, effects: list[ClockEffect]) -> None:
    """Insert new deadlines, update changed ones, then write suspension and extension rows."""
    connection = uow.connection
    for deadline in case.deadlines:
        if deadline.id is None:
            values = {name: getattr(deadline, name) for name in DEADLINE_COLUMNS if name != "id"}
            deadline.id = connection.execute(_INSERT_DEADLINE, {**values, "case_id": case.id}).scalar_one()
            deadline.dirty = False
    changed = [{"b_id": d.id, **{name: getattr(d, name) for name in _DEADLINE_WRITABLE}}
               for d in case.deadlines if d.dirty]
    if changed:
        connection.execute(_UPDATE_DEADLINE, changed)
    started = [{"deadline_id": e.deadline.id, "started_on": e.started_on, "reason": e.reason, "actor": e.actor}
               for e in effects if isinstance(e, SuspensionStarted)]
    ended = [{"b_deadline": e.deadline.id, "ended_on": e.ended_on, "workdays": e.workdays}
             for e in effects if isinstance(e, SuspensionEnded)]
    extended = [{"deadline_id": e.deadline.id, "days": e.days, "reason": e.reason, "actor": e.actor,
                 "at": utc_naive(e.at)} for e in effects if isinstance(e, ExtensionGranted)]
    for statement, rows in ((_INSERT_SUSPENSION, started), (_END_SUSPENSION, ended), (_INSERT_EXTENSION, extended)):
        if rows:
            connection.execute(statement, rows)


def insert_event(uow: UnitOfWork, values: dict) -> None:
    """Append one history row (its (case_id, seq) is unique: a lost race fails here)."""
    uow.connection.execute(_INSERT_EVENT, values)


def set_record_status(uow: UnitOfWork, record_id: int, status: str, updated_at) -> None:
    """Publication stops (repaired) or resumes (published) with the case's outcome."""
    uow.connection.execute(update(RECORDS).where(RECORDS.c.id == record_id)
                           .values(status=status, updated_at=updated_at))


def open_case_numbers_spanning(uow: UnitOfWork, first, last) -> list[str]:
    """Case numbers with an open working-day deadline whose span (started_on, due] meets [first, last]
    (the deadlines a calendar change between those days can move)."""
    query = (select(CASES.c.case_no).join(DEADLINES, DEADLINES.c.case_id == CASES.c.id)
             .where(DEADLINES.c.status.in_(OPEN), DEADLINES.c.unit == "workdays",
                    DEADLINES.c.started_on < last, DEADLINES.c.due >= first)
             .distinct().order_by(CASES.c.case_no))
    return list(uow.connection.scalars(query))


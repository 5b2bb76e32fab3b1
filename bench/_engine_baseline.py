"""The baseline of `bench/engine.py`: the statements the engine sends for one firing, through SQLAlchemy Core.

No session, no pytransitions, no workflow: the states, the clock stages that pause and the new due dates
and derivations are precomputed (outside the timed loop) by `prepare_supply`. What stays per firing is
what any hand-written implementation must do: read the case and its open deadlines, hash the chained
event (same SHA-256 over the same canonical JSON), write, check the version, commit. The statements are
written out here rather than imported from `repair.store.case_repo`, so that `bench/engine.py`'s
comparison of the statement texts both sides send is a real check.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from repair.calendar import WorkCalendar
from repair.domain.clocks import compute_due
from repair.domain.history import EventFacts, chain_hash
from repair.services.cases.history import utc_naive
from repair.store.db import is_sqlite
from repair.store.models import Base

T = Base.metadata.tables
CASES, DEADLINES, EVENTS = T["cases"], T["deadlines"], T["case_events"]
SUSPENSIONS, OVERRIDES = T["deadline_suspensions"], T["calendar_overrides"]

CASE_COLUMNS = ("case_no", "record_id", "workflow", "workflow_version", "state", "version", "department_code",
                "uscc", "regime", "submitted_on", "applicant", "commitment_signed_at", "is_open", "due",
                "head_hash", "event_count", "id", "assigned_to")
DEADLINE_COLUMNS = ("stage", "title", "limit_days", "unit", "basis", "confirmed", "started_on", "due",
                    "provisional", "derivation", "status", "paused_days", "extended_days", "paused_since",
                    "met_on", "id")
# Every column a firing may change on a deadline: the engine writes them all for each changed deadline.
DEADLINE_WRITABLE = ("due", "provisional", "derivation", "status", "paused_days", "extended_days",
                     "paused_since", "met_on", "days_used")

# SQLite renders no FOR UPDATE (BEGIN IMMEDIATE already holds the write lock); PostgreSQL locks the row.
LOAD_CASE = (select(*(CASES.c[name] for name in CASE_COLUMNS))
             .where(CASES.c.case_no == bindparam("case_no")).with_for_update())
LOAD_OPEN_DEADLINES = (select(*(DEADLINES.c[name] for name in DEADLINE_COLUMNS))
                       .where(DEADLINES.c.case_id == bindparam("case_id"),
                              DEADLINES.c.status.in_(("running", "paused")))
                       .order_by(DEADLINES.c.id))
CALENDAR_STAMP = select(func.count(), func.max(OVERRIDES.c.loaded_at))
ADD_EVENT = insert(EVENTS)
MOVE_CASE = (update(CASES).where(CASES.c.id == bindparam("b_id"), CASES.c.version == bindparam("b_version"))
             .values(state=bindparam("state"), version=bindparam("version"), is_open=bindparam("is_open"),
                     due=bindparam("due"), head_hash=bindparam("head_hash"),
                     event_count=bindparam("event_count"), updated_at=bindparam("updated_at")))
UPDATE_DEADLINE = (update(DEADLINES).where(DEADLINES.c.id == bindparam("b_id"))
                   .values(**{name: bindparam(name) for name in DEADLINE_WRITABLE}))
ADD_SUSPENSIONS = insert(SUSPENSIONS)
DEPARTMENTS, DOCUMENTS, COUNTERS = T["departments"], T["documents"], T["counters"]
DOC_PREFIX = select(DEPARTMENTS.c.doc_prefix, DEPARTMENTS.c.code).where(DEPARTMENTS.c.code == bindparam("code"))
NEXT_NUMBER = (sqlite_insert(COUNTERS).values(key=None, value=1)
               .on_conflict_do_update(index_elements=["key"], set_={"value": COUNTERS.c.value + 1})
               .returning(COUNTERS.c.value))
NEXT_NUMBER_PG = (pg_insert(COUNTERS).values(key=None, value=1)
                  .on_conflict_do_update(index_elements=["key"], set_={"value": COUNTERS.c.value + 1})
                  .returning(COUNTERS.c.value))
ADD_DOCUMENT = insert(DOCUMENTS).returning(DOCUMENTS.c.id)
END_SUSPENSIONS = (update(SUSPENSIONS).where(SUSPENSIONS.c.deadline_id == bindparam("b_deadline"),
                                             SUSPENSIONS.c.ended_on.is_(None))
                   .values(ended_on=bindparam("ended_on"), workdays=bindparam("workdays")))


class CoreBaseline:
    """request_supplement / supply as plain Core statements, one transaction per firing."""

    def __init__(self, engine: Engine, stages: tuple[str, ...], pausing: frozenset[str],
                 open_states: frozenset[str]):
        self.engine = engine
        self.writer = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
        self.order = {stage: i for i, stage in enumerate(stages)}  # the workflow's clock order
        self.pausing = pausing  # stages whose clock stands still in awaiting_supplement
        self.open_states = open_states  # states in which a case counts as open
        self.resumed: dict[tuple, tuple[date, bool, str]] = {}
        self.elapsed: dict[tuple, int] = {}
        self.calendar_stamp: tuple | None = None

    def prepare_supply(self, calendar: WorkCalendar, today: date) -> None:
        """Precompute paused days, due dates and derivations for every paused deadline (untimed)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(DEADLINES).where(DEADLINES.c.status == "paused")).all()
            self.calendar_stamp = tuple(conn.execute(CALENDAR_STAMP).one())
        for row in rows:
            key = (row.unit, row.paused_since)
            if key not in self.elapsed:
                until, since = today, row.paused_since
                self.elapsed[key] = 0 if until <= since else (
                    calendar.count_workdays(since, until) if row.unit == "workdays" else (until - since).days)
            paused_days = row.paused_days + self.elapsed[key]
            shape = _shape(row, paused_days)
            if shape not in self.resumed:
                self.resumed[shape] = compute_due(calendar, SimpleNamespace(**{**row._asdict(),
                                                                               "paused_days": paused_days}))

    def request_supplement(self, case_no: str, *, actor: str, now: datetime, reason: str) -> None:
        """fulfilment_check → awaiting_supplement: pause the running clocks, open suspensions."""
        today = now.date()
        with self.writer.begin() as conn:
            case, deadlines = self._load(conn, case_no, "fulfilment_check")
            pausing = sorted((d for d in deadlines if d.status == "running" and d.stage in self.pausing),
                             key=lambda d: self.order[d.stage])
            changes = [{"stage": d.stage, "change": "paused", "due": d.due.isoformat(),
                        "provisional": d.provisional, "paused_on": today.isoformat()} for d in pausing]
            paused = {d.id for d in pausing}
            running = [d.due for d in deadlines if d.status == "running" and d.id not in paused]
            self._advance(conn, case, "awaiting_supplement", min(running, default=None), "request_supplement",
                          actor, now, reason, changes)
            # Deadlines are written in load (id) order, suspensions in the workflow's clock order.
            if pausing:
                conn.execute(UPDATE_DEADLINE, [_writable(d, status="paused", paused_since=today)
                                               for d in deadlines if d.id in paused])
                conn.execute(ADD_SUSPENSIONS, [{"deadline_id": d.id, "started_on": today, "reason": reason,
                                                "actor": actor} for d in pausing])
            # The supplement notice: numbered now, rendered later (as the engine does).
            prefix, code = conn.execute(DOC_PREFIX, {"code": case.department_code}).one()
            next_number = NEXT_NUMBER if is_sqlite(conn.engine) else NEXT_NUMBER_PG
            number = conn.execute(next_number, {"key": f"doc:{code}:{today.year}"}).scalar_one()
            conn.execute(ADD_DOCUMENT, {
                "kind": "supplement_notice", "title": "补正通知书", "doc_no": f"{prefix or code}信补〔{today.year}〕{number}号",
                "version": 1, "supersedes_id": None, "department_code": case.department_code,
                "record_id": case.record_id, "case_id": case.id, "status": "reserved",
                "context": {"$params": {"issued_on": today.isoformat(), "reason": reason, "granted": None}},
                "note": "", "created_at": utc_naive(now), "created_by": actor}).scalar_one()

    def supply(self, case_no: str, *, actor: str, now: datetime) -> None:
        """awaiting_supplement → fulfilment_check: close suspensions, resume clocks with new due dates."""
        today = now.date()
        with self.writer.begin() as conn:
            case, deadlines = self._load(conn, case_no, "awaiting_supplement")
            resuming = sorted((d for d in deadlines if d.status == "paused"),
                              key=lambda d: self.order[d.stage])
            if resuming and tuple(conn.execute(CALENDAR_STAMP).one()) != self.calendar_stamp:
                raise RuntimeError("baseline: calendar overrides changed since prepare_supply")
            ended, moved, changes = [], {}, []
            for d in resuming:
                days = self.elapsed[(d.unit, d.paused_since)]
                due, provisional, derivation = self.resumed[_shape(d, d.paused_days + days)]
                ended.append({"b_deadline": d.id, "ended_on": today, "workdays": days})
                moved[d.id] = _writable(d, due=due, provisional=provisional, derivation=derivation,
                                        status="running", paused_days=d.paused_days + days, paused_since=None)
                changes.append({"stage": d.stage, "change": "resumed", "due": due.isoformat(),
                                "provisional": provisional, "paused_days": d.paused_days + days})
            running = [d.due for d in deadlines if d.status == "running"] + [m["due"] for m in moved.values()]
            self._advance(conn, case, "fulfilment_check", min(running, default=None), "supply", actor, now,
                          None, changes)
            if resuming:
                conn.execute(UPDATE_DEADLINE, [moved[d.id] for d in deadlines if d.id in moved])
                conn.execute(END_SUSPENSIONS, ended)

    @staticmethod
    def _load(conn, case_no: str, expected_state: str):
        case = conn.execute(LOAD_CASE, {"case_no": case_no}).first()
        if case is None or case.state != expected_state:
            raise RuntimeError(f"baseline: {case_no} is not in {expected_state}")
        return case, conn.execute(LOAD_OPEN_DEADLINES, {"case_id": case.id}).all()

    def _advance(self, conn, case, dest: str, due: date | None, trigger: str, actor: str, now: datetime,
                 reason: str | None, changes: list[dict]) -> None:
        """Append the chained event, then move the case under its version check (the engine's order)."""
        at = utc_naive(now)
        facts = EventFacts(case_no=case.case_no, seq=case.event_count + 1, trigger=trigger,
                           from_state=case.state, to_state=dest, actor=actor, at=at, reason=reason,
                           payload={"deadlines": changes}, workflow_version=case.workflow_version)
        digest = chain_hash(case.head_hash, facts)
        conn.execute(ADD_EVENT, {"case_id": case.id, "seq": facts.seq, "trigger": trigger,
                                 "from_state": case.state, "to_state": dest, "actor": actor, "at": at,
                                 "reason": reason, "payload": {"deadlines": changes},
                                 "workflow_version": case.workflow_version,
                                 "prev_hash": case.head_hash, "hash": digest})
        result = conn.execute(MOVE_CASE, {"b_id": case.id, "b_version": case.version, "state": dest,
                                          "version": case.version + 1, "is_open": dest in self.open_states,
                                          "due": due, "head_hash": digest, "event_count": facts.seq,
                                          "updated_at": at})
        if result.rowcount != 1:
            raise RuntimeError(f"baseline: stale version of {case.case_no}")


def _writable(deadline, **changed) -> dict:
    """The parameters of UPDATE_DEADLINE for one deadline: its loaded values, then the changes (an open clock
    has no days_used, which is set when a clock is met, so it is not loaded)."""
    loaded = {name: getattr(deadline, name) for name in DEADLINE_WRITABLE if name != "days_used"}
    return {"b_id": deadline.id, **loaded, "days_used": None, **changed}


def _shape(deadline, paused_days: int) -> tuple:
    """What a due date depends on (the same for every case whose clocks ran alike)."""
    return (deadline.stage, deadline.title, deadline.limit_days, deadline.unit, deadline.basis,
            deadline.confirmed, deadline.started_on, paused_days, deadline.extended_days)

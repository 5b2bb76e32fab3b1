"""The baseline of `bench/engine.py`: the statements the engine emits for one firing, through SQLAlchemy Core.

No ORM, no pytransitions, no workflow: the states, the clock stages that pause and the new due dates
and derivations are precomputed (outside the timed loop) by `prepare_supply`. What stays per firing is
what any hand-written implementation must do: read the case and its deadlines, hash the chained event
(same SHA-256 over the same canonical JSON), write, check the version, commit.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import Engine, bindparam, func, insert, select, update

from repair.calendar import WorkCalendar
from repair.domain.history import EventFacts, chain_hash
from repair.domain.clocks import compute_due
from repair.services.history import utc_naive
from repair.store.db import is_sqlite
from repair.store.models import Base

T = Base.metadata.tables
CASES, RECORDS, DEADLINES = T["cases"], T["records"], T["deadlines"]
EVENTS, SUSPENSIONS, OVERRIDES = T["case_events"], T["deadline_suspensions"], T["calendar_overrides"]

LOAD_CASE = (select(CASES, RECORDS).join_from(CASES, RECORDS, CASES.c.record_id == RECORDS.c.id, isouter=True)
             .where(CASES.c.case_no == bindparam("case_no")).with_for_update(of=CASES))
LOAD_DEADLINES = (select(DEADLINES).where(DEADLINES.c.case_id.in_(bindparam("ids", expanding=True)))
                  .order_by(DEADLINES.c.id))
CALENDAR_KEY = select(func.count(), func.max(OVERRIDES.c.loaded_at))
OPEN_SUSPENSION = select(SUSPENSIONS).where(SUSPENSIONS.c.deadline_id == bindparam("d_id"),
                                            SUSPENSIONS.c.ended_on.is_(None))
ADD_SUSPENSIONS = insert(SUSPENSIONS).returning(SUSPENSIONS.c.id, sort_by_parameter_order=True)
END_SUSPENSION = (update(SUSPENSIONS).where(SUSPENSIONS.c.id == bindparam("s_id"))
                  .values(ended_on=bindparam("ended_on"), workdays=bindparam("workdays")))
MOVE_CASE = (update(CASES).where(CASES.c.id == bindparam("c_id"), CASES.c.version == bindparam("c_version"))
             .values(state=bindparam("state"), version=bindparam("version"), due=bindparam("due"),
                     head_hash=bindparam("head_hash"), event_count=bindparam("event_count"),
                     updated_at=bindparam("updated_at")))
ADD_EVENT = insert(EVENTS)
PAUSE_DEADLINE = (update(DEADLINES).where(DEADLINES.c.id == bindparam("d_id"))
                  .values(paused_since=bindparam("paused_since"), status=bindparam("status")))
RESUME_DEADLINE = (update(DEADLINES).where(DEADLINES.c.id == bindparam("d_id"))
                   .values(due=bindparam("due"), paused_days=bindparam("paused_days"),
                           paused_since=bindparam("paused_since"), status=bindparam("status"),
                           derivation=bindparam("derivation")))


class CoreBaseline:
    """request_supplement / supply as plain Core statements, one transaction per firing."""

    def __init__(self, engine: Engine, stages: tuple[str, ...], pausing: frozenset[str]):
        self.writer = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
        self.order = {stage: i for i, stage in enumerate(stages)}  # the workflow's clock order
        self.pausing = pausing  # stages whose clock stands still in awaiting_supplement
        self.resumed: dict[tuple, tuple[date, bool, str]] = {}
        self.elapsed: dict[tuple, int] = {}

    def prepare_supply(self, calendar: WorkCalendar, today: date) -> None:
        """Precompute paused days, due dates and derivations for every paused deadline (untimed)."""
        with self.writer.connect() as conn:
            rows = conn.execute(select(DEADLINES).where(DEADLINES.c.status == "paused")).all()
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
            conn.execute(ADD_SUSPENSIONS, [{"deadline_id": d.id, "started_on": today, "ended_on": None,
                                            "workdays": None, "reason": reason, "actor": actor}
                                           for d in pausing])
            changes = [{"stage": d.stage, "change": "paused", "due": d.due.isoformat(),
                        "provisional": d.provisional, "paused_on": today.isoformat()} for d in pausing]
            paused = {d.id for d in pausing}
            running = [d.due for d in deadlines if d.status == "running" and d.id not in paused]
            self._advance(conn, case, "awaiting_supplement", min(running, default=None), "request_supplement",
                          actor, now, reason, changes)
            conn.execute(PAUSE_DEADLINE, [{"d_id": d.id, "paused_since": today, "status": "paused"}
                                          for d in pausing])

    def supply(self, case_no: str, *, actor: str, now: datetime) -> None:
        """awaiting_supplement → fulfilment_check: close suspensions, resume clocks with new due dates."""
        today = now.date()
        with self.writer.begin() as conn:
            case, deadlines = self._load(conn, case_no, "awaiting_supplement")
            resuming = sorted((d for d in deadlines if d.status == "paused"),
                              key=lambda d: self.order[d.stage])
            ended, moved, changes = [], [], []
            for d in resuming:
                conn.execute(CALENDAR_KEY).one()  # the engine checks its calendar cache per resumed clock
                suspension = conn.execute(OPEN_SUSPENSION, {"d_id": d.id}).first()
                days = self.elapsed[(d.unit, d.paused_since)]
                if suspension is not None:
                    ended.append({"s_id": suspension.id, "ended_on": today, "workdays": days})
                due, provisional, derivation = self.resumed[_shape(d, d.paused_days + days)]
                moved.append({"d_id": d.id, "due": due, "paused_days": d.paused_days + days,
                              "paused_since": None, "status": "running", "derivation": derivation})
                changes.append({"stage": d.stage, "change": "resumed", "due": due.isoformat(),
                                "provisional": provisional, "paused_days": d.paused_days + days})
            if ended:
                conn.execute(END_SUSPENSION, ended)
            running = [d.due for d in deadlines if d.status == "running"] + [m["due"] for m in moved]
            self._advance(conn, case, "fulfilment_check", min(running, default=None), "supply", actor, now,
                          None, changes)
            conn.execute(RESUME_DEADLINE, moved)

    @staticmethod
    def _load(conn, case_no: str, expected_state: str):
        case = conn.execute(LOAD_CASE, {"case_no": case_no}).first()
        if case is None or case.state != expected_state:
            raise RuntimeError(f"baseline: {case_no} is not in {expected_state}")
        return case, conn.execute(LOAD_DEADLINES, {"ids": [case.id]}).all()

    @staticmethod
    def _advance(conn, case, dest: str, due: date | None, trigger: str, actor: str, now: datetime,
                 reason: str | None, changes: list[dict]) -> None:
        at = utc_naive(now)
        facts = EventFacts(case_no=case.case_no, seq=case.event_count + 1, trigger=trigger,
                           from_state=case.state, to_state=dest, actor=actor, at=at, reason=reason,
                           payload={"deadlines": changes}, workflow_version=case.workflow_version)
        digest = chain_hash(case.head_hash, facts)
        result = conn.execute(MOVE_CASE, {"c_id": case.id, "c_version": case.version, "state": dest,
                                          "version": case.version + 1, "due": due, "head_hash": digest,
                                          "event_count": facts.seq, "updated_at": at})
        if result.rowcount != 1:
            raise RuntimeError(f"baseline: stale version of {case.case_no}")
        conn.execute(ADD_EVENT, {"case_id": case.id, "seq": facts.seq, "trigger": trigger,
                                 "from_state": case.state, "to_state": dest, "actor": actor, "at": at,
                                 "reason": reason, "payload": {"deadlines": changes},
                                 "workflow_version": case.workflow_version,
                                 "prev_hash": case.head_hash, "hash": digest})


def _shape(deadline, paused_days: int) -> tuple:
    """What a due date depends on (the same for every case whose clocks ran alike)."""
    return (deadline.stage, deadline.title, deadline.limit_days, deadline.unit, deadline.basis,
            deadline.confirmed, deadline.started_on, paused_days, deadline.extended_days)

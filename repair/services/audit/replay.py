"""A case's time-limit timeline for auditors, and its state as of any past date (replayed from the history).

The history events carry every deadline change (`payload["deadlines"]`: started, paused, resumed,
extended, met, cancelled, recomputed), so the clocks as of a date are rebuilt by replaying the events of
that date and before; the n-th "started" change of a stage is the n-th deadline row of that stage.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from repair.domain.clocks import shown_status
from repair.errors import NotFound
from repair.services.calendar.overrides import calendar_for
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.models import Case, CaseEvent, Deadline, Extension, Suspension
from repair.store.uow import UnitOfWork

OPEN = ("running", "paused")


def local_day(moment: datetime) -> date:
    """The district's calendar day of a stored time (history times are naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ).date()


def _local_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _clock(row: Deadline) -> dict:
    return {"id": row.id, "stage": row.stage, "title": row.title, "limit_days": row.limit_days, "unit": row.unit,
            "basis": row.basis, "confirmed": row.confirmed, "started_on": None, "due": None, "status": "pending",
            "met_on": None, "paused_days": 0, "extended_days": 0, "provisional": False, "trail": []}


def _apply(clocks: dict[str, list[dict]], started: dict[str, int], change: dict, when: str) -> None:
    stage, what = change.get("stage"), change.get("change")
    rows = clocks.get(stage, [])
    if what == "started":
        index = started.get(stage, 0)
        started[stage] = index + 1
        if index >= len(rows):
            return
        clock = rows[index]
        clock.update(status="running", started_on=change.get("started_on"))
    else:
        clock = next((c for c in reversed(rows) if c["status"] in OPEN), None)
        if clock is None:
            return
        if what == "paused":
            clock["status"] = "paused"
        elif what == "resumed":
            clock.update(status="running", paused_days=change.get("paused_days", clock["paused_days"]))
        elif what == "extended":
            clock["extended_days"] += change.get("days", 0)
        elif what == "met":
            clock.update(status="met", met_on=change.get("met_on"))
        elif what == "cancelled":
            clock["status"] = "cancelled"
    clock["due"] = change.get("due", clock["due"])
    clock["provisional"] = change.get("provisional", clock["provisional"])
    clock["trail"].append({"at": when, "change": what, "due": clock["due"],
                           **{k: v for k, v in change.items() if k in ("old_due", "shift_days", "days",
                                                                       "paused_days", "met_on")}})


def _breach(calendar, clock: dict, as_of: date) -> int | None:
    """Working days past due: for a late met clock up to met_on, for a running one up to `as_of`."""
    if clock["due"] is None:
        return None
    due = date.fromisoformat(clock["due"])
    if clock["status"] == "met" and clock["met_on"] and date.fromisoformat(clock["met_on"]) > due:
        return calendar.count_workdays(due, date.fromisoformat(clock["met_on"]))
    if clock["status"] == "running" and due < as_of:
        return calendar.count_workdays(due, as_of)
    return None


def case_timeline(runtime, uow: UnitOfWork, case_no: str, *, today: date, as_of: date | None = None) -> dict:
    """The case's events, clocks (with derivations), breaches, suspensions and extensions as of a date."""
    case = uow.session.scalars(select(Case).where(Case.case_no == case_no)).first()
    if case is None:
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    cutoff = min(as_of or today, today)
    wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
    calendar = calendar_for(runtime, uow)
    clocks: dict[str, list[dict]] = {}
    current = {}
    for row in case.deadlines:
        clocks.setdefault(row.stage, []).append(_clock(row))
        current[row.id] = row
    started: dict[str, int] = {}
    events, state = [], None
    for event in uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)):
        if as_of is not None and local_day(event.at) > as_of:
            break
        when = _local_text(event.at)
        changes = list((event.payload or {}).get("deadlines", []))
        for change in changes:
            _apply(clocks, started, change, when)
        state = event.to_state
        events.append({"seq": event.seq, "at": when, "trigger": event.trigger, "from": event.from_state,
                       "to": event.to_state, "actor": event.actor, "reason": event.reason, "changes": changes})
    deadlines = []
    for clock in (c for rows in clocks.values() for c in rows if c["status"] != "pending"):
        row = current[clock.pop("id")]
        # The stored derivation explains today's due date; as of an earlier date it may have changed since.
        clock["derivation"] = row.derivation if clock["due"] == row.due.isoformat() else None
        clock["workdays_over"] = _breach(calendar, clock, cutoff)
        if clock["due"] and clock["met_on"]:
            clock["status"] = shown_status(clock["status"], date.fromisoformat(clock["due"]),
                                           date.fromisoformat(clock["met_on"]))
        deadlines.append(clock)
    deadlines.sort(key=lambda c: (c["started_on"] or "", c["stage"]))
    return {
        "case_no": case.case_no, "workflow": case.workflow, "workflow_title": wf.title,
        "department": case.department_code, "uscc": case.uscc, "party": case.record.party_name,
        "responsible": case.assigned_to or "未分配", "submitted_on": case.submitted_on.isoformat(),
        "as_of": as_of.isoformat() if as_of else None, "state": state,
        "state_title": wf.states[state].title if state in wf.states else state,
        "events": events, "deadlines": deadlines,
        "breaches": [d for d in deadlines if d["workdays_over"]],
        "suspensions": _suspensions(uow, case.id, as_of), "extensions": _extensions(uow, case.id, as_of),
    }


def _suspensions(uow: UnitOfWork, case_id: int, as_of: date | None) -> list[dict]:
    query = (select(Suspension, Deadline.stage, Deadline.title).join(Deadline, Deadline.id == Suspension.deadline_id)
             .where(Deadline.case_id == case_id).order_by(Suspension.started_on, Suspension.id))
    rows = []
    for suspension, stage, title in uow.session.execute(query):
        if as_of is not None and suspension.started_on > as_of:
            continue
        ended = suspension.ended_on if suspension.ended_on and (as_of is None or suspension.ended_on <= as_of) else None
        rows.append({"stage": stage, "title": title, "reason": suspension.reason, "actor": suspension.actor,
                     "started_on": suspension.started_on.isoformat(), "ended_on": ended.isoformat() if ended else None,
                     "workdays": suspension.workdays if ended else None})
    return rows


def _extensions(uow: UnitOfWork, case_id: int, as_of: date | None) -> list[dict]:
    query = (select(Extension, Deadline.stage, Deadline.title).join(Deadline, Deadline.id == Extension.deadline_id)
             .where(Deadline.case_id == case_id).order_by(Extension.at, Extension.id))
    rows = []
    for extension, stage, title in uow.session.execute(query):
        # Stored as naive UTC, like the history events.
        if as_of is not None and local_day(extension.at) > as_of:
            continue
        rows.append({"stage": stage, "title": title, "days": extension.days, "reason": extension.reason,
                     "actor": extension.actor, "at": _local_text(extension.at)})
    return rows

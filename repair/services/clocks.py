"""Stage clocks: start, stop, pause (补正), resume and extend deadlines as a case moves."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import select

from repair.calendar import WorkCalendar
from repair.domain.workflow import ClockDef, Workflow
from repair.services.history import append_event, utc_naive
from repair.store.models import Case, Deadline, Extension, Suspension
from repair.store.uow import UnitOfWork

OPEN = ("running", "paused")


def compute_due(calendar: WorkCalendar, deadline: Deadline) -> tuple[date, bool, str]:
    """Due date, provisional flag and a readable derivation for a deadline's current totals."""
    total = deadline.limit_days + deadline.paused_days + deadline.extended_days
    parts = [f"{deadline.title}时限 {deadline.limit_days} 个{'工作日' if deadline.unit == 'workdays' else '自然日'}"
             f"（依据：{deadline.basis}{'' if deadline.confirmed else '；待确认'}）"]
    if deadline.paused_days:
        parts.append(f"补正期间暂停 {deadline.paused_days} 日顺延")
    if deadline.extended_days:
        parts.append(f"延期 {deadline.extended_days} 日")
    if deadline.unit == "workdays":
        result = calendar.due(deadline.started_on, total)
        parts.append(result.derivation)
        return result.due, result.provisional, "；".join(parts)
    due = deadline.started_on + timedelta(days=total)
    parts.append(f"自 {deadline.started_on} 起算 {total} 个自然日 → 截止 {due}")
    return due, False, "；".join(parts)


def _recompute(calendar: WorkCalendar, deadline: Deadline) -> None:
    deadline.due, deadline.provisional, deadline.derivation = compute_due(calendar, deadline)


def _elapsed(calendar: WorkCalendar, deadline: Deadline, since: date, until: date) -> int:
    if until <= since:
        return 0
    if deadline.unit == "workdays":
        return calendar.count_workdays(since, until)
    return (until - since).days


def _change(deadline: Deadline, what: str, **extra) -> dict:
    return {"stage": deadline.stage, "change": what, "due": deadline.due.isoformat(),
            "provisional": deadline.provisional, **extra}


def _start(case: Case, clock: ClockDef, calendar: WorkCalendar, today: date) -> Deadline:
    deadline = Deadline(
        stage=clock.stage, title=clock.title, limit_days=clock.limit, unit=clock.unit, basis=clock.basis,
        confirmed=clock.confirmed, started_on=today, paused_days=0, extended_days=0, status="running",
    )
    _recompute(calendar, deadline)
    case.deadlines.append(deadline)
    return deadline


def apply_clocks(
    uow: UnitOfWork, wf: Workflow, case: Case, *, from_state: str | None, to_state: str, trigger: str,
    extends: str | None, calendar: Callable[[], WorkCalendar], today: date, actor: str, reason: str | None,
    now: datetime,
) -> list[dict]:
    """Update the case's deadlines for one firing; return the changes for the history event."""
    entered = to_state if to_state != from_state else None
    open_by_stage = {d.stage: d for d in case.deadlines if d.status in OPEN}
    changes: list[dict] = []
    for clock in wf.clocks:
        current = open_by_stage.get(clock.stage)
        stops = entered in clock.stops.enter or trigger in clock.stops.fire
        starts = entered in clock.starts.enter or trigger in clock.starts.fire
        if current is None:
            if starts and not stops:
                changes.append(_change(_start(case, clock, calendar(), today), "started",
                                       started_on=today.isoformat()))
            continue
        if stops:
            if current.status == "paused":
                _resume(uow, calendar(), current, today)
            current.status, current.met_on = "met", today
            changes.append(_change(current, "met", met_on=today.isoformat()))
        elif current.status == "running" and entered in clock.pauses:
            current.status, current.paused_since = "paused", today
            uow.session.add(Suspension(deadline_id=current.id, started_on=today, reason=reason or "",
                                       actor=actor))
            changes.append(_change(current, "paused", paused_on=today.isoformat()))
        elif current.status == "paused" and entered is not None and entered not in clock.pauses:
            _resume(uow, calendar(), current, today)
            changes.append(_change(current, "resumed", paused_days=current.paused_days))
        if extends == clock.stage and current.status in OPEN and clock.extension is not None:
            current.extended_days += clock.extension.limit
            uow.session.add(Extension(deadline_id=current.id, days=clock.extension.limit, reason=reason or "",
                                      actor=actor, at=utc_naive(now)))
            _recompute(calendar(), current)
            changes.append(_change(current, "extended", days=clock.extension.limit))
    if wf.states[to_state].final:
        # In a final state only internal triggers remain: a clock none of them can stop is moot.
        remaining = set(wf.triggers_from(to_state))
        for deadline in case.deadlines:
            if deadline.status in OPEN and not remaining & set(wf.clock(deadline.stage).stops.fire):
                deadline.status = "cancelled"
                changes.append(_change(deadline, "cancelled"))
    refresh_case_due(case)
    return changes


def _resume(uow: UnitOfWork, calendar: WorkCalendar, deadline: Deadline, today: date) -> None:
    days = _elapsed(calendar, deadline, deadline.paused_since, today)
    suspension = uow.session.scalars(
        select(Suspension).where(Suspension.deadline_id == deadline.id, Suspension.ended_on.is_(None))
    ).first()
    if suspension is not None:
        suspension.ended_on, suspension.workdays = today, days
    deadline.paused_days += days
    deadline.paused_since = None
    deadline.status = "running"
    _recompute(calendar, deadline)


def refresh_case_due(case: Case) -> None:
    """Keep the case's queue date at its earliest running deadline."""
    running = [d.due for d in case.deadlines if d.status == "running"]
    case.due = min(running) if running else None


def recompute_provisional(runtime, uow: UnitOfWork, calendar: WorkCalendar, *, actor, now: datetime) -> list[dict]:
    """Recompute every open provisional deadline with `calendar`; record each move in the case history."""
    moved = []
    deadlines = uow.session.scalars(
        select(Deadline).where(Deadline.provisional.is_(True), Deadline.status.in_(OPEN)).order_by(Deadline.id)
    ).all()
    for deadline in deadlines:
        old_due, old_provisional = deadline.due, deadline.provisional
        _recompute(calendar, deadline)
        if (deadline.due, deadline.provisional) == (old_due, old_provisional):
            continue
        case = deadline.case
        refresh_case_due(case)
        change = _change(deadline, "recomputed", old_due=old_due.isoformat(),
                         shift_days=(deadline.due - old_due).days)
        append_event(uow, case, trigger="recompute_deadline", from_state=case.state, to_state=case.state,
                     actor=actor.username, at=now, reason="载入新的工作日日历 / calendar data loaded",
                     payload={"deadlines": [change]})
        moved.append({"case_no": case.case_no, **change})
    return moved
